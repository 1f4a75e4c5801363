//! Unit tests of the store on the in-memory host: its S3 model answers unless a test scripts
//! the next answers, and its clock only moves when the store sleeps or a test moves it, so
//! retries, backoff, skew, credential expiry and chunk naming run with no real waiting.
use super::*;
use crate::error::Error;
use crate::host::memory::MemoryHost;
use crate::host::{HttpRequest, HttpResponse};
use crate::value::json;

fn env(pairs: &[(&str, &str)]) -> Env {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

fn store_with(config: crate::value::Value) -> (S3RunLogStore<MemoryHost>, MemoryHost) {
    let host = MemoryHost::new();
    let config = Config::from_value(&config).unwrap();
    let store = S3RunLogStore::with_host(
        config,
        &env(&[("AWS_ACCESS_KEY_ID", "AK"), ("AWS_SECRET_ACCESS_KEY", "SECRETKEY")]),
        host.clone(),
    )
    .unwrap();
    (store, host)
}

fn store() -> (S3RunLogStore<MemoryHost>, MemoryHost) {
    // The index's own requests are tested in `index_tests`; these tests count the run log's.
    store_with(json!({"s3_bucket": "b", "endpoint_url": "http://127.0.0.1:1", "run_index": false}))
}

fn chunked() -> (S3RunLogStore<MemoryHost>, MemoryHost) {
    store_with(json!({"s3_bucket": "b", "endpoint_url": "http://127.0.0.1:1", "layout": "chunked"}))
}

fn answer(status: u16, body: &[u8]) -> crate::Result<HttpResponse> {
    let mut r = HttpResponse::new(status, body);
    r.headers.push(("etag".into(), "\"e1\"".into()));
    Ok(r)
}

fn net() -> crate::Result<HttpResponse> {
    Err(Error::Network { code: "connect".into(), message: "refused".into() })
}

fn header<'a>(r: &'a HttpRequest, name: &str) -> Option<&'a str> {
    r.header(name)
}

/// Runs a test to the end in one poll: the in-memory host never leaves a future waiting (its
/// sleeps move the fake clock and return), so nothing here can wait for real.
fn run<F: std::future::Future>(f: F) -> F::Output {
    let mut f = std::pin::pin!(f);
    match f.as_mut().poll(&mut std::task::Context::from_waker(std::task::Waker::noop())) {
        std::task::Poll::Ready(out) => out,
        std::task::Poll::Pending => panic!("the store waited on something the in-memory host never finishes"),
    }
}

#[test]
fn transient_failures_are_retried_with_backoff_on_the_fake_clock() {
    run(async {
        let (s, host) = store();
        s.create_run_log("r", NewRunLog::default()).await.unwrap();
        host.clear_requests();
        host.script(answer(503, b"<Error><Code>SlowDown</Code></Error>"));
        host.script(net());
        assert_eq!(s.get_run_log_by_id("r", false).await.unwrap().run_id, "r");
        let seen = host.requests();
        assert_eq!(seen.len(), 3);
        assert!(seen.iter().all(|r| header(r, "authorization").is_some()), "every try is signed");
        // two backoffs, each a jittered ceiling of 10 ms << (attempt + 2), at most 800 ms
        assert!(host.slept() <= Duration::from_millis(1600), "{:?}", host.slept());
    })
}

#[test]
fn retries_are_bounded_and_the_last_answer_is_typed() {
    run(async {
        let (s, host) = store();
        host.script(answer(500, b""));
        host.script(answer(502, b""));
        host.script(answer(503, b"<Error><Code>SlowDown</Code><RequestId>R</RequestId></Error>"));
        match s.get_run_log_by_id("r", false).await {
            Err(Error::S3 { status: 503, code, request_id, .. }) => {
                assert_eq!((code.as_str(), request_id.as_deref()), ("SlowDown", Some("R")))
            }
            other => panic!("{other:?}"),
        }
        for _ in 0..3 {
            host.script(net());
        }
        assert!(matches!(s.get_run_log_by_id("r", false).await, Err(Error::Network { .. })));
        assert_eq!(host.requests().len(), 6);
    })
}

#[test]
fn client_errors_are_not_retried() {
    run(async {
        let (s, host) = store();
        host.script(answer(403, b"<Error><Code>AccessDenied</Code></Error>"));
        assert!(matches!(s.get_run_log_by_id("r", false).await, Err(Error::S3 { status: 403, .. })));
        assert_eq!(host.requests().len(), 1);
        assert_eq!(host.slept(), Duration::ZERO);
    })
}

fn skewed(date: &str) -> crate::Result<HttpResponse> {
    let mut r = HttpResponse::new(403, &b"<Error><Code>RequestTimeTooSkewed</Code></Error>"[..]);
    r.headers.push(("date".into(), date.into()));
    Ok(r)
}

fn amz_date(r: &HttpRequest) -> String {
    header(r, "x-amz-date").unwrap().to_string()
}

#[test]
fn a_skewed_clock_is_corrected_from_the_server_date_and_kept() {
    run(async {
        let (s, host) = store();
        s.create_run_log("r", NewRunLog::default()).await.unwrap();
        host.clear_requests();
        host.script(skewed("Thu, 06 Nov 2031 08:49:37 GMT"));
        s.get_run_log_by_id("r", false).await.unwrap();
        s.get_run_log_by_id("r", false).await.unwrap();
        let seen = host.requests();
        assert!(amz_date(&seen[0]).starts_with("20260101"), "{}", amz_date(&seen[0]));
        assert!(
            amz_date(&seen[1]).starts_with("20311106T0849"),
            "re-signed with the server's time: {}",
            amz_date(&seen[1])
        );
        assert!(amz_date(&seen[2]).starts_with("20311106T0849"), "and the offset is kept");
    })
}

#[test]
fn an_absurd_server_date_is_not_learned() {
    run(async {
        let (s, host) = store();
        // More than ten years away: refused as a correction; the 403 is the answer.
        host.script(skewed("Fri, 31 Dec 9999 23:59:59 GMT"));
        assert!(matches!(s.get_run_log_by_id("r", false).await, Err(Error::S3 { status: 403, .. })));
        host.script(skewed("Mon, 01 Jan 1900 00:00:00 GMT"));
        assert!(matches!(s.get_run_log_by_id("r", false).await, Err(Error::S3 { status: 403, .. })));
        s.create_run_log("r", NewRunLog::default()).await.unwrap();
        let last = host.requests().pop().unwrap();
        assert!(amz_date(&last).starts_with("20260101"), "the clock was left alone: {}", amz_date(&last));
    })
}

#[test]
fn a_write_that_keeps_losing_races_ends_in_conflict_error_and_overwrites_nothing() {
    run(async {
        let (s, host) = store();
        let s = s.with_write_policy(WritePolicy { max_attempts: 4, ..Default::default() });
        let body = RunLog::new("r").to_json_bytes();
        for _ in 0..4 {
            host.script(answer(200, &body)); // GET with ETag
            host.script(answer(412, b"")); // PUT If-Match lost
        }
        match s.update_run_log_status("r", "SUCCESS").await {
            Err(Error::Conflict { key, attempts }) => assert_eq!((key.as_str(), attempts), ("r.json", 4)),
            other => panic!("{other:?}"),
        }
        let seen = host.requests();
        assert_eq!(seen.len(), 8);
        assert!(seen.iter().filter(|r| r.method == "PUT").all(|r| header(r, "if-match") == Some("\"e1\"")));
        assert!(host.slept() > Duration::ZERO, "it backed off between attempts");
    })
}

#[test]
fn a_store_changes_what_it_wrote_last_without_reading_it_again() {
    run(async {
        let (s, host) = store();
        s.create_run_log("r", NewRunLog::default()).await.unwrap();
        s.update_run_log_status("r", "PROCESSING").await.unwrap(); // reads: the create kept nothing
        host.clear_requests();
        s.set_parameters("r", &json!({"x": 1}).as_object().unwrap().clone()).await.unwrap();
        s.update_run_log_status("r", "SUCCESS").await.unwrap();
        let methods: Vec<_> = host.requests().iter().map(|r| r.method).collect();
        assert_eq!(methods, ["PUT", "PUT"], "each change builds on what this store wrote");
        assert!(host.requests().iter().all(|r| header(r, "if-match").is_some()), "still conditional");
        let log = s.get_run_log_by_id("r", false).await.unwrap();
        assert_eq!((log.status.as_str(), log.parameters.get("x").and_then(Value::as_i64)), ("SUCCESS", Some(1)));
    })
}

#[test]
fn another_writer_in_between_sends_the_change_back_to_a_fresh_read() {
    run(async {
        let (s, host) = store();
        s.create_run_log("r", NewRunLog::default()).await.unwrap();
        s.update_run_log_status("r", "PROCESSING").await.unwrap();
        // Someone else writes the run (a tag) after this store's last write.
        let mut theirs = s.get_run_log_by_id("r", false).await.unwrap();
        theirs.tag = Some("theirs".into());
        host.put_object("b/r.json", &theirs.to_json_bytes());
        host.clear_requests();
        s.update_run_log_status("r", "SUCCESS").await.unwrap();
        let methods: Vec<_> = host.requests().iter().map(|r| r.method).collect();
        assert_eq!(methods, ["PUT", "GET", "PUT"], "412 on the kept base, then a fresh read");
        assert_eq!(host.slept(), Duration::ZERO, "a stale base is not a race: no backoff");
        let log = s.get_run_log_by_id("r", false).await.unwrap();
        assert_eq!((log.status.as_str(), log.tag.as_deref()), ("SUCCESS", Some("theirs")), "both changes kept");
    })
}

#[test]
fn a_kept_base_missing_what_another_writer_added_is_read_afresh() {
    run(async {
        let (s, host) = store();
        s.create_run_log("r", NewRunLog::default()).await.unwrap();
        // This store's write: its result is kept as the base of the next change.
        s.update_run_log_status("r", "PROCESSING").await.unwrap();
        // Another process adds the parallel step `fan` and its branch `fan.a`.
        let mut theirs = s.get_run_log_by_id("r", false).await.unwrap();
        let mut fan = s.create_step_log("fan", "fan").unwrap();
        fan.branches.insert("fan.a".into(), s.create_branch_log("fan.a").unwrap());
        theirs.steps.insert("fan".into(), fan);
        host.put_object("b/r.json", &theirs.to_json_bytes());
        // The kept base has no `fan.a`: the change must not fail on it.
        s.add_step_log(&s.create_step_log("t", "fan.a.t").unwrap(), "r").await.unwrap();
        let log = s.get_run_log_by_id("r", false).await.unwrap();
        assert!(log.steps["fan"].branches["fan.a"].steps.contains_key("fan.a.t"));
    })
}

#[test]
fn without_conditional_writes_every_change_reads_first() {
    run(async {
        let (s, host) = store_with(
            json!({"s3_bucket": "b", "endpoint_url": "http://127.0.0.1:1", "unsafe_last_writer_wins": true, "run_index": false}),
        );
        s.create_run_log("r", NewRunLog::default()).await.unwrap();
        s.update_run_log_status("r", "PROCESSING").await.unwrap();
        host.clear_requests();
        s.update_run_log_status("r", "SUCCESS").await.unwrap();
        let methods: Vec<_> = host.requests().iter().map(|r| r.method).collect();
        assert_eq!(methods, ["GET", "PUT"]);
    })
}

#[test]
fn a_retried_create_that_landed_is_not_reported_as_existing() {
    run(async {
        let (s, host) = store();
        host.lose_answer(); // the PUT lands, its answer does not
        s.create_run_log("r", NewRunLog::default()).await.unwrap();
        let methods: Vec<_> = host.requests().iter().map(|r| r.method).collect();
        assert_eq!(methods, ["PUT", "PUT", "GET"], "retried, met 412, found its own token");
        // Anyone else's object under the id, even with identical bytes, means it is taken.
        let (s, host) = store();
        host.put_object("b/r.json", &s.create_run_log("x", NewRunLog::default()).await.unwrap().to_json_bytes());
        assert!(matches!(s.create_run_log("r", NewRunLog::default()).await, Err(Error::RunLogExists { .. })));
    })
}

#[test]
fn a_second_create_is_run_log_exists() {
    run(async {
        let (s, _) = store();
        s.create_run_log("r", NewRunLog::default()).await.unwrap();
        assert!(matches!(s.create_run_log("r", NewRunLog::default()).await, Err(Error::RunLogExists { .. })));
    })
}

fn role_store() -> (S3RunLogStore<MemoryHost>, MemoryHost) {
    let host = MemoryHost::new();
    let config = Config::from_value(&json!({
        "s3_bucket": "b", "endpoint_url": "http://127.0.0.1:1", "region": "eu-west-1",
        "role_arn": "arn:aws:iam::123456789012:role/runs", "session_duration_in_seconds": 1800, "run_index": false
    }))
    .unwrap();
    let env = env(&[("AWS_ACCESS_KEY_ID", "BASEKEY"), ("AWS_SECRET_ACCESS_KEY", "BASESECRET")]);
    (S3RunLogStore::with_host(config, &env, host.clone()).unwrap(), host)
}

/// An AssumeRole answer whose credentials expire `secs` after the host's now.
fn sts_answer(host: &MemoryHost, key: &str, secs: u64) -> crate::Result<HttpResponse> {
    let expires = host.now() + Duration::from_secs(secs);
    let iso = crate::dates::format_iso8601(expires);
    let body = format!(
        "<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>{key}</AccessKeyId>\
         <SecretAccessKey>tmp-secret</SecretAccessKey><SessionToken>tmp-token</SessionToken>\
         <Expiration>{iso}</Expiration></Credentials></AssumeRoleResult></AssumeRoleResponse>"
    );
    answer(200, body.as_bytes())
}

fn credential_of(req: &HttpRequest) -> String {
    let auth = header(req, "authorization").unwrap();
    auth.split("Credential=").nth(1).unwrap().split('/').next().unwrap().to_string()
}

#[test]
fn role_arn_assumes_the_role_once_and_signs_s3_with_its_credentials() {
    run(async {
        let (s, host) = role_store();
        host.script(sts_answer(&host, "ASIAFIRST", 3600));
        s.create_run_log("r", NewRunLog::default()).await.unwrap();
        s.get_run_log_by_id("r", false).await.unwrap();
        let seen = host.requests();
        assert_eq!(seen.len(), 3, "one AssumeRole, then a PUT and a GET on its credentials");
        let sts = &seen[0];
        assert_eq!((sts.method, sts.url.as_str()), ("POST", "https://sts.eu-west-1.amazonaws.com/"));
        assert!(String::from_utf8_lossy(&sts.body).contains("DurationSeconds=1800"));
        assert_eq!(credential_of(sts), "BASEKEY", "the configured keys sign the STS call");
        assert!(header(sts, "authorization").unwrap().contains("/eu-west-1/sts/aws4_request"));
        for r in &seen[1..] {
            assert_eq!(credential_of(r), "ASIAFIRST");
            assert_eq!(header(r, "x-amz-security-token"), Some("tmp-token"));
        }
    })
}

#[test]
fn assumed_credentials_are_renewed_shortly_before_they_expire() {
    run(async {
        let (s, host) = role_store();
        host.script(sts_answer(&host, "ASIAOLD", 3600));
        s.create_run_log("r", NewRunLog::default()).await.unwrap();
        // 56 minutes later the session has 4 minutes left: inside the 5-minute margin.
        host.advance(Duration::from_secs(56 * 60));
        host.script(sts_answer(&host, "ASIANEW", 3600));
        s.get_run_log_by_id("r", false).await.unwrap();
        let seen = host.requests();
        assert_eq!(seen.len(), 4);
        assert_eq!(credential_of(&seen[1]), "ASIAOLD");
        assert_eq!(credential_of(&seen[3]), "ASIANEW");
    })
}

#[test]
fn a_refused_assume_role_is_a_credentials_error_without_secrets() {
    run(async {
        let (s, host) = role_store();
        let refusal = b"<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code>\
            <Message>User is not authorized (you sent secret BASESECRET)</Message></Error></ErrorResponse>";
        host.script(answer(403, refusal));
        match s.get_run_log_by_id("r", false).await {
            Err(Error::Credentials { message, .. }) => {
                assert!(message.contains("AccessDenied") && message.contains("role/runs"), "{message}");
                assert!(!message.contains("BASESECRET"), "{message}");
            }
            other => panic!("{other:?}"),
        }
    })
}

#[test]
fn upstream_messages_are_scrubbed_of_the_secret_and_signatures() {
    run(async {
        let (s, host) = store();
        let echo = format!(
            "<Error><Code>SignatureDoesNotMatch</Code><Message>we got secret SECRETKEY and Signature={}</Message></Error>",
            "f".repeat(64)
        );
        host.script(answer(403, echo.as_bytes()));
        let text = s.get_run_log_by_id("r", false).await.unwrap_err().to_string();
        assert!(!text.contains("SECRETKEY") && !text.contains(&"f".repeat(64)), "{text}");
    })
}

#[test]
fn chunk_names_increase_strictly_on_a_frozen_clock() {
    run(async {
        let (s, _) = chunked();
        let a = s.unique_time_ns(1);
        let b = s.unique_time_ns(3);
        let c = s.unique_time_ns(1);
        assert_eq!(a, 1_767_225_600_000_000_000, "the fake clock's now, in ns");
        assert_eq!((b, c), (a + 1, a + 4));
    })
}

#[test]
fn chunked_writes_need_their_parent_as_the_single_layout_does() {
    run(async {
        for (s, _) in [chunked(), store()] {
            s.create_run_log("r", NewRunLog::default()).await.unwrap();
            let orphan = s.create_step_log("c", "a.b.c").unwrap();
            assert!(matches!(s.add_step_log(&orphan, "r").await, Err(Error::BranchLogNotFound { .. })));
            let branch = s.create_branch_log("a.b").unwrap();
            assert!(matches!(s.add_branch_log(&branch, "r").await, Err(Error::StepLogNotFound { .. })));
            s.add_step_log(&s.create_step_log("a", "a").unwrap(), "r").await.unwrap();
            s.add_branch_log(&branch, "r").await.unwrap();
            s.add_step_log(&orphan, "r").await.unwrap();
            let log = s.get_run_log_by_id("r", true).await.unwrap();
            assert_eq!(log.steps["a"].branches["a.b"].steps["a.b.c"].name, "c");
        }
    })
}

#[test]
fn a_listing_that_never_ends_is_cut_off() {
    run(async {
        let (s, host) =
            store_with(json!({"s3_bucket": "b", "endpoint_url": "http://127.0.0.1:1", "max_list_pages": 5}));
        for i in 0..5 {
            let page = format!(
                "<ListBucketResult><IsTruncated>true</IsTruncated><NextContinuationToken>t{i}</NextContinuationToken></ListBucketResult>"
            );
            host.script(answer(200, page.as_bytes()));
        }
        match s.list_run_logs(&ListOptions::default()).await {
            Err(Error::S3 { code, .. }) => assert_eq!(code, "ListingTooLong"),
            other => panic!("{other:?}"),
        }
        assert_eq!(host.requests().len(), 5);
    })
}

#[test]
fn listings_page_through_the_model() {
    run(async {
        let (s, host) = store();
        host.set_page_size(3);
        for i in 0..10 {
            s.create_run_log(&format!("run-{i:02}"), NewRunLog::default()).await.unwrap();
        }
        let all = s.list_run_logs(&ListOptions::default()).await.unwrap();
        assert_eq!(all.len(), 10);
        let page = s.list_run_logs(&ListOptions { limit: Some(4), start_after: Some("run-03".into()) }).await.unwrap();
        assert_eq!(
            page.iter().map(|r| r.run_id.as_str()).collect::<Vec<_>>(),
            ["run-04", "run-05", "run-06", "run-07"]
        );
    })
}

#[test]
fn last_writer_wins_only_when_asked() {
    run(async {
        let (s, host) = store_with(
            json!({"s3_bucket": "b", "endpoint_url": "http://127.0.0.1:1", "unsafe_last_writer_wins": true, "run_index": false}),
        );
        s.create_run_log("r", NewRunLog::default()).await.unwrap();
        s.update_run_log_status("r", "SUCCESS").await.unwrap();
        let put = host.requests().into_iter().rfind(|r| r.method == "PUT").unwrap();
        assert_eq!(put.header("if-match"), None);
    })
}

/// The run index on the in-memory S3 with a fake clock (`index.rs` has the scheme's own tests;
/// `tests/run_index.rs` runs these paths and 32 racing writers against SeaweedFS).
mod index_tests {
    use super::*;
    use crate::index::RunQuery;

    fn indexed() -> (S3RunLogStore<MemoryHost>, MemoryHost) {
        store_with(json!({"s3_bucket": "b", "endpoint_url": "http://127.0.0.1:1", "prefix": "runs"}))
    }

    fn entry_keys(host: &MemoryHost) -> Vec<String> {
        host.keys().into_iter().filter(|k| k.contains("/.magnus-index/")).collect()
    }

    fn ids(page: &crate::index::RunPage) -> Vec<&str> {
        page.runs.iter().map(|r| r.entry.run_id.as_str()).collect()
    }

    /// Seven runs a minute apart: r0 oldest; statuses and tags as given.
    fn seven(s: &S3RunLogStore<MemoryHost>, host: &MemoryHost) {
        run(async {
            for (i, (status, tag)) in [
                ("SUCCESS", "nightly"),
                ("FAIL", "nightly"),
                ("SUCCESS", "adhoc"),
                ("FAIL", "adhoc"),
                ("PROCESSING", "nightly"),
                ("FAIL", "nightly"),
                ("SUCCESS", ""),
            ]
            .into_iter()
            .enumerate()
            {
                host.advance(Duration::from_secs(60));
                let new = NewRunLog { tag: Some(tag.into()), ..NewRunLog::default() };
                s.create_run_log(&format!("r{i}"), new).await.unwrap();
                s.update_run_log_status(&format!("r{i}"), status).await.unwrap();
            }
        })
    }

    #[test]
    fn create_status_and_final_state_leave_one_entry_with_the_run_level_metadata() {
        run(async {
            let (s, host) = indexed();
            s.create_run_log("r", NewRunLog { tag: Some("nightly".into()), ..NewRunLog::default() }).await.unwrap();
            let keys = entry_keys(&host);
            assert_eq!(keys.len(), 1, "{keys:?}");
            assert!(keys[0].starts_with("b/runs/.magnus-index/v1/status=CREATED/"), "{keys:?}");
            s.update_run_log_status("r", "PROCESSING").await.unwrap();
            s.set_parameters("r", &json!({"x": 1.0}).as_object().unwrap().clone()).await.unwrap(); // not run-level
            s.update_run_log_status("r", "SUCCESS").await.unwrap();
            let keys = entry_keys(&host);
            assert_eq!(keys.len(), 1, "{keys:?}");
            assert!(keys[0].contains("/status=SUCCESS/") && keys[0].ends_with("~0000000003~nightly.json"), "{keys:?}");
            let page = s.list_runs(&RunQuery { details: true, ..RunQuery::default() }).await.unwrap();
            assert_eq!(ids(&page), ["r"]);
            let summary = page.runs[0].summary.as_ref().unwrap();
            assert_eq!(summary.get("steps_total"), Some(&json!(0)));
            assert_eq!(summary.get("layout"), Some(&json!("single")));
            let req = host.requests();
            let put = req.iter().rev().find(|r| r.method == "PUT" && r.url.ends_with("/runs/r.json")).unwrap();
            assert_eq!(put.header("x-amz-meta-magnus-status"), Some("SUCCESS"));
            assert_eq!(put.header("x-amz-meta-magnus-seq"), Some("3"));
            assert!(put.header("x-amz-meta-magnus-created").is_some_and(|c| c.ends_with('Z')));
        })
    }

    #[test]
    fn newest_first_with_filters_that_stack_counts_and_a_cursor() {
        let (s, host) = indexed();
        seven(&s, &host);
        run(async {
            let all = s.list_runs(&RunQuery::default()).await.unwrap();
            assert_eq!(ids(&all), ["r6", "r5", "r4", "r3", "r2", "r1", "r0"]);
            assert_eq!(all.cursor, None);
            let fails = s.list_runs(&RunQuery { statuses: vec!["FAIL".into()], ..RunQuery::default() }).await.unwrap();
            assert_eq!(ids(&fails), ["r5", "r3", "r1"]);
            let q = RunQuery {
                statuses: vec!["FAIL".into(), "SUCCESS".into()],
                tag: Some("nightly".into()),
                ..RunQuery::default()
            };
            assert_eq!(ids(&s.list_runs(&q).await.unwrap()), ["r5", "r1", "r0"]);
            let created = |i: usize| all.runs[6 - i].entry.created_ms;
            let window = RunQuery { since_ms: Some(created(2)), until_ms: Some(created(4)), ..RunQuery::default() };
            assert_eq!(ids(&s.list_runs(&window).await.unwrap()), ["r4", "r3", "r2"]);
            let prefix = RunQuery { run_id_prefix: Some("r1".into()), ..RunQuery::default() };
            assert_eq!(ids(&s.list_runs(&prefix).await.unwrap()), ["r1"]);
            // Pages of 2: every run once, in order, and no cursor on the last page.
            let (mut seen, mut cursor) = (vec![], None);
            loop {
                let page = s
                    .list_runs(&RunQuery { limit: Some(2), cursor: cursor.clone(), ..RunQuery::default() })
                    .await
                    .unwrap();
                seen.extend(ids(&page).into_iter().map(String::from));
                cursor = page.cursor;
                if cursor.is_none() {
                    break;
                }
            }
            assert_eq!(seen, ["r6", "r5", "r4", "r3", "r2", "r1", "r0"]);
            let counts = s.count_runs(Some(created(1)), None).await.unwrap();
            assert_eq!(counts, [("FAIL".into(), 3), ("PROCESSING".into(), 1), ("SUCCESS".into(), 2)]);
            let bad = s.list_runs(&RunQuery { cursor: Some("nope".into()), ..RunQuery::default() }).await;
            assert!(matches!(bad, Err(Error::InvalidArgument { .. })), "{bad:?}");
        })
    }

    #[test]
    fn a_stale_duplicate_is_listed_once_as_the_newest_and_reindex_removes_it() {
        let (s, host) = indexed();
        run(async {
            s.create_run_log("r", NewRunLog::default()).await.unwrap();
            s.update_run_log_status("r", "SUCCESS").await.unwrap();
            // What a writer that died mid-way leaves: an older entry in another status.
            let current = entry_keys(&host).pop().unwrap();
            let stale =
                current.replace("/status=SUCCESS/", "/status=PROCESSING/").replace("~0000000002~", "~0000000001~");
            host.put_object(&stale, b"{}");
            let page = s.list_runs(&RunQuery::default()).await.unwrap();
            assert_eq!(page.runs.len(), 1);
            assert_eq!(page.runs[0].entry.status, "SUCCESS");
            assert_eq!(s.count_runs(None, None).await.unwrap(), [("SUCCESS".into(), 1)]);
            let report = s.reindex(4, &mut |_, _| {}).await.unwrap();
            assert_eq!((report.runs, report.written, report.deleted), (1, 0, 1));
            assert_eq!(entry_keys(&host), std::slice::from_ref(&current));
            // An entry whose seq runs ahead of the run log (metadata lost to a rewrite by another
            // tool): readers prefer it, so reindex removes it too.
            let ahead = current.replace("/status=SUCCESS/", "/status=FAIL/").replace("~0000000002~", "~0000000009~");
            host.put_object(&ahead, b"{}");
            assert_eq!(s.list_runs(&RunQuery::default()).await.unwrap().runs[0].entry.status, "FAIL");
            assert_eq!(s.reindex(4, &mut |_, _| {}).await.unwrap().deleted, 1);
            assert_eq!(entry_keys(&host), [current]);
        })
    }

    #[test]
    fn reindex_builds_entries_for_runs_magnus_wrote_in_both_layouts() {
        let (s, host) = indexed();
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/fixtures/magnus-0.5.1/parallel-branch-fails.json");
        let fixture = std::fs::read(path).expect("the shared fixtures are there");
        let log = RunLog::from_json_bytes(&fixture).unwrap();
        host.put_object(&format!("b/runs/{}.json", log.run_id), &fixture);
        run(async {
            let config = json!({"s3_bucket": "b", "endpoint_url": "http://127.0.0.1:1", "prefix": "runs",
                "layout": "chunked", "run_index": false});
            let keys = env(&[("AWS_ACCESS_KEY_ID", "AK"), ("AWS_SECRET_ACCESS_KEY", "SECRETKEY")]);
            let chunked = S3RunLogStore::with_host(Config::from_value(&config).unwrap(), &keys, host.clone()).unwrap();
            let mut other = log.clone();
            other.run_id = "chunked-run".into();
            chunked.put_run_log(&other).await.unwrap();
            assert!(entry_keys(&host).is_empty());
            let mut seen = vec![];
            let report = s.reindex(2, &mut |done, total| seen.push((done, total))).await.unwrap();
            assert_eq!((report.runs, report.written, report.deleted, report.unreadable), (2, 2, 0, 0));
            assert_eq!(seen.last(), Some(&(2, 2)));
            let page = s.list_runs(&RunQuery { details: true, ..RunQuery::default() }).await.unwrap();
            assert_eq!(page.runs.len(), 2);
            for r in &page.runs {
                assert_eq!(r.entry.status, log.status);
                let d = r.summary.as_ref().unwrap();
                assert_eq!(d.get("steps_failed").and_then(Value::as_u64).map(|n| n > 0), Some(true), "{d:?}");
                assert!(d.get("first_failed_step").is_some_and(|f| !f.is_null()), "{d:?}");
            }
            // A second reindex finds nothing to do.
            let again = s.reindex(2, &mut |_, _| {}).await.unwrap();
            assert_eq!((again.written, again.deleted), (0, 0));
        })
    }

    #[test]
    fn reindex_reads_every_page_of_runs_whatever_else_lies_under_the_prefix() {
        let (s, host) = indexed();
        let unindexed = store_with(json!({"s3_bucket": "b", "endpoint_url": "http://127.0.0.1:1", "prefix": "runs",
            "run_index": false}))
        .0;
        let unindexed = S3RunLogStore::with_host(
            unindexed.config().clone(),
            &env(&[("AWS_ACCESS_KEY_ID", "AK"), ("AWS_SECRET_ACCESS_KEY", "SECRETKEY")]),
            host.clone(),
        )
        .unwrap();
        run(async {
            for i in 0..1_010 {
                unindexed.create_run_log(&format!("r{i:04}"), NewRunLog::default()).await.unwrap();
            }
            host.put_object("b/runs/notes.txt", b"not a run");
            host.put_object("b/runs/r0500.txt", b"not a run either");
            s.create_run_log("indexed", NewRunLog::default()).await.unwrap(); // the index folder exists
            let report = s.reindex(16, &mut |_, _| {}).await.unwrap();
            assert_eq!((report.runs, report.written, report.deleted, report.failed), (1_011, 1_010, 0, 0));
            assert_eq!(s.count_runs(None, None).await.unwrap(), [("CREATED".into(), 1_011)]);
        })
    }

    #[test]
    fn the_index_folder_is_not_a_run_and_cannot_be_one() {
        let (s, host) = indexed();
        run(async {
            s.create_run_log("r", NewRunLog::default()).await.unwrap();
            let runs = s.list_run_logs(&ListOptions::default()).await.unwrap();
            assert_eq!(runs.iter().map(|r| r.run_id.as_str()).collect::<Vec<_>>(), ["r"]);
            let err = s.create_run_log(".magnus-index", NewRunLog::default()).await;
            assert!(matches!(err, Err(Error::InvalidArgument { .. })), "{err:?}");
            assert_eq!(entry_keys(&host).len(), 1);
        })
    }
}

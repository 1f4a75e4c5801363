//! Unit tests of the store with a scripted transport: retries, skew, conflicts, create.
use super::*;
use std::cell::RefCell;
use std::collections::VecDeque;

/// A transport that answers from a script and records what it was asked.
struct Scripted {
    answers: RefCell<VecDeque<Result<HttpResponse>>>,
    seen: RefCell<Vec<HttpRequest>>,
}

impl Transport for Scripted {
    async fn send(&self, req: &HttpRequest) -> Result<HttpResponse> {
        self.seen.borrow_mut().push(req.clone());
        let mut answer = self.answers.borrow_mut().pop_front().expect("script ran out");
        // "ECHO" stands for the create token of the first PUT seen (the store makes it up).
        if let Ok(resp) = &mut answer {
            for (k, v) in resp.headers.iter_mut() {
                if k == "x-amz-meta-create-token" && v == "ECHO" {
                    *v = self
                        .seen
                        .borrow()
                        .iter()
                        .find_map(|r| {
                            r.headers.iter().find(|(k, _)| k == "x-amz-meta-create-token").map(|(_, v)| v.clone())
                        })
                        .unwrap_or_default();
                }
            }
        }
        answer
    }
}

fn answer(status: u16, body: &[u8]) -> Result<HttpResponse> {
    Ok(HttpResponse { status, headers: vec![("etag".into(), "\"e1\"".into())], body: body.to_vec() })
}

fn store(answers: Vec<Result<HttpResponse>>) -> S3RunLogStore<Scripted> {
    let config =
        Config::from_value(&crate::value::json!({"s3_bucket": "b", "endpoint_url": "http://127.0.0.1:1"})).unwrap();
    let env: Env = [("AWS_ACCESS_KEY_ID", "AK"), ("AWS_SECRET_ACCESS_KEY", "SK")]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let t = Scripted { answers: RefCell::new(answers.into()), seen: RefCell::default() };
    S3RunLogStore::with_transport(config, &env, t).unwrap().with_write_policy(WritePolicy {
        base_delay: Duration::from_millis(1),
        max_delay: Duration::from_millis(2),
        ..Default::default()
    })
}

fn net() -> Result<HttpResponse> {
    Err(Error::Network { code: "connect".into(), message: "refused".into() })
}

#[tokio::test]
async fn transient_failures_are_retried_then_succeed() {
    let body = RunLog::new("r").to_json_bytes();
    let s = store(vec![answer(503, b"<Error><Code>SlowDown</Code></Error>"), net(), answer(200, &body)]);
    assert_eq!(s.get_run_log_by_id("r", false).await.unwrap().run_id, "r");
    let seen = s.transport().seen.borrow();
    assert_eq!(seen.len(), 3);
    assert!(seen.iter().all(|r| r.headers.iter().any(|(k, _)| k == "authorization")), "every try is signed");
}

#[tokio::test]
async fn retries_are_bounded_and_the_last_answer_is_typed() {
    let s = store(vec![
        answer(500, b""),
        answer(502, b""),
        answer(503, b"<Error><Code>SlowDown</Code><RequestId>R</RequestId></Error>"),
    ]);
    match s.get_run_log_by_id("r", false).await {
        Err(Error::S3 { status: 503, code, request_id, .. }) => {
            assert_eq!((code.as_str(), request_id.as_deref()), ("SlowDown", Some("R")))
        }
        other => panic!("{other:?}"),
    }
    let s = store(vec![net(), net(), net()]);
    assert!(matches!(s.get_run_log_by_id("r", false).await, Err(Error::Network { .. })));
}

#[tokio::test]
async fn a_skewed_clock_is_corrected_from_the_server_date() {
    let skewed = HttpResponse {
        status: 403,
        headers: vec![("date".into(), "Sun, 06 Nov 2044 08:49:37 GMT".into())],
        body: b"<Error><Code>RequestTimeTooSkewed</Code></Error>".to_vec(),
    };
    let body = RunLog::new("r").to_json_bytes();
    let s = store(vec![Ok(skewed), answer(200, &body), answer(200, &body)]);
    s.get_run_log_by_id("r", false).await.unwrap();
    s.get_run_log_by_id("r", false).await.unwrap();
    let seen = s.transport().seen.borrow();
    let date = |r: &HttpRequest| r.headers.iter().find(|(k, _)| k == "x-amz-date").unwrap().1.clone();
    assert!(!date(&seen[0]).starts_with("2044"));
    assert!(date(&seen[1]).starts_with("20441106T0849"), "re-signed with the server's time: {}", date(&seen[1]));
    assert!(date(&seen[2]).starts_with("20441106T08"), "and the offset is kept");
}

#[tokio::test]
async fn a_write_that_keeps_losing_races_ends_in_conflict_error_and_overwrites_nothing() {
    let body = RunLog::new("r").to_json_bytes();
    let mut script = Vec::new();
    for _ in 0..4 {
        script.push(answer(200, &body)); // GET with ETag
        script.push(answer(412, b"")); // PUT If-Match lost
    }
    let s = store(script).with_write_policy(WritePolicy {
        max_attempts: 4,
        base_delay: Duration::from_millis(1),
        max_delay: Duration::from_millis(2),
        ..Default::default()
    });
    match s.update_run_log_status("r", "SUCCESS").await {
        Err(Error::Conflict { key, attempts }) => assert_eq!((key.as_str(), attempts), ("r.json", 4)),
        other => panic!("{other:?}"),
    }
    let seen = s.transport().seen.borrow();
    assert_eq!(seen.len(), 8);
    assert!(seen
        .iter()
        .filter(|r| r.method == "PUT")
        .all(|r| r.headers.iter().any(|(k, v)| k == "if-match" && v == "\"e1\"")));
}

#[tokio::test]
async fn client_errors_are_not_retried() {
    let s = store(vec![answer(403, b"<Error><Code>AccessDenied</Code></Error>")]);
    assert!(matches!(s.get_run_log_by_id("r", false).await, Err(Error::S3 { status: 403, .. })));
    assert_eq!(s.transport().seen.borrow().len(), 1);
}

#[tokio::test]
async fn a_retried_create_that_landed_is_not_reported_as_existing() {
    let mut ours = RunLog::new("r");
    ours.dag_hash = Some(String::new());
    ours.status = status::CREATED.into();
    // first try landed but its answer was lost; the retry meets 412 and finds our own token
    let mine = HttpResponse {
        status: 200,
        headers: vec![("x-amz-meta-create-token".into(), "ECHO".into())],
        body: ours.to_json_bytes(),
    };
    let s = store(vec![net(), answer(412, b""), Ok(mine)]);
    assert_eq!(s.create_run_log("r", NewRunLog::default()).await.unwrap(), ours);
    // the same document created earlier by anyone (even this store): RunLogExists
    let theirs = HttpResponse {
        status: 200,
        headers: vec![("x-amz-meta-create-token".into(), "someone-else".into())],
        body: ours.to_json_bytes(),
    };
    let s = store(vec![answer(412, b""), Ok(theirs)]);
    assert!(matches!(s.create_run_log("r", NewRunLog::default()).await, Err(Error::RunLogExists { .. })));
}

fn role_store(answers: Vec<Result<HttpResponse>>) -> S3RunLogStore<Scripted> {
    let config = Config::from_value(&crate::value::json!({
        "s3_bucket": "b", "endpoint_url": "http://127.0.0.1:1", "region": "eu-west-1",
        "role_arn": "arn:aws:iam::123456789012:role/runs", "session_duration_in_seconds": 1800
    }))
    .unwrap();
    let env: Env = [("AWS_ACCESS_KEY_ID", "BASEKEY"), ("AWS_SECRET_ACCESS_KEY", "SK")]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let t = Scripted { answers: RefCell::new(answers.into()), seen: RefCell::default() };
    S3RunLogStore::with_transport(config, &env, t).unwrap()
}

/// An AssumeRole answer whose credentials expire `secs` from now.
fn sts_answer(key: &str, secs: u64) -> Result<HttpResponse> {
    let expires = transport::now() + Duration::from_secs(secs);
    let secs_since_epoch = expires.duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    let iso = aws_smithy_types::DateTime::from_secs(secs_since_epoch)
        .fmt(aws_smithy_types::date_time::Format::DateTime)
        .unwrap();
    let body = format!(
        "<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>{key}</AccessKeyId>\
         <SecretAccessKey>tmp-secret</SecretAccessKey><SessionToken>tmp-token</SessionToken>\
         <Expiration>{iso}</Expiration></Credentials></AssumeRoleResult></AssumeRoleResponse>"
    );
    answer(200, body.as_bytes())
}

fn credential_of(req: &HttpRequest) -> String {
    let auth = &req.headers.iter().find(|(k, _)| k == "authorization").unwrap().1;
    auth.split("Credential=").nth(1).unwrap().split('/').next().unwrap().to_string()
}

#[tokio::test]
async fn role_arn_assumes_the_role_once_and_signs_s3_with_its_credentials() {
    let body = RunLog::new("r").to_json_bytes();
    let s = role_store(vec![sts_answer("ASIAFIRST", 3600), answer(200, &body), answer(200, &body)]);
    s.get_run_log_by_id("r", false).await.unwrap();
    s.get_run_log_by_id("r", false).await.unwrap();
    let seen = s.transport().seen.borrow();
    assert_eq!(seen.len(), 3, "one AssumeRole, then two GETs on its credentials");
    let sts = &seen[0];
    assert_eq!((sts.method, sts.url.as_str()), ("POST", "https://sts.eu-west-1.amazonaws.com/"));
    assert!(String::from_utf8_lossy(&sts.body).contains("DurationSeconds=1800"));
    assert_eq!(credential_of(sts), "BASEKEY", "the configured keys sign the STS call");
    assert!(sts.headers.iter().any(|(k, v)| k == "authorization" && v.contains("/eu-west-1/sts/aws4_request")));
    for get in &seen[1..] {
        assert_eq!(credential_of(get), "ASIAFIRST");
        assert!(get.headers.iter().any(|(k, v)| k == "x-amz-security-token" && v == "tmp-token"));
    }
}

#[tokio::test]
async fn assumed_credentials_are_renewed_shortly_before_they_expire() {
    let body = RunLog::new("r").to_json_bytes();
    // The first session has 60 s left: inside the 5-minute margin, so the next call renews it.
    let s = role_store(vec![
        sts_answer("ASIAOLD", 60),
        answer(200, &body),
        sts_answer("ASIANEW", 3600),
        answer(200, &body),
    ]);
    s.get_run_log_by_id("r", false).await.unwrap();
    s.get_run_log_by_id("r", false).await.unwrap();
    let seen = s.transport().seen.borrow();
    assert_eq!(seen.len(), 4);
    assert_eq!(credential_of(&seen[1]), "ASIAOLD");
    assert_eq!(credential_of(&seen[3]), "ASIANEW");
}

#[tokio::test]
async fn a_refused_assume_role_is_a_credentials_error() {
    let refusal = b"<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code>\
        <Message>User is not authorized to perform: sts:AssumeRole</Message></Error></ErrorResponse>";
    let s = role_store(vec![answer(403, refusal)]);
    match s.get_run_log_by_id("r", false).await {
        Err(Error::Credentials { message, .. }) => {
            assert!(
                message.contains("AccessDenied") && message.contains("arn:aws:iam::123456789012:role/runs"),
                "{message}"
            );
            assert!(!message.contains("SK"), "{message}");
        }
        other => panic!("{other:?}"),
    }
}

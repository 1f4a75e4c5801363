//! The run index against the real S3 server (SeaweedFS): entries through create, status changes
//! and the final state in both layouts; a stale duplicate listed once and removed by reindex; 32
//! writers changing the statuses of a few runs at once, ending with exactly one entry per run
//! that matches its run log; reindex of runs magnus wrote (single and chunked objects, no
//! entries); the filters, counts and cursor paging.
#![cfg(not(target_arch = "wasm32"))] // native: tokio, raw signed requests

mod common;

use futures_util::future::join_all;
use magnus_s3::{NewRunLog, RunQuery, S3RunLogStore};
use serde_json::json;

fn store(prefix: &str, layout: &str) -> S3RunLogStore {
    S3RunLogStore::new(common::config(prefix, json!({ "layout": layout })), &common::env()).unwrap()
}

async fn put_raw(key: &str, body: &[u8]) {
    assert_eq!(common::signed("PUT", &common::key_url(key), body).await.0, 200, "{key}");
}

/// Every index entry key under `prefix`, from a raw listing (not through the store's reader).
async fn entry_keys(prefix: &str) -> Vec<String> {
    let base = common::key_url("");
    let url = format!(
        "{base}?list-type=2&max-keys=1000&prefix={}",
        magnus_s3::config::encode_query_value(&format!("{prefix}/.magnus-index/"))
    );
    let (status, body) = common::signed("GET", &url, b"").await;
    assert_eq!(status, 200);
    let page = magnus_s3::s3::parse_list(&body).unwrap();
    page.objects.into_iter().map(|o| o.key).collect()
}

fn ids(page: &magnus_s3::RunPage) -> Vec<String> {
    page.runs.iter().map(|r| r.entry.run_id.clone()).collect()
}

#[tokio::test]
async fn entries_follow_create_status_and_final_state_in_both_layouts() {
    for layout in ["single", "chunked"] {
        let prefix = common::unique_prefix(&format!("index-life-{layout}"));
        let s = store(&prefix, layout);
        s.create_run_log(
            "run-1",
            NewRunLog { tag: Some("nightly".into()), dag_hash: Some("abc".into()), ..Default::default() },
        )
        .await
        .unwrap();
        let keys = entry_keys(&prefix).await;
        assert_eq!(keys.len(), 1, "{layout}: {keys:?}");
        assert!(keys[0].contains("/status=CREATED/"), "{layout}: {keys:?}");
        s.update_run_log_status("run-1", "PROCESSING").await.unwrap();
        let mut step = s.create_step_log("train", "train").unwrap();
        step.status = "FAIL".into();
        let mut attempt = s.create_attempt_log();
        attempt.status = "FAIL".into();
        attempt.message = "ValueError: boom".into();
        step.attempts.push(attempt);
        s.add_step_log(&step, "run-1").await.unwrap();
        s.update_run_log_status("run-1", "FAIL").await.unwrap();
        let keys = entry_keys(&prefix).await;
        assert_eq!(keys.len(), 1, "{layout}: {keys:?}");
        assert!(
            keys[0].contains("/status=FAIL/") && keys[0].ends_with("~0000000003~nightly.json"),
            "{layout}: {keys:?}"
        );

        let page = s.list_runs(&RunQuery { details: true, ..Default::default() }).await.unwrap();
        assert_eq!(ids(&page), ["run-1"], "{layout}");
        let run = &page.runs[0];
        assert_eq!((run.entry.status.as_str(), run.entry.tag.as_str()), ("FAIL", "nightly"));
        let d = run.summary.as_ref().unwrap();
        assert_eq!(d.get("dag_hash").and_then(|v| v.as_str()), Some("abc"));
        assert_eq!(d.get("layout").and_then(|v| v.as_str()), Some(layout));
        if layout == "single" {
            assert_eq!(d.get("steps_failed").and_then(|v| v.as_u64()), Some(1), "{d:?}");
            let failed = d.get("first_failed_step").unwrap();
            assert_eq!(failed.get("name").and_then(|v| v.as_str()), Some("train"));
            assert_eq!(failed.get("message").and_then(|v| v.as_str()), Some("ValueError: boom"));
        } else {
            // A chunked header holds no steps: counts come with reindex.
            assert!(d.get("steps_total").is_some_and(|v| v.is_null()), "{d:?}");
            s.reindex(4, &mut |_, _| {}).await.unwrap();
            let page = s.list_runs(&RunQuery { details: true, ..Default::default() }).await.unwrap();
            let d = page.runs[0].summary.as_ref().unwrap();
            assert_eq!(d.get("steps_failed").and_then(|v| v.as_u64()), Some(1), "{d:?}");
        }
        assert_eq!(s.count_runs(None, None).await.unwrap(), [("FAIL".to_string(), 1)]);
        // The run log object carries the run-level fields as metadata.
        let key = if layout == "single" { format!("{prefix}/run-1.json") } else { format!("{prefix}/run-1/RunLog") };
        let head = reqwest_head(&key).await;
        assert!(head.contains("x-amz-meta-magnus-status: FAIL"), "{head}");
        assert!(head.contains("x-amz-meta-magnus-tag: nightly"), "{head}");
    }
}

/// The headers of a HEAD of `key`, one `name: value` per line.
async fn reqwest_head(key: &str) -> String {
    use magnus_s3::signing::{sign_headers, RequestParts, SignOptions};
    let url = common::key_url(key);
    let creds =
        magnus_s3::Credentials::new(common::var("MAGNUS_TEST_S3_KEY"), common::var("MAGNUS_TEST_S3_SECRET"), None);
    let opts = SignOptions::new(&creds, "us-east-1", "s3", std::time::SystemTime::now());
    let signed = sign_headers(&RequestParts { method: "HEAD", url: &url, headers: &[], body: b"" }, &opts).unwrap();
    let mut req = reqwest::Client::new().head(&url);
    for (k, v) in signed {
        req = req.header(k, v);
    }
    let resp = req.send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 200, "HEAD {key}");
    resp.headers().iter().map(|(k, v)| format!("{k}: {}\n", v.to_str().unwrap_or(""))).collect()
}

/// 32 writers, each a store of its own (no shared cache), 8 per run, two status changes each.
async fn race(prefix: &str, layout: &str, status: fn(usize, usize) -> String) -> S3RunLogStore {
    let s = store(prefix, layout);
    let runs: Vec<String> = (0..4).map(|i| format!("race-{i}")).collect();
    for r in &runs {
        s.create_run_log(r, NewRunLog::default()).await.unwrap();
    }
    let results = join_all((0..32).map(|i| {
        let (prefix, run) = (prefix.to_string(), runs[i % 4].clone());
        async move {
            let w = store(&prefix, layout);
            w.update_run_log_status(&run, &status(i, 0)).await?;
            w.update_run_log_status(&run, &status(i, 1)).await
        }
    }))
    .await;
    for r in results {
        r.unwrap();
    }
    s
}

/// Each run once in a listing of every status, with its run log's status.
async fn listed_as_stored(s: &S3RunLogStore, layout: &str) {
    let page = s.list_runs(&RunQuery::default()).await.unwrap();
    assert_eq!(page.runs.len(), 4, "{layout}");
    for r in &page.runs {
        let log = s.get_run_log_by_id(&r.entry.run_id, false).await.unwrap();
        assert_eq!(r.entry.status, log.status, "{layout}: {}", r.entry.run_id);
    }
}

#[tokio::test]
async fn thirty_two_writers_changing_statuses_end_with_entries_that_match_the_run_logs() {
    for layout in ["single", "chunked"] {
        let prefix = common::unique_prefix(&format!("index-race-{layout}"));
        let s = race(&prefix, layout, |i, k| format!("W{i:02}-{k}")).await;
        let keys = entry_keys(&prefix).await;
        assert_eq!(keys.len(), 4, "{layout}: one entry per run, nothing stale: {keys:#?}");
        listed_as_stored(&s, layout).await;
        for r in s.list_runs(&RunQuery::default()).await.unwrap().runs {
            assert_eq!(r.entry.seq, 1 + 16, "{layout}: create + 16 status changes, each counted once");
        }
    }
}

#[tokio::test]
async fn statuses_flipping_back_and_forth_are_listed_right_and_reindex_leaves_one_entry_per_run() {
    // Few statuses, so a document returns to bytes it had before (see store/index.rs on ETags).
    for layout in ["single", "chunked"] {
        let prefix = common::unique_prefix(&format!("index-flip-{layout}"));
        let s = race(&prefix, layout, |i, k| format!("S{}", (i + k) % 3)).await;
        listed_as_stored(&s, layout).await;
        s.reindex(8, &mut |_, _| {}).await.unwrap();
        let keys = entry_keys(&prefix).await;
        assert_eq!(keys.len(), 4, "{layout}: one entry per run after reindex: {keys:#?}");
        listed_as_stored(&s, layout).await;
    }
}

#[tokio::test]
async fn reindex_indexes_runs_magnus_wrote_in_both_layouts_and_repairs_stale_entries() {
    let prefix = common::unique_prefix("index-reindex");
    let fixtures = common::shared().join("fixtures/magnus-0.4.22-s3");
    let single = fixtures.join("s3/objects/fixtures/runs");
    let mut ids_written = vec![];
    for e in std::fs::read_dir(&single).unwrap() {
        let p = e.unwrap().path();
        let name = p.file_name().unwrap().to_string_lossy().to_string();
        put_raw(&format!("{prefix}/{name}"), &std::fs::read(&p).unwrap()).await;
        ids_written.push(name.trim_end_matches(".json").to_string());
    }
    let chunked = fixtures.join("s3/../chunked-s3/objects/chunked/chunked-s3-parallel");
    for e in std::fs::read_dir(&chunked).unwrap() {
        let p = e.unwrap().path();
        put_raw(
            &format!("{prefix}/chunked-s3-parallel/{}", p.file_name().unwrap().to_string_lossy()),
            &std::fs::read(&p).unwrap(),
        )
        .await;
    }
    ids_written.push("chunked-s3-parallel".into());
    let s = store(&prefix, "single");
    assert!(entry_keys(&prefix).await.is_empty());
    assert!(s.list_runs(&RunQuery::default()).await.unwrap().runs.is_empty());

    let mut progress = vec![];
    let report = s.reindex(3, &mut |done, total| progress.push((done, total))).await.unwrap();
    let n = ids_written.len() as u64;
    assert_eq!((report.runs, report.written, report.deleted, report.unreadable), (n, n, 0, 0));
    assert_eq!(progress.last(), Some(&(n, n)));
    let page = s.list_runs(&RunQuery { limit: Some(100), details: true, ..Default::default() }).await.unwrap();
    let mut listed = ids(&page);
    listed.sort();
    ids_written.sort();
    assert_eq!(listed, ids_written);
    for r in &page.runs {
        let log = s.get_run_log_by_id(&r.entry.run_id, false).await;
        let status = match log {
            Ok(log) => log.status,
            Err(_) => {
                let chunked = store(&prefix, "chunked");
                chunked.get_run_log_by_id(&r.entry.run_id, false).await.unwrap().status
            }
        };
        assert_eq!(r.entry.status, status, "{}", r.entry.run_id);
        let d = r.summary.as_ref().unwrap();
        assert!(d.get("steps_total").and_then(|v| v.as_u64()).is_some_and(|n| n > 0), "{d:?}");
    }
    // magnus changes a run behind the index's back: reindex moves its entry.
    let id = "s3-linear-success";
    let mut log = s.get_run_log_by_id(id, false).await.unwrap();
    log.status = "FAIL".into();
    put_raw(&format!("{prefix}/{id}.json"), &log.to_json_bytes()).await;
    let before = entry_keys(&prefix).await.len();
    let report = s.reindex(3, &mut |_, _| {}).await.unwrap();
    assert_eq!((report.written, report.deleted), (1, 1));
    assert_eq!(entry_keys(&prefix).await.len(), before);
    let fails = s.list_runs(&RunQuery { statuses: vec!["FAIL".into()], ..Default::default() }).await.unwrap();
    assert!(ids(&fails).contains(&id.to_string()));
}

#[tokio::test]
async fn filters_counts_and_cursor_paging() {
    let prefix = common::unique_prefix("index-query");
    let s = store(&prefix, "single");
    let plan = [
        ("SUCCESS", "nightly"),
        ("FAIL", "nightly"),
        ("SUCCESS", "adhoc"),
        ("FAIL", "adhoc"),
        ("PROCESSING", "nightly"),
        ("FAIL", "nightly"),
        ("SUCCESS", ""),
        ("FAIL", "nightly"),
        ("SUCCESS", "nightly"),
        ("FAIL", ""),
        ("SUCCESS", "adhoc"),
        ("FAIL", "nightly"),
    ];
    for (i, (status, tag)) in plan.iter().enumerate() {
        let id = format!("q{i:02}");
        s.create_run_log(&id, NewRunLog { tag: Some(tag.to_string()), ..Default::default() }).await.unwrap();
        s.update_run_log_status(&id, status).await.unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(3)).await; // distinct creation times
    }
    let newest_first: Vec<String> = (0..plan.len()).rev().map(|i| format!("q{i:02}")).collect();
    let all = s.list_runs(&RunQuery { limit: Some(100), ..Default::default() }).await.unwrap();
    assert_eq!(ids(&all), newest_first);
    assert_eq!(all.cursor, None);

    let expect = |f: &dyn Fn(&str, &str) -> bool| -> Vec<String> {
        (0..plan.len()).rev().filter(|&i| f(plan[i].0, plan[i].1)).map(|i| format!("q{i:02}")).collect()
    };
    let fails = s.list_runs(&RunQuery { statuses: vec!["FAIL".into()], ..Default::default() }).await.unwrap();
    assert_eq!(ids(&fails), expect(&|st, _| st == "FAIL"));
    let q = RunQuery {
        statuses: vec!["FAIL".into(), "PROCESSING".into()],
        tag: Some("nightly".into()),
        ..Default::default()
    };
    assert_eq!(ids(&s.list_runs(&q).await.unwrap()), expect(&|st, t| st != "SUCCESS" && t == "nightly"));
    let created = |id: &str| all.runs.iter().find(|r| r.entry.run_id == id).unwrap().entry.created_ms;
    let window = RunQuery { since_ms: Some(created("q03")), until_ms: Some(created("q08")), ..Default::default() };
    assert_eq!(ids(&s.list_runs(&window).await.unwrap()), ["q08", "q07", "q06", "q05", "q04", "q03"]);
    let prefixed = RunQuery { run_id_prefix: Some("q1".into()), ..Default::default() };
    assert_eq!(ids(&s.list_runs(&prefixed).await.unwrap()), ["q11", "q10"]);

    // Pages of 5 with a filter: every matching run once, in order; no cursor on the last page.
    let (mut seen, mut cursor, mut pages) = (vec![], None, 0);
    loop {
        let q = RunQuery { limit: Some(2), tag: Some("nightly".into()), cursor: cursor.clone(), ..Default::default() };
        let page = s.list_runs(&q).await.unwrap();
        pages += 1;
        seen.extend(ids(&page));
        cursor = page.cursor;
        if cursor.is_none() {
            break;
        }
    }
    let nightly = expect(&|_, t| t == "nightly");
    assert_eq!(seen, nightly);
    assert_eq!(pages, nightly.len().div_ceil(2));

    let counts = s.count_runs(Some(created("q04")), None).await.unwrap();
    let count = |st: &str| (4..plan.len()).filter(|&i| plan[i].0 == st).count() as u64;
    let want: Vec<(String, u64)> =
        ["FAIL", "PROCESSING", "SUCCESS"].iter().map(|st| (st.to_string(), count(st))).collect();
    assert_eq!(counts, want);
}

//! The whole Rust store API against a real S3 server that verifies SigV4 (SeaweedFS), started by
//! the test tooling: create/read/update, nested steps and branches, listing, presigning, typed
//! errors (wrong secret, access denied, unknown key, missing bucket, bad documents), keys with
//! spaces and non-ASCII, and fixture bytes stored and read back exactly.
#![cfg(not(target_arch = "wasm32"))] // native: reads files, uses tokio; tests/wasm.rs covers wasm32

mod common;

use magnus_s3::host::counting::Counting;
use magnus_s3::host::native::NativeHost;
use magnus_s3::model::status;
use magnus_s3::{Error, ListOptions, NewRunLog, RunLog, S3RunLogStore};
use serde_json::json;

/// An object from JSON text (key order as written).
fn map(text: &str) -> magnus_s3::model::Map {
    magnus_s3::Value::parse(text).unwrap().as_object().unwrap().clone()
}

async fn put_raw(url: &str, body: &[u8]) -> u16 {
    common::signed("PUT", url, body).await.0
}

fn object_url(store: &S3RunLogStore, run_id: &str) -> String {
    common::key_url(&store.config().run_key(run_id).unwrap())
}

#[tokio::test]
async fn create_get_and_exists() {
    let store = common::store("create");
    let created = store
        .create_run_log(
            "run-1",
            NewRunLog { dag_hash: Some("abc".into()), tag: Some("t".into()), ..Default::default() },
        )
        .await
        .unwrap();
    assert_eq!(created.status, status::CREATED);
    let read = store.get_run_log_by_id("run-1", false).await.unwrap();
    assert_eq!(read, created);
    assert_eq!(read.dag_hash.as_deref(), Some("abc"));
    match store.create_run_log("run-1", NewRunLog::default()).await {
        Err(Error::RunLogExists { run_id }) => assert_eq!(run_id, "run-1"),
        other => panic!("{other:?}"),
    }
    // the very same document again (a second executor with identical arguments): still taken
    store.create_run_log("run-2", NewRunLog::default()).await.unwrap();
    assert!(matches!(store.create_run_log("run-2", NewRunLog::default()).await, Err(Error::RunLogExists { .. })));
    match store.get_run_log_by_id("nope", false).await {
        Err(Error::RunLogNotFound { run_id }) => assert_eq!(run_id, "nope"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn whole_api_builds_a_nested_run() {
    let store = common::store("api");
    let id = "pipeline run";
    store
        .create_run_log(id, NewRunLog { status: Some(status::PROCESSING.into()), ..Default::default() })
        .await
        .unwrap();
    store.set_parameters(id, &map(r#"{"x": 1, "greeting": "hi"}"#)).await.unwrap();
    store.set_parameters(id, &map(r#"{"new": [1.0, 2.5e-7], "x": 2}"#)).await.unwrap();
    assert_eq!(
        magnus_s3::pyjson::to_compact_string(&store.get_parameters(id).await.unwrap()),
        r#"{"x":2,"greeting":"hi","new":[1.0,2.5e-07]}"#,
        "stored in Python form"
    );
    store.set_run_config(id, &map(r#"{"executor": {"type": "local"}}"#)).await.unwrap();
    store.set_run_config(id, &map(r#"{"tag": "x"}"#)).await.unwrap();
    assert_eq!(store.get_run_config(id).await.unwrap().len(), 2);

    let mut fan = store.create_step_log("fan", "fan").unwrap();
    fan.step_type = "parallel".into();
    store.add_step_log(&fan, id).await.unwrap();
    store.add_branch_log(&store.create_branch_log("fan.a").unwrap(), id).await.unwrap();
    let mut task = store.create_step_log("task", "fan.a.task").unwrap();
    let mut attempt = store.create_attempt_log();
    attempt.attempt_number = 1;
    attempt.status = status::SUCCESS.into();
    attempt.parameters = map(r#"{"x": 2}"#);
    task.attempts.push(attempt);
    task.code_identities.push(store.create_code_identity());
    let mut cat = store.create_data_catalog("data/out.csv");
    cat.stage = "put".into();
    task.data_catalog.push(cat);
    task.status = status::SUCCESS.into();
    store.add_step_log(&task, id).await.unwrap();

    let got = store.get_step_log("fan.a.task", id).await.unwrap();
    assert_eq!(got, task);
    assert_eq!(store.get_branch_log("fan.a", id).await.unwrap().steps.len(), 1);
    match store.get_step_log("fan.b.task", id).await {
        Err(Error::StepLogNotFound { missing, run_id, .. }) => {
            assert_eq!((missing.as_str(), run_id.as_str()), ("fan.b", id))
        }
        other => panic!("{other:?}"),
    }
    match store.add_step_log(&store.create_step_log("x", "ghost.b.x").unwrap(), id).await {
        Err(Error::BranchLogNotFound { missing, .. }) => assert_eq!(missing, "ghost"),
        other => panic!("{other:?}"),
    }
    assert!(matches!(store.get_branch_log("fan", id).await, Err(Error::InvalidArgument { .. })));
    store.update_run_log_status(id, status::SUCCESS).await.unwrap();

    let log = store.get_run_log_by_id(id, true).await.unwrap();
    assert_eq!(log.status, status::SUCCESS);
    assert_eq!(log.steps["fan"].branches["fan.a"].steps["fan.a.task"].attempts[0].parameters["x"], 2);
    // the stored bytes are magnus's format of that document, stored as JSON
    assert_eq!(store.get_run_log_bytes(id).await.unwrap(), log.to_json_bytes());
    let head = reqwest::Client::new().head(object_url(&store, id)).send().await.unwrap();
    assert_eq!(head.status().as_u16(), 403, "anonymous HEAD is refused: the server checks signatures");
    let url = store.presign_get_run_log(id, Some(60)).await.unwrap();
    let resp = reqwest::get(&url).await.unwrap();
    assert_eq!(resp.headers()["content-type"], "application/json");
}

#[tokio::test]
async fn keys_with_spaces_and_non_ascii() {
    let store = common::store("keys ü");
    for id in ["a b", "ü-ñ-🚀", "x+y=z&w~", "100%"] {
        store.create_run_log(id, NewRunLog::default()).await.unwrap();
        assert_eq!(store.get_run_log_by_id(id, false).await.unwrap().run_id, id);
        store.update_run_log_status(id, "SUCCESS").await.unwrap();
    }
    let listed = store.list_run_logs(&ListOptions::default()).await.unwrap();
    let mut ids: Vec<_> = listed.iter().map(|s| s.run_id.as_str()).collect();
    ids.sort();
    assert_eq!(ids, ["100%", "a b", "x+y=z&w~", "ü-ñ-🚀"]);
}

#[tokio::test]
async fn list_paginates_in_key_order() {
    let store = common::store("list");
    let ids: Vec<String> = (0..7).map(|i| format!("run-{i:02}")).collect();
    for id in &ids {
        store.create_run_log(id, NewRunLog::default()).await.unwrap();
    }
    let mut seen = Vec::new();
    let mut after = None;
    for _ in 0..10 {
        let page = store.list_run_logs(&ListOptions { limit: Some(3), start_after: after.clone() }).await.unwrap();
        if page.is_empty() {
            break;
        }
        assert!(page.len() <= 3);
        assert!(page.iter().all(|s| s.size.unwrap() > 100 && s.last_modified.is_some()));
        after = Some(page.last().unwrap().run_id.clone());
        seen.extend(page.into_iter().map(|s| s.run_id));
    }
    assert_eq!(seen, ids);
}

#[tokio::test]
async fn presigned_url_is_fetchable_without_credentials() {
    let store = common::store("presign");
    store.create_run_log("r", NewRunLog::default()).await.unwrap();
    let url = store.presign_get_run_log("r", Some(60)).await.unwrap();
    let resp = reqwest::get(&url).await.unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let body = resp.bytes().await.unwrap();
    assert_eq!(RunLog::from_json_bytes(&body).unwrap().run_id, "r");
    let tampered = url.replace("X-Amz-Expires=60", "X-Amz-Expires=61");
    assert_eq!(reqwest::get(&tampered).await.unwrap().status().as_u16(), 403);
}

#[tokio::test]
async fn wrong_secret_is_a_typed_403_without_the_secret() {
    let prefix = common::unique_prefix("wrong");
    let mut env = common::env();
    env.insert("AWS_SECRET_ACCESS_KEY".into(), "not-the-secret-xyz".into());
    let store = S3RunLogStore::new(common::config(&prefix, json!({})), &env).unwrap();
    let err = store.create_run_log("r", NewRunLog::default()).await.unwrap_err();
    match &err {
        Error::S3 { status: 403, code, .. } => assert_eq!(code, "SignatureDoesNotMatch"),
        other => panic!("{other:?}"),
    }
    assert!(!format!("{err} {err:?}").contains("not-the-secret-xyz"));
    assert!(matches!(store.get_run_log_by_id("r", false).await, Err(Error::S3 { status: 403, .. })));

    env.insert("AWS_ACCESS_KEY_ID".into(), "AKIANOBODY".into());
    let store = S3RunLogStore::new(common::config(&prefix, json!({})), &env).unwrap();
    match store.get_run_log_by_id("r", false).await {
        Err(Error::S3 { status: 403, code, .. }) => assert_eq!(code, "InvalidAccessKeyId"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn read_only_identity_gets_access_denied_on_write() {
    let admin = common::store("readonly");
    admin.create_run_log("r", NewRunLog::default()).await.unwrap();
    let mut env = magnus_s3::Env::new();
    env.insert("RO_KEY".into(), common::var("MAGNUS_TEST_S3_READONLY_KEY"));
    env.insert("RO_SECRET".into(), common::var("MAGNUS_TEST_S3_READONLY_SECRET"));
    let cfg = common::config(
        &admin.config().prefix,
        json!({"use_credentials": true, "aws_access_key_name": "RO_KEY", "aws_secret_access_key_name": "RO_SECRET"}),
    );
    let ro = S3RunLogStore::new(cfg, &env).unwrap();
    assert_eq!(ro.get_run_log_by_id("r", false).await.unwrap().run_id, "r");
    match ro.update_run_log_status("r", "SUCCESS").await {
        Err(Error::S3 { status: 403, code, .. }) => assert_eq!(code, "AccessDenied"),
        other => panic!("{other:?}"),
    }
    assert_eq!(admin.get_run_log_by_id("r", false).await.unwrap().status, status::CREATED);
}

#[tokio::test]
async fn credentials_from_a_named_profile_in_the_credentials_file() {
    let dir = std::env::temp_dir().join(common::unique_prefix("profile").replace('/', "-"));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("credentials");
    std::fs::write(
        &file,
        format!(
            "[default]\naws_access_key_id = AKIANOBODY\naws_secret_access_key = x\n\n[magnus-fixtures]\naws_access_key_id = {}\naws_secret_access_key = {}\n",
            common::var("MAGNUS_TEST_S3_KEY"),
            common::var("MAGNUS_TEST_S3_SECRET")
        ),
    )
    .unwrap();
    let prefix = common::unique_prefix("profile");
    let cfg = common::config(
        &prefix,
        json!({"aws_profile": "magnus-fixtures", "aws_credentials_file": file.to_str().unwrap()}),
    );
    let store = S3RunLogStore::new(cfg, &magnus_s3::Env::new()).unwrap();
    store.create_run_log("p", NewRunLog::default()).await.unwrap();
    assert_eq!(store.get_run_log_by_id("p", false).await.unwrap().run_id, "p");
    // the [default] profile of the same file is used when no profile is named and no AWS_* variables exist
    let cfg = common::config(&prefix, json!({"aws_credentials_file": file.to_str().unwrap()}));
    let default = S3RunLogStore::new(cfg, &magnus_s3::Env::new()).unwrap();
    assert!(
        matches!(default.get_run_log_by_id("p", false).await, Err(Error::S3 { status: 403, .. })),
        "AKIANOBODY is refused"
    );
    let cfg = common::config(&prefix, json!({"aws_profile": "absent", "aws_credentials_file": file.to_str().unwrap()}));
    assert!(matches!(S3RunLogStore::new(cfg, &magnus_s3::Env::new()), Err(Error::Credentials { .. })));
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn a_clock_an_hour_off_is_corrected_from_the_server() {
    // The index's own requests would blur the count; the skew is the store's, index or not.
    let cfg = common::config(&common::unique_prefix("skew"), json!({"run_index": false}));
    let store = S3RunLogStore::with_host(cfg, &common::env(), Counting::new(NativeHost::new()))
        .unwrap()
        .with_clock_offset_ms(-3_600_000);
    store.create_run_log("r", NewRunLog::default()).await.unwrap();
    // The server refused the first PUT (RequestTimeTooSkewed), the store re-signed it once.
    assert_eq!(store.host().counts().requests(), 2, "the server must have refused the skewed signature");
    store.update_run_log_status("r", "SUCCESS").await.unwrap();
    assert_eq!(store.get_run_log_by_id("r", false).await.unwrap().status, "SUCCESS");
}

#[tokio::test]
async fn missing_bucket_is_not_run_log_not_found() {
    let mut cfg = common::config("x", json!({}));
    cfg.s3_bucket = "no-such-bucket-magnus".into();
    let store = S3RunLogStore::new(cfg, &common::env()).unwrap();
    match store.get_run_log_by_id("r", false).await {
        Err(Error::S3 { status, code, .. }) => {
            assert!(status == 404 && code == "NoSuchBucket", "{status} {code}")
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn unreachable_endpoint_is_a_network_error() {
    let mut env = common::env();
    env.insert("AWS_ENDPOINT_URL_S3".into(), "http://127.0.0.1:9".into());
    let cfg = magnus_s3::Config::from_value(&common::to_value(json!({"s3_bucket": "b"}))).unwrap();
    let store = S3RunLogStore::new(cfg, &env).unwrap();
    match store.get_run_log_by_id("r", false).await {
        Err(Error::Network { code, .. }) => assert_eq!(code, "connect"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn bad_documents_are_invalid_not_missing_and_never_overwritten() {
    let store = common::store("bad");
    for (id, body, path) in [
        ("garbage", &b"not json"[..], "$"),
        ("shape", &br#"{"run_id": "shape", "steps": {"a": {"name": "a", "internal_name": "a", "attempts": [{"attempt_number": "x"}]}}}"#[..], "$.steps.a.attempts[0].attempt_number"),
    ] {
        assert_eq!(put_raw(&object_url(&store, id), body).await, 200);
        match store.get_run_log_by_id(id, false).await {
            Err(Error::InvalidRunLog { path: p, .. }) => assert_eq!(p, path),
            other => panic!("{other:?}"),
        }
        assert!(matches!(store.update_run_log_status(id, "SUCCESS").await, Err(Error::InvalidRunLog { .. })));
        assert!(matches!(store.create_run_log(id, NewRunLog::default()).await, Err(Error::RunLogExists { .. })));
        assert_eq!(store.get_run_log_bytes(id).await.unwrap(), body, "the unreadable object is left as it was");
    }
}

#[tokio::test]
async fn bad_run_ids_are_rejected_before_any_request() {
    let cfg = common::config(&common::unique_prefix("ids"), json!({}));
    let store = S3RunLogStore::with_host(cfg, &common::env(), Counting::new(NativeHost::new())).unwrap();
    for bad in ["", "a/b", "..", "x\ny"] {
        assert!(matches!(store.get_run_log_by_id(bad, false).await, Err(Error::InvalidArgument { .. })), "{bad:?}");
        assert!(matches!(store.create_run_log(bad, NewRunLog::default()).await, Err(Error::InvalidArgument { .. })));
        assert!(matches!(store.get_step_log("s", bad).await, Err(Error::InvalidArgument { .. })));
    }
    assert_eq!(store.host().counts().requests(), 0, "refused before any request");
}

#[tokio::test]
async fn fixture_bytes_are_stored_and_read_back_exactly() {
    let store = common::store("fixtures");
    let files = common::fixture_run_logs();
    let mut n = 0;
    for f in files
        .iter()
        .filter(|f| f.extension().is_some_and(|e| e == "json") && !f.to_string_lossy().contains("/chunked-fs/"))
    {
        let bytes = std::fs::read(f).unwrap();
        let parsed = RunLog::from_json_bytes(&bytes).unwrap();
        let id = format!("fx-{n}");
        // written as magnus wrote it, read through the store
        assert_eq!(put_raw(&object_url(&store, &id), &bytes).await, 200);
        let read = store.get_run_log_by_id(&id, false).await.unwrap();
        assert_eq!(read, parsed, "{}", f.display());
        // written through the store, byte-identical to magnus's file
        let mut renamed = parsed.clone();
        renamed.run_id = format!("{id}-ours");
        store.put_run_log(&parsed).await.unwrap();
        assert_eq!(store.get_run_log_bytes(&parsed.run_id).await.unwrap(), bytes, "{}", f.display());
        n += 1;
    }
    assert!(n >= 40, "only {n} run logs");
}

/// A server that accepts connections and never answers: each try costs `request_timeout_seconds`,
/// and the store ends with a typed timeout after its three tries (reqwest's timeout natively).
#[tokio::test]
async fn a_server_that_never_answers_times_out_per_request() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let accepted = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let count = accepted.clone();
    let server = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            count.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            held.push(socket); // keep it open, say nothing
        }
    });
    let config = common::config(
        &common::unique_prefix("hang"),
        json!({"endpoint_url": format!("http://{addr}"), "request_timeout_seconds": 1}),
    );
    let store = S3RunLogStore::new(config, &common::env()).unwrap();
    match store.get_run_log_by_id("r", false).await {
        Err(Error::Network { code, .. }) => assert_eq!(code, "timeout"),
        other => panic!("expected a timeout, got {other:?}"),
    }
    assert_eq!(accepted.load(std::sync::atomic::Ordering::SeqCst), 3, "three tries, one connection each");
    server.abort();
}

//! wasm32-only paths, run by wasm-bindgen-test in Node with feature `fetch`: the `FetchHost` that
//! Rust programs compiled to wasm32 use (the clock: `SystemTime::now()` panics on wasm32;
//! `setTimeout`-based sleep; real signed round trips through the host's `fetch` against the
//! local S3 server, whose address comes from `process.env`, set by scripts/test.sh), and the
//! engine-backed float formatting.
#![cfg(all(target_arch = "wasm32", feature = "fetch"))]

use magnus_s3::host::fetch::FetchHost;
use magnus_s3::host::Host;
use magnus_s3::model::status;
use magnus_s3::{Config, Env, Error, NewRunLog, S3RunLogStore};
use serde_json::json;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::wasm_bindgen_test;

fn process_env(name: &str) -> String {
    let process = js_sys::Reflect::get(&js_sys::global(), &JsValue::from_str("process")).unwrap();
    let env = js_sys::Reflect::get(&process, &JsValue::from_str("env")).unwrap();
    js_sys::Reflect::get(&env, &JsValue::from_str(name))
        .unwrap()
        .as_string()
        .unwrap_or_else(|| panic!("{name} is not set: run scripts/test.sh"))
}

fn store(secret: &str) -> S3RunLogStore<FetchHost> {
    let prefix = format!("wasm/{}", js_sys::Date::now() as u64);
    let cfg = Config::from_value(
        &serde::Deserialize::deserialize(json!({"s3_bucket": process_env("MAGNUS_TEST_S3_BUCKET"), "prefix": prefix,
        "endpoint_url": process_env("MAGNUS_TEST_S3_ENDPOINT"), "region": "us-east-1"}))
        .unwrap(),
    )
    .unwrap();
    let mut env = Env::new();
    env.insert("AWS_ACCESS_KEY_ID".into(), process_env("MAGNUS_TEST_S3_KEY"));
    env.insert("AWS_SECRET_ACCESS_KEY".into(), secret.into());
    S3RunLogStore::with_host(cfg, &env, FetchHost).unwrap()
}

#[wasm_bindgen_test]
fn clock_reads_the_host_date() {
    let now = FetchHost.now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    assert!(now > 1_750_000_000, "{now}");
}

#[wasm_bindgen_test]
async fn sleep_uses_set_timeout() {
    let before = js_sys::Date::now();
    FetchHost.sleep(std::time::Duration::from_millis(30)).await;
    assert!(js_sys::Date::now() - before >= 25.0);
}

#[wasm_bindgen_test]
async fn signed_round_trip_through_fetch() {
    let store = store(&process_env("MAGNUS_TEST_S3_SECRET"));
    store.create_run_log("w", NewRunLog::default()).await.unwrap();
    store.update_run_log_status("w", status::SUCCESS).await.unwrap();
    assert_eq!(store.get_run_log_by_id("w", false).await.unwrap().status, status::SUCCESS);
    assert!(matches!(store.create_run_log("w", NewRunLog::default()).await, Err(Error::RunLogExists { .. })));
    assert!(matches!(store.get_run_log_by_id("nope", false).await, Err(Error::RunLogNotFound { .. })));
}

#[wasm_bindgen_test]
async fn wrong_secret_is_a_typed_403() {
    match store("wrong-secret").get_run_log_by_id("w", false).await {
        Err(Error::S3 { status: 403, code, .. }) => assert_eq!(code, "SignatureDoesNotMatch"),
        other => panic!("{other:?}"),
    }
}

#[wasm_bindgen_test]
fn python_float_repr_uses_the_engines_shortest_digits() {
    use magnus_s3::pyjson::python_float_repr;
    for (v, want) in [
        (2.5, "2.5"),
        (0.95, "0.95"),
        (1e-7, "1e-07"),
        (1e16, "1e+16"),
        (1e15, "1000000000000000.0"),
        (0.0001, "0.0001"),
        (1.2345678901234568e17, "1.2345678901234568e+17"),
        (5e-324, "5e-324"),
        (-0.0, "-0.0"),
        (0.1 + 0.2, "0.30000000000000004"),
        (100.0, "100.0"),
    ] {
        assert_eq!(python_float_repr(v), want);
    }
    let doc = magnus_s3::pyjson::parse(br#"{"a": [2.5, 1E5, 1.50, 12345678901234567890123, -0]}"#).unwrap();
    let text = String::from_utf8(magnus_s3::pyjson::to_vec(&doc)).unwrap();
    assert_eq!(text, "{\n    \"a\": [\n        2.5,\n        100000.0,\n        1.5,\n        12345678901234567890123,\n        0\n    ]\n}");
}

//! Real magnus (0.4.22 + magnus-extensions 0.2.13, `.venv-magnus`) writes a run with parameters,
//! a parallel step holding a map, and metrics to the local S3 server through its own S3 store; our
//! Rust API reads it and gets exactly what magnus's `get_run_log_by_id` returns.
#![cfg(not(target_arch = "wasm32"))] // native: runs magnus as a subprocess

mod common;

use magnus_s3::{names, S3RunLogStore};
use serde_json::json;
use std::process::Command;

#[tokio::test]
async fn magnus_writes_the_rust_api_reads_the_same_document() {
    let repo = env!("CARGO_MANIFEST_DIR");
    let prefix = common::unique_prefix("interop-rust");
    let run_id = format!("magnus-rust-{}", std::process::id());
    let status =
        Command::new(format!("{repo}/tests/interop/run_magnus.sh")).args([&run_id, "s3", &prefix]).status().unwrap();
    assert!(status.success(), "magnus run failed (see .work/interop/{run_id}/magnus.log)");

    let block = json!({"type": "s3", "config": {"s3_bucket": common::var("MAGNUS_TEST_S3_BUCKET"), "prefix": prefix,
        "region": "us-east-1", "use_credentials": true, "aws_access_key_name": "INTEROP_KEY", "aws_secret_access_key_name": "INTEROP_SECRET"}});
    let dump = Command::new(format!("{repo}/.venv-magnus/bin/python"))
        .args([&format!("{repo}/tests/interop/magnus_tool.py"), "dump", &block.to_string(), &run_id])
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        .env("AWS_ENDPOINT_URL_S3", common::var("MAGNUS_TEST_S3_ENDPOINT"))
        .env("INTEROP_KEY", common::var("MAGNUS_TEST_S3_KEY"))
        .env("INTEROP_SECRET", common::var("MAGNUS_TEST_S3_SECRET"))
        .output()
        .unwrap();
    assert!(dump.status.success(), "{}", String::from_utf8_lossy(&dump.stderr));
    let magnus_view = magnus_s3::pyjson::parse(&dump.stdout).unwrap();

    let mut env = magnus_s3::Env::new();
    env.insert("INTEROP_KEY".into(), common::var("MAGNUS_TEST_S3_KEY"));
    env.insert("INTEROP_SECRET".into(), common::var("MAGNUS_TEST_S3_SECRET"));
    env.insert("AWS_ENDPOINT_URL_S3".into(), common::var("MAGNUS_TEST_S3_ENDPOINT"));
    let store = S3RunLogStore::new(magnus_s3::Config::from_value(&common::to_value(block)).unwrap(), &env).unwrap();
    let ours = store.get_run_log_by_id(&run_id, true).await.unwrap();

    // same values and the same key order: the compact texts are equal
    let ours_view = magnus_s3::pyjson::parse(&ours.to_json_bytes()).unwrap();
    assert_eq!(ours_view.to_compact_string(), magnus_view.to_compact_string());
    assert_eq!(ours.status, "SUCCESS");
    assert_eq!(ours.tag.as_deref(), Some("interop"));
    let process = names::step(&ours, "fan.left.inner_map.gamma.process").unwrap();
    assert_eq!(process.attempts[0].parameters["processed_beta"], 4, "inputs seen by the third map item");
    let metrics = names::step(&ours, "fan.right.metrics").unwrap();
    assert_eq!(metrics.user_defined_metrics["accuracy"].as_number().unwrap().as_str(), "0.95");
    assert_eq!(ours.parameters["processed_gamma"], 5);
    // and the stored bytes are what we write for that document
    assert_eq!(store.get_run_log_bytes(&run_id).await.unwrap(), ours.to_json_bytes());
}

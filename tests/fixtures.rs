//! Every run log magnus wrote (../shared/fixtures) parses into our model and re-serializes
//! to exactly its original bytes: file-system files, S3 objects, PUT-sequence bodies, chunks.
#![cfg(not(target_arch = "wasm32"))] // native: reads files, uses tokio; tests/wasm.rs covers wasm32

mod common;

use magnus_s3::model::{BranchLog, RunLog, StepLog};
use magnus_s3::pyjson;
use std::path::Path;

/// Parses a fixture with the model type its name says, then writes it back.
fn round_trip(path: &Path) -> Vec<u8> {
    let bytes = std::fs::read(path).unwrap();
    let name = path.file_name().unwrap().to_string_lossy();
    let stem = name.trim_end_matches(".json");
    if stem == "RunLog"
        || name.ends_with(".json")
            && !stem.starts_with("StepLog-")
            && !stem.starts_with("BranchLog-")
            && !stem.starts_with("Parameter-")
    {
        RunLog::from_json_bytes(&bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display())).to_json_bytes()
    } else if stem.starts_with("StepLog-") {
        let s =
            StepLog::from_value(pyjson::parse(&bytes).unwrap()).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        pyjson::to_vec(&s)
    } else if stem.starts_with("BranchLog-") {
        let b =
            BranchLog::from_value(pyjson::parse(&bytes).unwrap()).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        pyjson::to_vec(&b)
    } else {
        assert!(stem.starts_with("Parameter-"), "unexpected fixture {}", path.display());
        pyjson::to_vec(&pyjson::parse(&bytes).unwrap())
    }
}

#[test]
fn every_fixture_round_trips_byte_for_byte() {
    let files = common::fixture_run_logs();
    assert!(files.len() >= 100, "expected the whole fixture set, found {}", files.len());
    let mut failures = Vec::new();
    for f in &files {
        let original = std::fs::read(f).unwrap();
        if round_trip(f) != original {
            failures.push(f.display().to_string());
        }
    }
    assert!(failures.is_empty(), "{} of {} differ: {failures:#?}", failures.len(), files.len());
    eprintln!("{} fixture files round-tripped byte-for-byte", files.len());
}

#[test]
fn fixture_meaning_is_read_field_by_field() {
    let root = common::shared().join("fixtures/magnus-0.5.1");
    let log = RunLog::from_json_bytes(&std::fs::read(root.join("deep-nesting.json")).unwrap()).unwrap();
    let step = magnus_s3::names::step(&log, "outer_parallel.left.inner_map.beta.process").unwrap();
    assert_eq!(step.name, "process");
    assert_eq!(step.attempts.len(), 1);
    assert_eq!(step.attempts[0].attempt_number, 1);
    let branch = magnus_s3::names::branch(&log, "outer_parallel.right.inner_dag.dag").unwrap();
    assert!(branch.steps.contains_key("outer_parallel.right.inner_dag.dag.inner_one"));

    let unicode = RunLog::from_json_bytes(&std::fs::read(root.join("unicode-params.json")).unwrap()).unwrap();
    let text = serde_json::to_string(&unicode.parameters).unwrap();
    assert!(text.chars().any(|c| (c as u32) > 0xFFFF), "surrogate pairs decode to astral chars: {text}");

    let linear = RunLog::from_json_bytes(&std::fs::read(root.join("linear-success.json")).unwrap()).unwrap();
    assert_eq!(linear.status, "SUCCESS");
    assert_eq!(linear.dag_hash.as_deref(), Some("2200fc30a86d7bb9b597615221f6b6e863947989"));
    let keys: Vec<_> = linear.steps.keys().map(String::as_str).collect();
    assert_eq!(&keys[..2], ["step one", "step_two"]);
}

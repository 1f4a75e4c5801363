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

/// Our reader (hand-written, for size) and serde_json's agree on every fixture.
#[test]
fn reader_agrees_with_serde_json_on_every_fixture() {
    for f in common::fixture_run_logs() {
        let bytes = std::fs::read(&f).unwrap();
        let theirs: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        let ours: serde_json::Value =
            serde_json::from_str(&pyjson::parse(&bytes).unwrap().to_compact_string()).unwrap();
        assert_eq!(ours, theirs, "{}", f.display());
    }
}

/// Differential fuzzing of the reader: thousands of byte-level mutations of the fixtures (bytes
/// dropped, doubled, replaced by JSON-significant ones) must be accepted or refused exactly as
/// serde_json does, and give the same value when accepted. Python extensions (`NaN`,
/// `Infinity`) and nesting depth are where the two differ by design; the mutations avoid both.
#[test]
fn reader_matches_serde_json_on_mutated_fixtures() {
    let mut seed = 0x2545_f491_4f6c_dd1d_u64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    const SIGNIFICANT: &[u8] = b"{}[],:\"\\ 0123456789-+.eEtrufalsn/\\u\n\t\x01\xc3\xa9";
    let (mut accepted, mut refused) = (0, 0);
    for f in common::fixture_run_logs() {
        let original = std::fs::read(&f).unwrap();
        if original.len() > 200_000 {
            continue;
        }
        for _ in 0..60 {
            let mut b = original.clone();
            for _ in 0..1 + next() % 3 {
                let at = (next() as usize) % b.len();
                match next() % 3 {
                    0 => {
                        b.remove(at);
                    }
                    1 => b.insert(at, b[at]),
                    _ => b[at] = SIGNIFICANT[(next() as usize) % SIGNIFICANT.len()],
                }
            }
            let Ok(text) = std::str::from_utf8(&b) else { continue };
            // Unpaired surrogates are refused here as serde_json refuses them (stored documents
            // keep them, as Python does).
            let ours = pyjson::parse_with(text, pyjson::Surrogates::Refuse);
            let theirs = serde_json::from_str::<serde_json::Value>(text);
            match (&ours, &theirs) {
                (Ok(a), Ok(b)) => {
                    let a: serde_json::Value = serde_json::from_str(&a.to_compact_string()).unwrap();
                    assert_eq!(&a, b, "{}: {text}", f.display());
                    accepted += 1;
                }
                (Err(_), Err(_)) => refused += 1,
                _ => {
                    panic!("{}: ours {:?}, serde_json {:?}\n{text}", f.display(), ours.map(|_| ()), theirs.map(|_| ()))
                }
            }
        }
    }
    assert!(accepted > 100 && refused > 1000, "accepted {accepted}, refused {refused}");
    eprintln!("{accepted} mutated documents accepted and {refused} refused, as serde_json does");
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
    let text = pyjson::to_compact_string(&unicode.parameters);
    assert!(text.chars().any(|c| (c as u32) > 0xFFFF), "surrogate pairs decode to astral chars: {text}");

    let linear = RunLog::from_json_bytes(&std::fs::read(root.join("linear-success.json")).unwrap()).unwrap();
    assert_eq!(linear.status, "SUCCESS");
    assert_eq!(linear.dag_hash.as_deref(), Some("2200fc30a86d7bb9b597615221f6b6e863947989"));
    let keys: Vec<_> = linear.steps.keys().map(String::as_str).collect();
    assert_eq!(&keys[..2], ["step one", "step_two"]);
}

/// magnus-extensions' own chunked-s3 run (objects `RunLog`, `Parameter-*`, `StepLog-*-<ns>`,
/// `BranchLog-*-<ns>`) assembles to the document magnus's `get_run_log_by_id(full=True)` builds:
/// every field comes from its chunk, steps and branches nested by name and ordered by time.
#[test]
fn magnus_chunked_s3_run_assembles() {
    use magnus_s3::layout::chunked::{assemble, parse_name, Chunk, Parts};
    let dir = common::shared().join("fixtures/magnus-0.4.22-s3/chunked-s3/objects/chunked/chunked-s3-parallel");
    let mut parts = Parts::default();
    let mut chunks = std::collections::HashMap::new();
    for e in std::fs::read_dir(&dir).unwrap() {
        let p = e.unwrap().path();
        let name = p.file_name().unwrap().to_string_lossy().to_string();
        let value = pyjson::parse(&std::fs::read(&p).unwrap()).unwrap();
        chunks.insert(name.clone(), value.clone());
        match parse_name(&name).unwrap_or_else(|| panic!("unexpected chunk {name}")) {
            Chunk::RunLog => parts.header = Some(RunLog::from_value(value).unwrap()),
            Chunk::Parameter(_) => parts.parameters.push(value.as_object().unwrap().clone()),
            Chunk::StepLog(_, t) => parts.steps.push((t, StepLog::from_value(value).unwrap())),
            Chunk::BranchLog(_, t) => parts.branches.push((t, BranchLog::from_value(value).unwrap())),
        }
    }
    parts.parameters.sort_by(|a, b| a.keys().next().cmp(&b.keys().next())); // S3 lists keys in order
    let log = assemble("chunked-s3-parallel", parts).unwrap();

    assert_eq!(log.run_id, "chunked-s3-parallel");
    assert_eq!(chunks["RunLog"]["status"], log.status);
    assert_eq!(log.run_config, *chunks["RunLog"]["run_config"].as_object().unwrap());
    assert_eq!(log.steps.keys().collect::<Vec<_>>(), ["prepare", "fan", "after", "success"]);
    let fan = &log.steps["fan"];
    assert_eq!(fan.branches.keys().collect::<Vec<_>>(), ["fan.branch_a", "fan.branch_b"]);
    assert_eq!(
        fan.branches["fan.branch_a"].steps.keys().collect::<Vec<_>>(),
        ["fan.branch_a.task_a", "fan.branch_a.success"]
    );
    assert_eq!(
        fan.branches["fan.branch_b"].steps.keys().collect::<Vec<_>>(),
        ["fan.branch_b.task_b", "fan.branch_b.task_b2", "fan.branch_b.success"]
    );
    // each step and branch is exactly its chunk (plus its children)
    for (name, chunk) in &chunks {
        if name.starts_with("StepLog-") {
            let step = magnus_s3::names::step(&log, chunk["internal_name"].as_str().unwrap()).unwrap();
            let mut own = pyjson::parse(&pyjson::to_vec(step)).unwrap();
            own.as_object_mut().unwrap().insert("branches".into(), magnus_s3::Value::Object(magnus_s3::Map::new()));
            assert_eq!(&own, chunk, "{name}");
        } else if name.starts_with("BranchLog-") {
            let b = magnus_s3::names::branch(&log, chunk["internal_name"].as_str().unwrap()).unwrap();
            assert_eq!(chunk["status"], b.status, "{name}");
        } else if let Some(key) = name.strip_prefix("Parameter-") {
            assert_eq!(log.parameters[key], chunk[key], "{name}");
        }
    }
    assert_eq!(log.parameters.len(), chunks.keys().filter(|k| k.starts_with("Parameter-")).count());
}

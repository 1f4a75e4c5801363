//! The fast paths against the general ones. Wherever `verbatim::check` takes a stored text as it
//! is, `JSON.parse` of that text must be exactly what the general path hands to JS (the model's
//! compact text), and its skeleton the general path's; wherever `verbatim::transcode` takes a
//! text, its bytes must be exactly magnus's bytes as the general path writes them. Every magnus
//! fixture must take both fast paths; thousands of mutations of them (numbers JS would rewrite,
//! keys moved, dropped or doubled, escapes, bytes) must either agree or be left to the general
//! path.
#![cfg(not(target_arch = "wasm32"))] // native: reads the fixture files
mod common;

use magnus_s3::{pyjson, reconcile, verbatim, RunLog, Value};

/// What the general path hands to JS for `text`, and its skeleton; `None` if it refuses it.
fn general(text: &[u8]) -> Option<(Value, Option<Value>)> {
    let value = pyjson::parse(text).ok()?;
    let skeleton = reconcile::skeleton(&value);
    let log = RunLog::from_value(value).ok()?;
    Some((pyjson::parse_str(&pyjson::to_compact_string(&log)).unwrap(), skeleton))
}

/// Checks one text with both fast paths; whether each took it.
fn agree(text: &[u8], what: &str) -> (bool, bool) {
    (read_agrees(text, what), write_agrees(text, what))
}

fn write_agrees(text: &[u8], what: &str) -> bool {
    let Some((header, bytes)) = verbatim::transcode(text) else { return false };
    let log = RunLog::from_json_bytes(text)
        .unwrap_or_else(|e| panic!("{what}: transcoded what the general path refuses: {e}"));
    // The header: the run-level fields the general path reads, nothing below them.
    let mut want = RunLog::new(log.run_id.clone());
    (want.dag_hash, want.tag, want.original_run_id, want.status) =
        (log.dag_hash.clone(), log.tag.clone(), log.original_run_id.clone(), log.status.clone());
    assert_eq!(header, want, "{what}");
    assert!(bytes == log.to_json_bytes(), "{what}: bytes differ:\n{}", String::from_utf8_lossy(&bytes));
    true
}

fn read_agrees(text: &[u8], what: &str) -> bool {
    let Some(fix) = verbatim::check(text) else { return false };
    let (js, skeleton) = general(text).unwrap_or_else(|| panic!("{what}: fast path took what the general one refuses"));
    // Number texts and key order included: stricter than JS's own equality.
    let ours = pyjson::parse_str(std::str::from_utf8(text).unwrap()).unwrap();
    assert_eq!(ours, js, "{what}: JSON.parse of the text differs from the general path");
    let fix = fix.map(|f| pyjson::parse_str(&f).unwrap());
    assert_eq!(fix, skeleton, "{what}: skeletons differ");
    true
}

#[test]
fn every_magnus_fixture_takes_the_fast_path() {
    let mut n = 0;
    for f in common::fixture_run_logs().iter().filter(|f| f.to_string_lossy().contains("/magnus-")) {
        let text = std::fs::read(f).unwrap();
        if RunLog::from_json_bytes(&text).is_err() {
            continue; // chunk objects, not run logs
        }
        assert_eq!(agree(&text, &f.display().to_string()), (true, true), "{}", f.display());
        // As JS hands it over: compact, UTF-8, JS's numbers.
        let compact = pyjson::to_compact_string(&RunLog::from_json_bytes(&text).unwrap());
        assert!(write_agrees(compact.as_bytes(), &f.display().to_string()), "{} compact", f.display());
        n += 1;
    }
    assert!(n >= 15, "{n} fixtures");
}

#[test]
fn mutations_agree_or_take_the_general_path() {
    let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    // Edits that keep a document valid but change what JS sees, and byte edits that break it.
    const SWAPS: &[(&str, &str)] = &[
        ("1", "1.0"),
        ("0", "-0.0"),
        ("1", "1e+16"),
        ("1", "12345678901234567890"),
        ("\"", "\"\\u00e9"),
        ("\"", "\"\\ud83d\\ude00"),
        ("\"", "\"\\ud800"),
        ("{", "{\"10\": 1, "),
        ("{", "{\"x\": 2, "),
        ("{", "{\"2\": [1.0], \"1\": {}, "),
        ("null", "NaN"),
        ("\"SUCCESS\"", "7"),
        ("[", "[0.5, "),
        (",", ", \"status\": \"FAIL\","),
        ("false", "null"),
        ("\"", "\"\\\\"),
    ];
    const BYTES: &[u8] = b"{}[],:\" 0123456789-.eE\\";
    let (mut fast, mut general_path, mut transcoded) = (0, 0, 0);
    for f in common::fixture_run_logs().iter().filter(|f| f.to_string_lossy().contains("/magnus-")) {
        let original = std::fs::read(f).unwrap();
        if original.len() > 200_000 || RunLog::from_json_bytes(&original).is_err() {
            continue;
        }
        let compact = pyjson::to_compact_string(&RunLog::from_json_bytes(&original).unwrap());
        let original = String::from_utf8(original).unwrap();
        for round in 0..400 {
            let mut text = if round % 2 == 0 { original.clone() } else { compact.clone() };
            for _ in 0..1 + next() % 3 {
                let (from, to) = SWAPS[(next() as usize) % SWAPS.len()];
                let hits: Vec<usize> = text.match_indices(from).map(|(i, _)| i).collect();
                if !hits.is_empty() {
                    let at = hits[(next() as usize) % hits.len()];
                    text.replace_range(at..at + from.len(), to);
                }
            }
            let mut bytes = text.into_bytes();
            if round % 4 == 0 {
                let at = (next() as usize) % bytes.len();
                bytes[at] = BYTES[(next() as usize) % BYTES.len()];
            }
            let (read, write) =
                agree(&bytes, &format!("{} round {round}: {}", f.display(), String::from_utf8_lossy(&bytes)));
            if read {
                fast += 1;
            } else {
                general_path += 1;
            }
            transcoded += usize::from(write);
        }
    }
    assert!(
        fast > 1000 && general_path > 1000 && transcoded > 1000,
        "fast {fast}, general {general_path}, transcoded {transcoded}"
    );
    eprintln!(
        "{fast} mutated documents took the fast read path and agreed, {general_path} took the general one; \
         {transcoded} were transcoded for writing and agreed"
    );
}

//! Run-log JSON from untrusted bytes (any encoding): parse, read the model, and what parses
//! writes and parses back to the same value.
#![no_main]
use libfuzzer_sys::fuzz_target;
use magnus_s3::{model::RunLog, pyjson, StepLog};

fuzz_target!(|data: &[u8]| {
    if let Ok(v) = pyjson::parse(data) {
        // Python's form is a fixed point: what we write reads back and writes the same bytes.
        let python = pyjson::to_vec(&v);
        assert_eq!(pyjson::to_vec(&pyjson::parse(&python).unwrap()), python, "Python-form text is stable");
        let compact = pyjson::to_compact_string(&v);
        assert!(pyjson::parse_str(&compact).is_ok());
        let _ = StepLog::from_value(v);
    }
    if let Ok(log) = RunLog::from_json_bytes(data) {
        let bytes = log.to_json_bytes();
        assert_eq!(RunLog::from_json_bytes(&bytes).unwrap().to_json_bytes(), bytes);
    }
});

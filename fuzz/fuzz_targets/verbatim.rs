//! The fast paths against the general ones (tests/verbatim.rs, coverage-guided): whatever
//! `verbatim::check` takes must read as the general path hands it to JS, with its skeleton;
//! whatever `verbatim::transcode` takes must give magnus's bytes as the general path writes them.
#![no_main]
use libfuzzer_sys::fuzz_target;
use magnus_s3::{pyjson, reconcile, verbatim, RunLog};

fuzz_target!(|data: &[u8]| {
    if let Some(fix) = verbatim::check(data) {
        let value = pyjson::parse(data).expect("the fast path took what the reader refuses");
        let skeleton = reconcile::skeleton(&value);
        let log = RunLog::from_value(value).expect("the fast path took what the model refuses");
        let general = pyjson::parse_str(&pyjson::to_compact_string(&log)).unwrap();
        assert_eq!(pyjson::parse_str(std::str::from_utf8(data).unwrap()).unwrap(), general);
        assert_eq!(fix.map(|f| pyjson::parse_str(&f).unwrap()), skeleton);
    }
    if let Some((header, bytes)) = verbatim::transcode(data) {
        let log = RunLog::from_json_bytes(data).expect("transcoded what the general path refuses");
        assert_eq!(header.run_id, log.run_id);
        assert_eq!((&header.status, &header.tag, &header.dag_hash), (&log.status, &log.tag, &log.dag_hash));
        assert_eq!(header.original_run_id, log.original_run_id);
        assert!(bytes == log.to_json_bytes());
    }
});

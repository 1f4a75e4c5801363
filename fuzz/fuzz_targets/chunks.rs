//! Assembling a chunked run from whatever objects a bucket holds: names, nesting and duplicates
//! chosen by the fuzzer. Assembly must give a run log or a typed error, at any depth.
#![no_main]
use libfuzzer_sys::fuzz_target;
use magnus_s3::layout::chunked::{assemble, parse_name, split, Chunk, Parts};
use magnus_s3::{BranchLog, RunLog, StepLog};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut parts = Parts { header: Some(RunLog::new("r")), ..Default::default() };
    for (i, line) in text.split('\n').enumerate() {
        match parse_name(line) {
            Some(Chunk::StepLog(n, t)) => parts.steps.push((t, StepLog::new("s", n))),
            Some(Chunk::BranchLog(n, t)) => parts.branches.push((t, BranchLog::new(n))),
            _ => parts.steps.push((i as u64, StepLog::new("s", line))),
        }
    }
    if let Ok(log) = assemble("r", parts) {
        let _ = split(&log);
        let _ = log.to_json_bytes();
    }
});

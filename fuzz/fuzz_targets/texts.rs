//! Every small text the crate reads: config JSON, credentials files, dates, internal names, run
//! ids, chunk names.
#![no_main]
use libfuzzer_sys::fuzz_target;
use magnus_s3::{config, credentials, dates, layout::chunked, names, Config};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(c) = Config::from_json(text) {
        let _ = c.endpoint(&magnus_s3::Env::new());
        let _ = c.run_key("r");
    }
    let _ = credentials::parse_profile(text, "default");
    let _ = dates::parse_iso8601(text);
    let _ = dates::parse_http_date(text);
    let _ = names::check(text, names::Kind::Step);
    let _ = names::check(text, names::Kind::Branch);
    let _ = names::parent_branch(text);
    let _ = names::parent_step(text);
    let _ = config::check_run_id(text);
    let _ = chunked::parse_name(text);
    let _ = config::encode_query_value(text);
});

//! S3's and STS's answers from an untrusted endpoint: listings, errors, the skew date, credentials.
#![no_main]
use libfuzzer_sys::fuzz_target;
use magnus_s3::http::HttpResponse;
use magnus_s3::{s3, sts};

fuzz_target!(|data: &[u8]| {
    let _ = s3::parse_list(data);
    let (status, rest) = match data.split_first() {
        Some((s, rest)) => (400 + u16::from(*s), rest),
        None => (403, data),
    };
    let mut resp = HttpResponse::new(status, rest.to_vec());
    if let Some(cut) = rest.iter().position(|b| *b == b'\n') {
        resp.headers.push(("date".into(), String::from_utf8_lossy(&rest[..cut]).into_owned()));
    }
    let _ = s3::parse_error(&resp);
    let _ = s3::skewed_server_time(&resp);
    let _ = sts::parse_assume_role(data);
    let _ = sts::parse_error(&resp, "arn:aws:iam::1:role/r");
});

//! The signer on untrusted requests: any method, URL, headers and body must sign or be refused,
//! never panic (aws-sigv4 canonicalizes what we hand it).
#![no_main]
use libfuzzer_sys::fuzz_target;
use magnus_s3::signing::{presign_url, sign_headers, RequestParts, SignOptions};
use magnus_s3::Credentials;
use std::time::{Duration, UNIX_EPOCH};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    // Fields separated by NUL: method, url, then header name/value pairs; the body is the url.
    let mut parts = text.split('\0');
    let method = parts.next().unwrap_or("GET");
    let url = parts.next().unwrap_or("");
    let mut headers = Vec::new();
    while let (Some(k), Some(v)) = (parts.next(), parts.next()) {
        headers.push((k.to_string(), v.to_string()));
    }
    let creds = Credentials::new("AKIDEXAMPLE", "secret", (data.len() % 2 == 0).then(|| "token".to_string()));
    let secs = u64::from(data.first().copied().unwrap_or(0)) * 10_000_000;
    for service in ["s3", "iam"] {
        let mut o = SignOptions::new(&creds, "us-east-1", service, UNIX_EPOCH + Duration::from_secs(secs));
        o.unsigned_payload = data.len() % 3 == 0;
        let req = RequestParts { method, url, headers: &headers, body: url.as_bytes() };
        let _ = sign_headers(&req, &o);
        let _ = presign_url(&req, &o, 1 + u64::from(data.last().copied().unwrap_or(0)));
    }
});

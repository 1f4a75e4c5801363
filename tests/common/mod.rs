//! Shared helpers of the integration tests: where ../shared is, which fixtures exist, and the
//! local S3 server the test tooling started (see `scripts/s3-server.sh`).
#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// `../shared` beside the repository (or `$MAGNUS_SHARED`).
pub fn shared() -> PathBuf {
    std::env::var_os("MAGNUS_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared"))
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            walk(&p, out);
        } else {
            out.push(p);
        }
    }
}

/// Every run-log document magnus wrote (`fixtures/magnus-*`): `*.json` outside `sources/` and
/// `probes/`, plus the chunked-s3 objects (which have no suffix).
pub fn fixture_run_logs() -> Vec<PathBuf> {
    let mut all = Vec::new();
    for e in std::fs::read_dir(shared().join("fixtures")).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() && p.file_name().unwrap().to_string_lossy().starts_with("magnus-") {
            walk(&p, &mut all);
        }
    }
    let mut out: Vec<PathBuf> = all
        .into_iter()
        .filter(|p| {
            let s = p.to_string_lossy();
            !s.contains("/sources/")
                && !s.contains("/probes/")
                && (s.ends_with(".json") || s.contains("/chunked-s3/objects/"))
        })
        .collect();
    out.sort();
    out
}

use magnus_s3::{Config, Env, S3RunLogStore};
use serde_json::json;

/// A variable the test tooling (`scripts/s3-server.sh`, `scripts/test.sh`) must have set.
pub fn var(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!("{name} is not set: start the local S3 server with `scripts/s3-server.sh start` and `source .work/s3.env` (scripts/test.sh does both)")
    })
}

/// A unique key prefix per test, so tests never see each other's objects.
pub fn unique_prefix(test: &str) -> String {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    format!("it/{test}-{nanos}")
}

/// An environment holding the test server's admin credentials.
pub fn env() -> Env {
    let mut env = Env::new();
    env.insert("AWS_ACCESS_KEY_ID".into(), var("MAGNUS_TEST_S3_KEY"));
    env.insert("AWS_SECRET_ACCESS_KEY".into(), var("MAGNUS_TEST_S3_SECRET"));
    env
}

/// Config for the test bucket under `prefix` (plus extra keys).
pub fn config(prefix: &str, extra: serde_json::Value) -> Config {
    let mut c = json!({"type": "s3", "config": {
        "s3_bucket": var("MAGNUS_TEST_S3_BUCKET"), "prefix": prefix,
        "endpoint_url": var("MAGNUS_TEST_S3_ENDPOINT"), "region": "us-east-1"}});
    for (k, v) in extra.as_object().unwrap() {
        c["config"][k] = v.clone();
    }
    Config::from_value(&to_value(c)).unwrap()
}

/// A serde_json value as this crate's (key order is serde_json's: sorted).
pub fn to_value(v: serde_json::Value) -> magnus_s3::Value {
    serde::Deserialize::deserialize(v).unwrap()
}

/// `serde_json::json!` as this crate's value (for parameters and run configs in tests).
#[allow(unused_macros)]
macro_rules! value {
    ($($t:tt)+) => {
        common::to_value(serde_json::json!($($t)+))
    };
}
#[allow(unused_imports)]
pub(crate) use value;

/// A store on the test server under a fresh prefix.
pub fn store(test: &str) -> S3RunLogStore {
    S3RunLogStore::new(config(&unique_prefix(test), json!({})), &env()).unwrap()
}

/// Sends a raw request signed with our signer and the test server's admin credentials (for
/// writing bytes the store would not write, and reading objects the store does not expose).
pub async fn signed(method: &str, url: &str, body: &[u8]) -> (u16, Vec<u8>) {
    let creds = magnus_s3::Credentials::new(var("MAGNUS_TEST_S3_KEY"), var("MAGNUS_TEST_S3_SECRET"), None);
    signed_as(&creds, "s3", method, url, &[], body).await
}

/// Sends a raw request for `service` (region us-east-1) with `headers`, signed as `creds`.
pub async fn signed_as(
    creds: &magnus_s3::Credentials,
    service: &str,
    method: &str,
    url: &str,
    headers: &[(String, String)],
    body: &[u8],
) -> (u16, Vec<u8>) {
    use magnus_s3::signing::{sign_headers, RequestParts, SignOptions};
    let opts = SignOptions::new(creds, "us-east-1", service, std::time::SystemTime::now());
    let signed = sign_headers(&RequestParts { method, url, headers, body }, &opts).unwrap();
    let mut req = reqwest::Client::new().request(method.parse().unwrap(), url).body(body.to_vec());
    for (k, v) in headers.iter().map(|(k, v)| (k.as_str(), v.clone())).chain(signed) {
        req = req.header(k, v);
    }
    let resp = req.send().await.unwrap();
    (resp.status().as_u16(), resp.bytes().await.unwrap().to_vec())
}

/// URL of `key` in the test bucket (path style, key encoded as the store encodes it).
pub fn key_url(key: &str) -> String {
    let ep = config("", json!({})).endpoint(&env()).unwrap();
    ep.object_url(key)
}

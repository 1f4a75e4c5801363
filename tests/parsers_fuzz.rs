//! Mutation fuzzing of every pure parser the store runs on untrusted bytes: S3's XML answers,
//! run-log JSON (all encodings), chunk names, internal names, run ids, dates, config JSON and
//! credentials files. Each seed is mutated thousands of times (bytes dropped, doubled, replaced
//! by syntax-significant ones, truncated); every parser must return a value or a typed error,
//! never panic (a panic in the wasm is a trap in the host). Deterministic: a fixed-seed xorshift.
#![cfg(not(target_arch = "wasm32"))]

use magnus_s3::http::HttpResponse;
use magnus_s3::s3::{parse_error, parse_list};
use magnus_s3::{config, credentials, dates, layout::chunked, names, pyjson, Config, Error};

const ROUNDS: usize = 10_000;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    /// One to four edits of `seed`, sometimes truncated.
    fn mutate(&mut self, seed: &[u8], alphabet: &[u8]) -> Vec<u8> {
        let mut b = seed.to_vec();
        for _ in 0..1 + self.below(4) {
            if b.is_empty() {
                b.push(alphabet[self.below(alphabet.len())]);
                continue;
            }
            let at = self.below(b.len());
            match self.below(5) {
                0 => {
                    b.remove(at);
                }
                1 => b.insert(at, b[at]),
                2 => b.truncate(at),
                3 => b.insert(at, alphabet[self.below(alphabet.len())]),
                _ => b[at] = alphabet[self.below(alphabet.len())],
            }
        }
        b
    }
}

/// Runs `check` on `ROUNDS` mutations of each seed; returns how many were accepted.
fn fuzz(seeds: &[&[u8]], alphabet: &[u8], mut check: impl FnMut(&[u8]) -> bool) -> usize {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut accepted = 0;
    for seed in seeds {
        assert!(check(seed), "seed must be accepted: {}", String::from_utf8_lossy(seed));
        for _ in 0..ROUNDS {
            accepted += usize::from(check(&rng.mutate(seed, alphabet)));
        }
    }
    accepted
}

const XML: &[u8] = b"<>/ \"'=&;#x0123456789abcdefKeyContentsPrefixIsTruncatedtrue\xc3\xa9\xff";

#[test]
fn s3_answers_never_panic() {
    let list = br#"<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>b</Name><Prefix>p/</Prefix><KeyCount>2</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>true</IsTruncated><NextContinuationToken>tok&amp;en</NextContinuationToken><Contents><Key>p/a.json</Key><LastModified>2026-11-25T10:00:00.000Z</LastModified><ETag>&quot;abc&quot;</ETag><Size>123</Size></Contents><Contents><Key>p/b&#x2F;c.json</Key><LastModified>2026-11-25T10:00:01.000Z</LastModified><ETag>"def"</ETag><Size>4</Size></Contents><CommonPrefixes><Prefix>p/chunked/</Prefix></CommonPrefixes></ListBucketResult>"#;
    let error = br#"<?xml version="1.0" encoding="UTF-8"?><Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not match</Message><RequestId>4442587FB7D0A2F9</RequestId></Error>"#;
    let accepted = fuzz(&[list], XML, |b| parse_list(b).is_ok());
    assert!(accepted > 100, "only {accepted} mutated listings parsed");
    fuzz(&[error], XML, |b| {
        let resp =
            HttpResponse { status: 403, headers: vec![("x-amz-request-id".into(), "R".into())], body: b.to_vec() };
        matches!(parse_error(&resp), Error::S3 { status: 403, .. })
    });
}

const JSON: &[u8] = b"{}[],:\"\\ 0123456789-+.eEtrufalsnNIy/u\n\t\x00\x01\xc3\xa9\xef\xbb\xbf\xfe\xff";

#[test]
fn run_log_documents_never_panic() {
    let doc = br#"{"run_id": "r", "dag_hash": "h", "use_cached": false, "tag": "", "original_run_id": "", "status": "SUCCESS", "steps": {"a": {"name": "a", "internal_name": "a", "status": "SUCCESS", "step_type": "parallel", "message": "", "mock": false, "code_identities": [{"code_identifier": "x", "code_identifier_type": "git", "code_identifier_dependable": true, "code_identifier_url": "u", "code_identifier_message": ""}], "attempts": [{"attempt_number": 1, "start_time": "s", "end_time": "e", "duration": "0:00:01", "status": "SUCCESS", "message": "", "parameters": {"x": 1.5}}], "user_defined_metrics": {"m": NaN}, "branches": {"a.b": {"internal_name": "a.b", "status": "SUCCESS", "steps": {}}}, "data_catalog": [{"name": "d", "data_hash": "", "catalog_relative_path": "", "catalog_handler_location": "", "stage": "put"}]}}, "parameters": {"p": "\u00e9\ud83d\ude80"}, "run_config": {}}"#;
    let utf16: Vec<u8> = [
        &[0xFF, 0xFE][..],
        &String::from_utf8_lossy(doc).encode_utf16().flat_map(u16::to_le_bytes).collect::<Vec<_>>(),
    ]
    .concat();
    let accepted = fuzz(&[doc, &utf16], JSON, |b| magnus_s3::RunLog::from_json_bytes(b).is_ok());
    assert!(accepted > 100, "only {accepted} mutated run logs parsed");
    fuzz(&[doc], JSON, |b| pyjson::parse(b).map(|v| pyjson::to_vec(&v)).is_ok());
}

#[test]
fn names_and_dates_never_panic() {
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    let alphabet = b"-.0123456789/:_ aZ\x00\x7f\xc3\xa9TZ,GMT";
    fuzz(
        &[b"StepLog-fan.a.task-1732525200000000000", b"BranchLog-fan.a-17", b"Parameter-x", b"RunLog"],
        alphabet,
        |b| chunked::parse_name(&text(b)).is_some(),
    );
    fuzz(&[b"fan.a.task"], alphabet, |b| names::check(&text(b), names::Kind::Step).is_ok());
    fuzz(&[b"run-2026.11"], alphabet, |b| config::check_run_id(&text(b)).is_ok());
    fuzz(&[b"2015-08-30T12:36:00.123Z"], alphabet, |b| dates::parse_iso8601(&text(b)).is_some());
    fuzz(&[b"Sun, 06 Nov 1994 08:49:37 GMT"], alphabet, |b| dates::parse_http_date(&text(b)).is_some());
}

#[test]
fn configs_and_credentials_files_never_panic() {
    let cfg = br#"{"type": "chunked-s3", "config": {"s3_bucket": "b", "prefix": "/p/", "region": "us-east-1", "endpoint_url": "http://127.0.0.1:5004", "force_path_style": true, "use_credentials": true, "aws_access_key_name": "K", "session_duration_in_seconds": 900}}"#;
    fuzz(&[cfg], JSON, |b| Config::from_json(&String::from_utf8_lossy(b)).is_ok());
    let file =
        b"[default]\naws_access_key_id = AK\naws_secret_access_key = S ; comment\n# c\n[other]\naws_session_token=T\n";
    fuzz(&[file], b"[]=;#\n \tabc_", |b| credentials::parse_profile(&String::from_utf8_lossy(b), "default").is_some());
}

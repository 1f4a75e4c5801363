//! A host that is all in memory: an S3 bucket model (objects with ETags and metadata,
//! `If-Match` / `If-None-Match`, ListObjectsV2 with prefixes, delimiters and pages), a fake clock
//! that only moves when something sleeps (or a test moves it), seeded randomness, a file map,
//! scripted answers and faults, and a log of every request. For unit tests of the store and for
//! benchmarks at sizes a real server cannot hold (the run index at 100,000 runs).
//!
//! Requests are expected path-style (`scheme://host/bucket/key?query`), as a configured
//! `endpoint_url` gives them. Signatures are not checked (the real-server tests do that).

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::rc::Rc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::{Host, HttpRequest, HttpResponse};
use crate::dates;
use crate::error::Result;

/// An in-memory host; clones share the same bucket, clock and log.
#[derive(Debug, Clone, Default)]
pub struct MemoryHost {
    state: Rc<RefCell<State>>,
}

#[derive(Debug)]
struct State {
    /// Milliseconds since the epoch.
    clock_ms: u64,
    slept: Duration,
    seed: u64,
    /// `bucket/key` → object.
    objects: BTreeMap<String, Object>,
    etags: u64,
    script: VecDeque<Scripted>,
    log: Vec<HttpRequest>,
    files: HashMap<String, String>,
    page_size: usize,
}

/// A scripted answer: instead of the model's, or after the model applied the request.
#[derive(Debug)]
enum Scripted {
    Instead(Result<HttpResponse>),
    Lost,
}

#[derive(Debug, Clone)]
struct Object {
    body: Vec<u8>,
    etag: String,
    modified_ms: u64,
    meta: Vec<(String, String)>,
}

impl Default for State {
    fn default() -> Self {
        State {
            clock_ms: 1_767_225_600_000, // 2026-01-01T00:00:00Z
            slept: Duration::ZERO,
            seed: 0x9E37_79B9_7F4A_7C15,
            objects: BTreeMap::new(),
            etags: 0,
            script: VecDeque::new(),
            log: Vec::new(),
            files: HashMap::new(),
            page_size: 1000,
        }
    }
}

impl MemoryHost {
    /// An empty bucket at 2026-01-01T00:00:00Z.
    pub fn new() -> Self {
        Self::default()
    }

    /// Moves the fake clock forward.
    pub fn advance(&self, d: Duration) {
        self.state.borrow_mut().clock_ms += d.as_millis() as u64;
    }

    /// Sets the fake clock.
    pub fn set_time(&self, t: SystemTime) {
        self.state.borrow_mut().clock_ms = super::epoch_ms(t);
    }

    /// How long everything has slept in total (fake time).
    pub fn slept(&self) -> Duration {
        self.state.borrow().slept
    }

    /// Answers the next request with `answer` instead of the bucket (queued in order).
    pub fn script(&self, answer: Result<HttpResponse>) {
        self.state.borrow_mut().script.push_back(Scripted::Instead(answer));
    }

    /// The next request in the queue is carried out, but its answer is lost (a network error
    /// after the fact: what a reset connection does to a PUT that landed).
    pub fn lose_answer(&self) {
        self.state.borrow_mut().script.push_back(Scripted::Lost);
    }

    /// Every request sent so far.
    pub fn requests(&self) -> Vec<HttpRequest> {
        self.state.borrow().log.clone()
    }

    /// Forgets the request log.
    pub fn clear_requests(&self) {
        self.state.borrow_mut().log.clear();
    }

    /// Makes `path` readable through [`Host::read_file`].
    pub fn add_file(&self, path: &str, text: &str) {
        self.state.borrow_mut().files.insert(path.into(), text.into());
    }

    /// Largest page a listing returns (S3: 1000).
    pub fn set_page_size(&self, n: usize) {
        self.state.borrow_mut().page_size = n.max(1);
    }

    /// The stored bytes of `bucket/key`.
    pub fn object(&self, bucket_key: &str) -> Option<Vec<u8>> {
        self.state.borrow().objects.get(bucket_key).map(|o| o.body.clone())
    }

    /// Stores bytes under `bucket/key` directly (as another tool would have written them).
    pub fn put_object(&self, bucket_key: &str, body: &[u8]) {
        let mut st = self.state.borrow_mut();
        st.etags += 1;
        let o =
            Object { body: body.to_vec(), etag: format!("\"m{}\"", st.etags), modified_ms: st.clock_ms, meta: vec![] };
        st.objects.insert(bucket_key.into(), o);
    }

    /// Every stored `bucket/key`, in order.
    pub fn keys(&self) -> Vec<String> {
        self.state.borrow().objects.keys().cloned().collect()
    }
}

/// A key as S3 reads it from the path: `%XX` escapes decoded (UTF-8, U+FFFD for errors).
fn decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |j: usize| b.get(j).and_then(|&d| char::from(d).to_digit(16));
        match (b[i], hex(i + 1), hex(i + 2)) {
            (b'%', Some(h), Some(l)) => {
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            (c, _, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

fn error(status: u16, code: &str) -> HttpResponse {
    HttpResponse::new(status, format!("<Error><Code>{code}</Code><Message>{code}</Message></Error>"))
}

impl State {
    fn now(&self) -> SystemTime {
        UNIX_EPOCH + Duration::from_millis(self.clock_ms)
    }

    fn answer(&mut self, req: &HttpRequest) -> HttpResponse {
        let (path, query) = req.url.split_once('?').unwrap_or((&req.url, ""));
        // scheme://host/bucket/key
        let mut parts = path.splitn(5, '/').skip(3);
        let bucket = decode(parts.next().unwrap_or(""));
        let key = decode(parts.next().unwrap_or(""));
        let id = format!("{bucket}/{key}");
        let mut resp = match req.method {
            "GET" if key.is_empty() => self.list(&bucket, query),
            "GET" | "HEAD" => match self.objects.get(&id) {
                Some(o) => {
                    let mut r = HttpResponse::new(200, if req.method == "GET" { o.body.clone() } else { vec![] });
                    r.headers.push(("etag".into(), o.etag.clone()));
                    let modified = UNIX_EPOCH + Duration::from_millis(o.modified_ms);
                    r.headers.push(("last-modified".into(), dates::format_http_date(modified)));
                    r.headers.extend(o.meta.iter().cloned());
                    r
                }
                None => error(404, "NoSuchKey"),
            },
            "PUT" => {
                let existing = self.objects.get(&id).map(|o| o.etag.clone());
                let blocked = match (req.header("if-none-match"), req.header("if-match")) {
                    (Some("*"), _) => existing.is_some(),
                    (_, Some(want)) => existing.as_deref() != Some(want),
                    _ => false,
                };
                if blocked {
                    error(412, "PreconditionFailed")
                } else {
                    self.etags += 1;
                    let etag = format!("\"m{}\"", self.etags);
                    let meta = req.headers.iter().filter(|(k, _)| k.starts_with("x-amz-meta-")).cloned().collect();
                    let o = Object { body: req.body.clone(), etag: etag.clone(), modified_ms: self.clock_ms, meta };
                    self.objects.insert(id, o);
                    let mut r = HttpResponse::new(200, vec![]);
                    r.headers.push(("etag".into(), etag));
                    r
                }
            }
            "DELETE" => {
                self.objects.remove(&id);
                HttpResponse::new(204, vec![])
            }
            _ => error(405, "MethodNotAllowed"),
        };
        resp.headers.push(("date".into(), dates::format_http_date(self.now())));
        resp
    }

    fn list(&self, bucket: &str, query: &str) -> HttpResponse {
        let q: HashMap<String, String> =
            query.split('&').filter_map(|kv| kv.split_once('=')).map(|(k, v)| (k.into(), decode(v))).collect();
        let prefix = q.get("prefix").cloned().unwrap_or_default();
        let delimiter = q.get("delimiter").cloned().filter(|d| !d.is_empty());
        let max = q.get("max-keys").and_then(|m| m.parse().ok()).unwrap_or(1000usize).min(self.page_size).max(1);
        // Continue after the token (the last name returned) or start-after, whichever is later.
        let after = [q.get("continuation-token"), q.get("start-after")].into_iter().flatten().max().cloned();
        let base = format!("{bucket}/");
        let mut contents = String::new();
        let mut prefixes = String::new();
        let (mut count, mut last, mut truncated) = (0usize, String::new(), false);
        let mut range = self.objects.range(format!("{base}{prefix}")..);
        for (full, o) in range.by_ref() {
            let Some(key) = full.strip_prefix(&base) else { break };
            if !key.starts_with(&prefix) {
                break;
            }
            if after.as_deref().is_some_and(|a| key <= a) {
                continue;
            }
            let grouped = delimiter
                .as_deref()
                .and_then(|d| key[prefix.len()..].find(d).map(|i| &key[..prefix.len() + i + d.len()]));
            if grouped.is_some_and(|common| last.starts_with(common)) {
                continue; // its common prefix is already listed
            }
            if count == max {
                truncated = true;
                break;
            }
            match grouped {
                Some(common) => {
                    prefixes
                        .push_str(&format!("<CommonPrefixes><Prefix>{}</Prefix></CommonPrefixes>", xml_escape(common)));
                    // Everything under this prefix is behind us.
                    last = format!("{common}\u{10FFFF}");
                }
                None => {
                    let modified = dates::format_iso8601(UNIX_EPOCH + Duration::from_millis(o.modified_ms));
                    contents.push_str(&format!(
                        "<Contents><Key>{}</Key><LastModified>{modified}</LastModified><ETag>{}</ETag><Size>{}</Size></Contents>",
                        xml_escape(key),
                        xml_escape(&o.etag),
                        o.body.len()
                    ));
                    last = key.to_string();
                }
            }
            count += 1;
        }
        let token = if truncated {
            format!("<NextContinuationToken>{}</NextContinuationToken>", xml_escape(&last))
        } else {
            String::new()
        };
        HttpResponse::new(
            200,
            format!("<ListBucketResult><IsTruncated>{truncated}</IsTruncated>{contents}{prefixes}{token}</ListBucketResult>"),
        )
    }
}

impl Host for MemoryHost {
    async fn send(&self, req: &HttpRequest, _timeout: Duration) -> Result<HttpResponse> {
        let mut st = self.state.borrow_mut();
        st.log.push(req.clone());
        match st.script.pop_front() {
            Some(Scripted::Instead(answer)) => answer,
            Some(Scripted::Lost) => {
                st.answer(req);
                Err(crate::Error::Network { code: "reset".into(), message: "connection reset (scripted)".into() })
            }
            None => Ok(st.answer(req)),
        }
    }

    async fn sleep(&self, d: Duration) {
        let mut st = self.state.borrow_mut();
        st.clock_ms += d.as_millis() as u64;
        st.slept += d;
    }

    fn now(&self) -> SystemTime {
        self.state.borrow().now()
    }

    fn random(&self) -> u64 {
        let mut st = self.state.borrow_mut();
        st.seed = st.seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        st.seed.rotate_right(11)
    }

    fn read_file(&self, path: &str) -> Option<String> {
        self.state.borrow().files.get(path).cloned()
    }
}

//! The native host: reqwest (hyper, rustls) for HTTP, tokio for timers, the system clock, the
//! file system, and randomness from std's per-process hash keys.

use std::time::{Duration, SystemTime};

use super::{Host, HttpRequest, HttpResponse};
use crate::error::{Error, Result};

/// The host of native Rust programs (needs a tokio runtime for its timers).
#[derive(Debug, Clone, Default)]
pub struct NativeHost {
    client: reqwest::Client,
}

impl NativeHost {
    /// A host with its own connection pool.
    pub fn new() -> Self {
        NativeHost { client: reqwest::Client::new() }
    }
}

fn network(e: reqwest::Error) -> Error {
    let code = if e.is_timeout() {
        "timeout"
    } else if e.is_connect() {
        "connect"
    } else if e.is_body() || e.is_decode() {
        "body"
    } else {
        "request"
    };
    // reqwest's text names the URL (no secrets: presigned URLs are never sent through here).
    Error::Network { code: code.into(), message: e.to_string() }
}

impl Host for NativeHost {
    async fn send(&self, req: &HttpRequest, timeout: Duration) -> Result<HttpResponse> {
        let method = reqwest::Method::from_bytes(req.method.as_bytes())
            .map_err(|_| Error::invalid_argument("method", req.method))?;
        let mut builder = self.client.request(method, &req.url).timeout(timeout);
        for (k, v) in &req.headers {
            builder = builder.header(k.as_str(), v.as_str());
        }
        if !req.body.is_empty() || req.method == "PUT" {
            builder = builder.body(req.body.clone());
        }
        let resp = builder.send().await.map_err(network)?;
        let status = resp.status().as_u16();
        let headers = resp
            .headers()
            .iter()
            .map(|(k, v)| (k.as_str().to_ascii_lowercase(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
            .collect();
        let body = resp.bytes().await.map_err(network)?.to_vec();
        Ok(HttpResponse { status, headers, body })
    }

    async fn sleep(&self, d: Duration) {
        tokio::time::sleep(d).await
    }

    fn now(&self) -> SystemTime {
        SystemTime::now()
    }

    fn random(&self) -> u64 {
        use std::hash::{BuildHasher, Hasher};
        use std::sync::atomic::{AtomicU64, Ordering};
        // RandomState is seeded from the OS once per process; the counter makes each call differ.
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
        h.finish()
    }

    fn read_file(&self, path: &str) -> Option<String> {
        std::fs::read_to_string(path).ok()
    }
}

//! The only IO: sending an [`S3Request`] and the clock. reqwest calls the host's `fetch` on
//! wasm32 and hyper (rustls) natively; the [`Transport`] trait lets unit tests use a fake.

use std::time::{Duration, SystemTime};

use crate::error::{Error, Result};
use crate::s3::{S3Request, S3Response};

/// Sends requests. Implementations return every HTTP answer (errors included) as a response;
/// only a request that could not complete is an error ([`Error::Network`]).
#[allow(async_fn_in_trait)] // single-threaded on wasm32; Send-ness is left to implementations
pub trait Transport {
    /// Sends one request.
    async fn send(&self, req: S3Request) -> Result<S3Response>;
}

/// The real transport: reqwest.
#[derive(Debug, Clone, Default)]
pub struct HttpTransport {
    client: reqwest::Client,
}

impl HttpTransport {
    /// A transport with its own connection pool.
    pub fn new() -> Self {
        HttpTransport { client: reqwest::Client::new() }
    }
}

fn network(e: reqwest::Error) -> Error {
    #[cfg(not(target_arch = "wasm32"))]
    let connect = e.is_connect();
    // fetch reports refused / reset / DNS failures alike, as a failed request.
    #[cfg(target_arch = "wasm32")]
    let connect = e.is_request();
    let code = if e.is_timeout() {
        "timeout"
    } else if connect {
        "connect"
    } else if e.is_body() || e.is_decode() {
        "body"
    } else {
        "request"
    };
    // reqwest's text names the URL (no secrets: presigned URLs are never sent through here).
    Error::Network { code: code.into(), message: e.to_string() }
}

impl Transport for HttpTransport {
    async fn send(&self, req: S3Request) -> Result<S3Response> {
        let method = reqwest::Method::from_bytes(req.method.as_bytes())
            .map_err(|_| Error::invalid_argument("method", req.method))?;
        let mut builder = self.client.request(method, &req.url);
        for (k, v) in &req.headers {
            builder = builder.header(k.as_str(), v.as_str());
        }
        if !req.body.is_empty() || req.method == "PUT" {
            builder = builder.body(req.body);
        }
        #[cfg(not(target_arch = "wasm32"))]
        {
            builder = builder.timeout(Duration::from_secs(60));
        }
        let resp = builder.send().await.map_err(network)?;
        let status = resp.status().as_u16();
        let headers = resp
            .headers()
            .iter()
            .map(|(k, v)| (k.as_str().to_ascii_lowercase(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
            .collect();
        let body = resp.bytes().await.map_err(network)?.to_vec();
        Ok(S3Response { status, headers, body })
    }
}

/// Wall-clock time. `SystemTime::now()` panics on wasm32-unknown-unknown, so the host's
/// `Date.now()` is used there.
pub fn now() -> SystemTime {
    #[cfg(target_arch = "wasm32")]
    {
        SystemTime::UNIX_EPOCH + Duration::from_millis(js_sys::Date::now() as u64)
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        SystemTime::now()
    }
}

/// Waits `d` (the host's `setTimeout` on wasm32, tokio natively).
pub async fn sleep(d: Duration) {
    #[cfg(target_arch = "wasm32")]
    {
        use wasm_bindgen::prelude::*;
        #[wasm_bindgen]
        extern "C" {
            #[wasm_bindgen(js_name = setTimeout)]
            fn set_timeout(cb: &js_sys::Function, ms: f64) -> JsValue;
        }
        let ms = d.as_millis() as f64;
        let p = js_sys::Promise::new(&mut |resolve, _| {
            set_timeout(&resolve, ms);
        });
        let _ = wasm_bindgen_futures::JsFuture::from(p).await;
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        tokio::time::sleep(d).await
    }
}

/// A small non-cryptographic random source for backoff jitter (no getrandom on wasm32).
#[derive(Debug, Clone)]
pub struct Jitter(u64);

impl Jitter {
    /// Seeded from the clock and an address, so concurrent writers spread out.
    pub fn new() -> Self {
        let t = now().duration_since(SystemTime::UNIX_EPOCH).unwrap_or_default().as_nanos() as u64;
        let local = 0u8;
        let addr = &local as *const u8 as u64;
        Jitter((t ^ addr.rotate_left(32)) | 1)
    }

    /// Next value in `0..n` (xorshift64*).
    pub fn below(&mut self, n: u64) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D) % n.max(1)
    }
}

impl Default for Jitter {
    fn default() -> Self {
        Self::new()
    }
}

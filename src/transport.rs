//! The only IO, and what depends on the host: sending an [`HttpRequest`], the clock (`now`,
//! `sleep`, chunk timestamps), reading the shared credentials file, backoff jitter, and a small
//! `join_all`. On wasm32 the host's `fetch` is called directly (through js_sys: about 100 KB less
//! wasm than reqwest's wasm backend, which brings `url`, `idna` and web-sys glue); natively
//! reqwest (hyper, rustls). The [`Transport`] trait lets unit tests use a fake.

use std::time::{Duration, SystemTime};

#[cfg(not(target_arch = "wasm32"))]
use crate::error::Error;
use crate::error::Result;

/// An unsigned HTTP request to AWS (S3, or STS for `role_arn`), as data: what the store signs
/// and the transport sends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpRequest {
    /// `GET`, `PUT`, `HEAD`, `DELETE`, `POST`.
    pub method: &'static str,
    /// Absolute URL, already percent-encoded.
    pub url: String,
    /// Headers to send and sign (never `host` or `content-length`).
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
    /// How long the transport waits for the whole answer (set by the store from its config).
    pub timeout: std::time::Duration,
}

/// The timeout of a request nobody set one for (the config's default).
pub const DEFAULT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

/// What came back.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HttpResponse {
    /// HTTP status.
    pub status: u16,
    /// Headers, names lower-cased.
    pub headers: Vec<(String, String)>,
    /// Body bytes.
    pub body: Vec<u8>,
}

impl HttpResponse {
    /// A header's value by lower-case name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// The object's ETag, quotes included (as `If-Match` wants it).
    pub fn etag(&self) -> Option<&str> {
        self.header("etag")
    }

    /// True for 2xx.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

/// Sends requests. Implementations return every HTTP answer (errors included) as a response;
/// only a request that could not complete is an error ([`Error::Network`]). The request is
/// borrowed: the store may send it again (retries), and hosts copy the body anyway.
#[allow(async_fn_in_trait)] // single-threaded on wasm32; Send-ness is left to implementations
pub trait Transport {
    /// Sends one request.
    async fn send(&self, req: &HttpRequest) -> Result<HttpResponse>;
}

/// The real transport: reqwest (native).
#[cfg(not(target_arch = "wasm32"))]
#[derive(Debug, Clone, Default)]
pub struct HttpTransport {
    client: reqwest::Client,
}

#[cfg(not(target_arch = "wasm32"))]
impl HttpTransport {
    /// A transport with its own connection pool.
    pub fn new() -> Self {
        HttpTransport { client: reqwest::Client::new() }
    }
}

#[cfg(not(target_arch = "wasm32"))]
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

#[cfg(not(target_arch = "wasm32"))]
impl Transport for HttpTransport {
    async fn send(&self, req: &HttpRequest) -> Result<HttpResponse> {
        let method = reqwest::Method::from_bytes(req.method.as_bytes())
            .map_err(|_| Error::invalid_argument("method", req.method))?;
        let mut builder = self.client.request(method, &req.url);
        for (k, v) in &req.headers {
            builder = builder.header(k.as_str(), v.as_str());
        }
        if !req.body.is_empty() || req.method == "PUT" {
            builder = builder.body(req.body.clone());
        }
        builder = builder.timeout(req.timeout);
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
}

/// The real transport: the host's global `fetch` (Node 18+, workerd, browsers).
#[cfg(target_arch = "wasm32")]
#[derive(Debug, Clone, Default)]
pub struct HttpTransport;

#[cfg(target_arch = "wasm32")]
impl HttpTransport {
    /// A transport over the global `fetch`.
    pub fn new() -> Self {
        HttpTransport
    }
}

#[cfg(target_arch = "wasm32")]
mod fetch {
    use js_sys::{Array, Function, Object, Promise, Reflect, Uint8Array};
    use wasm_bindgen::{JsCast, JsValue};
    use wasm_bindgen_futures::JsFuture;

    use super::{HttpRequest, HttpResponse};
    use crate::error::{Error, Result};

    fn get(target: &JsValue, key: &str) -> JsValue {
        Reflect::get(target, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
    }

    fn set(target: &JsValue, key: &str, value: &JsValue) {
        let _ = Reflect::set(target, &JsValue::from_str(key), value);
    }

    fn network(code: &str, e: JsValue) -> Error {
        let message = e
            .dyn_ref::<js_sys::Error>()
            .map(|e| {
                // Node puts the socket error (ECONNREFUSED, ...) in `cause`.
                let cause = get(e.as_ref(), "cause");
                let detail = get(&cause, "code").as_string().or_else(|| get(&cause, "message").as_string());
                match detail {
                    Some(d) => format!("{} ({d})", String::from(e.message())),
                    None => String::from(e.message()),
                }
            })
            .or_else(|| e.as_string())
            .unwrap_or_else(|| "fetch failed".into());
        let code = if get(&e, "name").as_string().as_deref() == Some("TimeoutError") { "timeout" } else { code };
        Error::Network { code: code.into(), message }
    }

    pub(super) async fn send(req: &HttpRequest) -> Result<HttpResponse> {
        let global = js_sys::global();
        let fetch: Function = get(&global, "fetch")
            .dyn_into()
            .map_err(|_| Error::Network { code: "request".into(), message: "this host has no global fetch".into() })?;
        let init = Object::new();
        set(&init, "method", &JsValue::from_str(req.method));
        let headers = Object::new();
        for (k, v) in &req.headers {
            set(&headers, k, &JsValue::from_str(v));
        }
        set(&init, "headers", &headers);
        if !req.body.is_empty() || req.method == "PUT" {
            set(&init, "body", &Uint8Array::from(req.body.as_slice()));
        }
        // AbortSignal.timeout where the host has it (Node 18+, workerd, browsers).
        let timeout = get(&get(&global, "AbortSignal"), "timeout");
        if let Some(f) = timeout.dyn_ref::<Function>() {
            let ms = JsValue::from_f64(req.timeout.as_millis() as f64);
            if let Ok(signal) = f.call1(&get(&global, "AbortSignal"), &ms) {
                set(&init, "signal", &signal);
            }
        }
        let promise: Promise = fetch
            .call2(&global, &JsValue::from_str(&req.url), &init)
            .map_err(|e| network("request", e))?
            .unchecked_into();
        let resp = JsFuture::from(promise).await.map_err(|e| network("connect", e))?;
        let status = get(&resp, "status").as_f64().unwrap_or(0.0) as u16;
        let mut headers = Vec::new();
        let entries = get(&get(&resp, "headers"), "entries");
        if let Some(f) = entries.dyn_ref::<Function>() {
            let iter = f.call0(&get(&resp, "headers")).map_err(|e| network("body", e))?;
            for pair in Array::from(&iter).iter() {
                let pair: Array = pair.unchecked_into();
                if let (Some(k), Some(v)) = (pair.get(0).as_string(), pair.get(1).as_string()) {
                    headers.push((k.to_ascii_lowercase(), v));
                }
            }
        }
        let buffer = get(&resp, "arrayBuffer")
            .dyn_into::<Function>()
            .and_then(|f| f.call0(&resp))
            .map_err(|e| network("body", e))?;
        let buffer = JsFuture::from(Promise::from(buffer)).await.map_err(|e| network("body", e))?;
        Ok(HttpResponse { status, headers, body: Uint8Array::new(&buffer).to_vec() })
    }
}

#[cfg(target_arch = "wasm32")]
impl Transport for HttpTransport {
    async fn send(&self, req: &HttpRequest) -> Result<HttpResponse> {
        fetch::send(req).await
    }
}

/// Reads a text file (the shared credentials file); `None` where there is no file system.
pub fn read_text_file(path: &str) -> Option<String> {
    #[cfg(not(target_arch = "wasm32"))]
    {
        std::fs::read_to_string(path).ok()
    }
    #[cfg(target_arch = "wasm32")]
    {
        let _ = path;
        None
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

/// A nanosecond timestamp for chunk names, strictly increasing within this process (the wasm
/// clock has millisecond resolution); `count` consecutive values are reserved, the first returned.
pub fn unique_time_ns(count: usize) -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static LAST: AtomicU64 = AtomicU64::new(0);
    let now = now().duration_since(SystemTime::UNIX_EPOCH).unwrap_or_default().as_nanos() as u64;
    let count = count.max(1) as u64;
    let mut prev = LAST.load(Ordering::Relaxed);
    loop {
        let start = now.max(prev + 1);
        match LAST.compare_exchange_weak(prev, start + count - 1, Ordering::Relaxed, Ordering::Relaxed) {
            Ok(_) => return start,
            Err(p) => prev = p,
        }
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

/// A boxed future that need not be `Send` (wasm32 is single-threaded).
pub type LocalBoxFuture<'a, T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + 'a>>;

/// Runs futures concurrently on the current task and returns their outputs in order. (A small
/// stand-in for `futures::future::join_all`, whose `FuturesOrdered` machinery costs the wasm
/// more than the whole chunked layout.)
pub async fn join_all<'a, T>(futures: Vec<LocalBoxFuture<'a, T>>) -> Vec<T> {
    use std::task::Poll;
    let mut pending: Vec<Option<LocalBoxFuture<'a, T>>> = futures.into_iter().map(Some).collect();
    let mut done: Vec<Option<T>> = pending.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut all = true;
        for (slot, out) in pending.iter_mut().zip(done.iter_mut()) {
            if let Some(f) = slot {
                match f.as_mut().poll(cx) {
                    Poll::Ready(v) => {
                        *out = Some(v);
                        *slot = None;
                    }
                    Poll::Pending => all = false,
                }
            }
        }
        if all {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    })
    .await;
    done.into_iter().flatten().collect()
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

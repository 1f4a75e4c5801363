//! The package's [`Host`]: IO that the JavaScript side performs. A request or a timer becomes a
//! numbered entry that the next `poll` hands out; JS does it (`fetch`, `setTimeout`) and calls
//! `deliver` / `deliver_error` / `wake` with the outcome, then polls again. The clock and
//! randomness are read from the engine directly (`Date.now()`, `Math.random()`), and the shared
//! credentials file through a reader JS may pass in (Node's `readFileSync`).

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use wasm_bindgen::prelude::*;

use crate::error::{Error, Result};
use crate::host::{Host, HttpRequest, HttpResponse};
use crate::pyjson::Writer;

/// IO the JS side is asked to do.
enum Need {
    Http {
        method: &'static str,
        url: String,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
        timeout_ms: u64,
    },
    Sleep {
        ms: u64,
    },
    /// SHA-256 of the bytes (taken with `takeBody`), answered with `digested`.
    Digest {
        data: Vec<u8>,
    },
}

/// What came back.
enum Outcome {
    Http(Result<HttpResponse>),
    Woke,
    Digest(String),
}

#[derive(Default)]
struct Io {
    next: u32,
    /// Handed out by the next poll: id and what is needed.
    issued: Vec<(u32, Need)>,
    /// Request bodies waiting for JS to take them.
    bodies: Vec<(u32, Vec<u8>)>,
    /// Outcomes delivered, waiting for their future.
    done: Vec<(u32, Outcome)>,
}

thread_local! {
    static IO: RefCell<Io> = RefCell::new(Io::default());
}

/// Writes the IO issued since the last call as a JSON array, and forgets it.
pub(super) fn write_issued(w: &mut Writer) {
    let issued = IO.with(|io| std::mem::take(&mut io.borrow_mut().issued));
    w.begin_array();
    for (id, need) in issued {
        w.item();
        w.begin_object();
        w.entry("id", &u64::from(id));
        match need {
            Need::Http { method, url, headers, body, timeout_ms } => {
                w.entry("method", method);
                w.entry("url", &url);
                w.key("headers");
                w.begin_array();
                for (k, v) in &headers {
                    w.item();
                    w.begin_array();
                    w.item();
                    w.string(k);
                    w.item();
                    w.string(v);
                    w.end_array();
                }
                w.end_array();
                w.entry("body", &(!body.is_empty() || method == "PUT" || method == "POST"));
                w.entry("timeout", &timeout_ms);
                if !body.is_empty() {
                    IO.with(|io| io.borrow_mut().bodies.push((id, body)));
                }
            }
            Need::Sleep { ms } => w.entry("sleep", &ms),
            Need::Digest { data } => {
                w.entry("digest", &true);
                IO.with(|io| io.borrow_mut().bodies.push((id, data)));
            }
        }
        w.end_object();
    }
    w.end_array();
}

/// The body of request `id` (once; empty if there is none).
#[wasm_bindgen(js_name = takeBody)]
pub fn take_body(id: u32) -> Vec<u8> {
    IO.with(|io| {
        let mut io = io.borrow_mut();
        let at = io.bodies.iter().position(|(i, _)| *i == id);
        at.map(|i| io.bodies.swap_remove(i).1).unwrap_or_default()
    })
}

fn finish(id: u32, outcome: Outcome) {
    IO.with(|io| io.borrow_mut().done.push((id, outcome)));
}

/// The answer to request `id`: status, headers as `name\nvalue\n...` (names lower-case), body.
#[wasm_bindgen]
pub fn deliver(id: u32, status: u16, headers: &str, body: Vec<u8>) {
    let mut lines = headers.split('\n');
    let mut pairs = Vec::new();
    while let (Some(k), Some(v)) = (lines.next(), lines.next()) {
        pairs.push((k.to_ascii_lowercase(), v.to_string()));
    }
    finish(id, Outcome::Http(Ok(HttpResponse { status, headers: pairs, body })));
}

/// Request `id` could not complete (`code`: `connect`, `timeout`, `body`, `request`).
#[wasm_bindgen(js_name = deliverError)]
pub fn deliver_error(id: u32, code: &str, message: &str) {
    finish(id, Outcome::Http(Err(Error::Network { code: code.into(), message: message.into() })));
}

/// Timer `id` has run out.
#[wasm_bindgen]
pub fn wake(id: u32) {
    finish(id, Outcome::Woke);
}

/// The SHA-256 (lower-case hex) asked for by `id`; anything else than 64 hex digits is ignored
/// (the signer then hashes the body itself).
#[wasm_bindgen]
pub fn digested(id: u32, hex: &str) {
    finish(id, Outcome::Digest(hex.to_string()));
}

/// A future that waits for the outcome of one piece of IO.
struct Wait {
    need: Option<Need>,
    id: Option<u32>,
}

impl Future for Wait {
    type Output = Outcome;
    fn poll(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Outcome> {
        let this = &mut *self;
        IO.with(|io| {
            let mut io = io.borrow_mut();
            match this.id {
                None => {
                    io.next = io.next.wrapping_add(1);
                    let id = io.next;
                    this.id = Some(id);
                    if let Some(need) = this.need.take() {
                        io.issued.push((id, need));
                    }
                    Poll::Pending
                }
                Some(id) => match io.done.iter().position(|(i, _)| *i == id) {
                    Some(at) => {
                        this.id = None;
                        Poll::Ready(io.done.swap_remove(at).1)
                    }
                    None => Poll::Pending,
                },
            }
        })
    }
}

impl Drop for Wait {
    fn drop(&mut self) {
        // A task dropped while waiting: forget its IO (JS ignores outcomes nobody waits for).
        if let Some(id) = self.id {
            IO.with(|io| {
                if let Ok(mut io) = io.try_borrow_mut() {
                    io.issued.retain(|(i, _)| *i != id);
                    io.bodies.retain(|(i, _)| *i != id);
                    io.done.retain(|(i, _)| *i != id);
                }
            });
        }
    }
}

/// The host of the npm package's stores.
#[derive(Debug, Clone, Default)]
pub(super) struct Driven {
    /// `(path) => string | undefined`, where the host can read files (Node).
    pub(super) read_file: Option<js_sys::Function>,
}

impl Host for Driven {
    async fn send(&self, req: &HttpRequest, timeout: Duration) -> Result<HttpResponse> {
        let need = Need::Http {
            method: req.method,
            url: req.url.clone(),
            headers: req.headers.clone(),
            body: req.body.clone(),
            timeout_ms: timeout.as_millis() as u64,
        };
        match (Wait { need: Some(need), id: None }).await {
            Outcome::Http(r) => r,
            _ => Err(Error::Network { code: "request".into(), message: "no answer".into() }),
        }
    }

    async fn sha256(&self, data: &[u8]) -> Option<String> {
        match (Wait { need: Some(Need::Digest { data: data.to_vec() }), id: None }).await {
            Outcome::Digest(hex) if hex.len() == 64 && hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) => {
                Some(hex)
            }
            _ => None,
        }
    }

    async fn sleep(&self, d: Duration) {
        let _ = (Wait { need: Some(Need::Sleep { ms: d.as_millis() as u64 }), id: None }).await;
    }

    fn now(&self) -> SystemTime {
        UNIX_EPOCH + Duration::from_millis(js_sys::Date::now() as u64)
    }

    fn random(&self) -> u64 {
        let hi = (js_sys::Math::random() * 4_294_967_296.0) as u64;
        let lo = (js_sys::Math::random() * 4_294_967_296.0) as u64;
        hi << 32 | lo
    }

    fn read_file(&self, path: &str) -> Option<String> {
        let f = self.read_file.as_ref()?;
        f.call1(&JsValue::UNDEFINED, &JsValue::from_str(path)).ok()?.as_string()
    }
}

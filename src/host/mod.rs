//! The one IO seam: everything the store needs from the place it runs. The network, the clock,
//! timers, randomness and files are inputs behind the [`Host`] trait, so the rest of the crate
//! is pure and unit tests drive retries, backoff, clock skew, credential expiry and chunk naming
//! with a fake clock ([`memory::MemoryHost`]) and no real sleeps.
//!
//! Hosts: [`native::NativeHost`] (reqwest, tokio, the system clock and files); in the npm
//! package, a host whose IO the JavaScript side performs (`src/wasm/host.rs`: every wasm call is
//! synchronous, so a fault in the module is always caught where it happens);
//! `fetch::FetchHost` (feature `fetch`) for Rust programs compiled to wasm32 that call the host's
//! `fetch` themselves.

pub mod counting;
#[cfg(all(target_arch = "wasm32", feature = "fetch"))]
pub mod fetch;
pub mod memory;
#[cfg(not(target_arch = "wasm32"))]
pub mod native;

use std::time::{Duration, SystemTime};

use crate::error::Result;
pub use crate::http::{HttpRequest, HttpResponse};

/// What the store needs from its environment. Implementations return every HTTP answer (errors
/// included) as a response; only a request that could not complete is an error
/// ([`crate::Error::Network`], code `timeout` when `timeout` ran out).
#[allow(async_fn_in_trait)] // single-threaded on wasm32; Send-ness is left to implementations
pub trait Host {
    /// Sends one request and waits at most `timeout` for the whole answer. The request is
    /// borrowed: the store may send it again (retries).
    async fn send(&self, req: &HttpRequest, timeout: Duration) -> Result<HttpResponse>;

    /// Waits `d`.
    async fn sleep(&self, d: Duration);

    /// Wall-clock time.
    fn now(&self) -> SystemTime;

    /// 64 random bits (backoff jitter, create tokens); need not be cryptographic.
    fn random(&self) -> u64;

    /// A text file's content (the shared credentials file); `None` where it cannot be read or
    /// there is no file system.
    fn read_file(&self, path: &str) -> Option<String>;

    /// The SHA-256 of a large request body as lower-case hex, where the host's own crypto is
    /// faster than hashing in this crate (node:crypto, WebCrypto); `None` to let the signer hash.
    async fn sha256(&self, _data: &[u8]) -> Option<String> {
        None
    }
}

/// Bodies from this size on are offered to [`Host::sha256`] (smaller ones hash faster here than
/// a trip to the host takes).
pub const HOST_HASH_MIN: usize = 64 * 1024;

/// The default host of this target: [`native::NativeHost`] natively.
#[cfg(not(target_arch = "wasm32"))]
pub type DefaultHost = native::NativeHost;

/// The default host of this target: on wasm32 there is none (the npm package brings its own;
/// Rust programs pick one, e.g. `fetch::FetchHost`, and build the store with `with_host`).
#[cfg(target_arch = "wasm32")]
pub type DefaultHost = NoHost;

/// A host that cannot exist: the default type parameter where no default host is built in.
#[derive(Debug, Clone, Copy)]
pub enum NoHost {}

impl Host for NoHost {
    async fn send(&self, _: &HttpRequest, _: Duration) -> Result<HttpResponse> {
        match *self {}
    }
    async fn sleep(&self, _: Duration) {
        match *self {}
    }
    fn now(&self) -> SystemTime {
        match *self {}
    }
    fn random(&self) -> u64 {
        match *self {}
    }
    fn read_file(&self, _: &str) -> Option<String> {
        match *self {}
    }
}

/// A small random source for backoff jitter (xorshift64*), seeded by the host.
#[derive(Debug, Clone)]
pub struct Jitter(u64);

impl Jitter {
    /// A sequence starting from `seed`.
    pub fn new(seed: u64) -> Self {
        Jitter(seed | 1)
    }

    /// Next value in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D) % n.max(1)
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

/// Milliseconds since the Unix epoch of `t` (0 before it).
pub fn epoch_ms(t: SystemTime) -> u64 {
    t.duration_since(SystemTime::UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64)
}

//! A host wrapper that counts what goes through it: requests by method, bytes sent and received.
//! For benchmarks and tests that measure requests rather than time.

use std::cell::RefCell;
use std::time::{Duration, SystemTime};

use super::{Host, HttpRequest, HttpResponse};
use crate::error::Result;

/// Counts of the requests sent through a [`Counting`] host.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counts {
    /// Requests by method, in the order methods were first seen.
    pub by_method: Vec<(&'static str, u64)>,
    /// Request body bytes sent.
    pub sent: u64,
    /// Response body bytes received.
    pub received: u64,
}

impl Counts {
    /// All requests.
    pub fn requests(&self) -> u64 {
        self.by_method.iter().map(|(_, n)| n).sum()
    }
}

/// Wraps a host and counts its traffic.
#[derive(Debug, Default)]
pub struct Counting<H> {
    inner: H,
    counts: RefCell<Counts>,
}

impl<H> Counting<H> {
    /// Counts what `inner` sends.
    pub fn new(inner: H) -> Self {
        Counting { inner, counts: RefCell::default() }
    }

    /// The counts so far.
    pub fn counts(&self) -> Counts {
        self.counts.borrow().clone()
    }

    /// Starts counting from zero.
    pub fn reset(&self) {
        *self.counts.borrow_mut() = Counts::default();
    }

    /// The wrapped host.
    pub fn inner(&self) -> &H {
        &self.inner
    }
}

impl<H: Host> Host for Counting<H> {
    async fn send(&self, req: &HttpRequest, timeout: Duration) -> Result<HttpResponse> {
        {
            let mut c = self.counts.borrow_mut();
            match c.by_method.iter_mut().find(|(m, _)| *m == req.method) {
                Some((_, n)) => *n += 1,
                None => c.by_method.push((req.method, 1)),
            }
            c.sent += req.body.len() as u64;
        }
        let resp = self.inner.send(req, timeout).await;
        if let Ok(r) = &resp {
            self.counts.borrow_mut().received += r.body.len() as u64;
        }
        resp
    }

    async fn sleep(&self, d: Duration) {
        self.inner.sleep(d).await
    }

    fn now(&self) -> SystemTime {
        self.inner.now()
    }

    fn random(&self) -> u64 {
        self.inner.random()
    }

    fn read_file(&self, path: &str) -> Option<String> {
        self.inner.read_file(path)
    }
}

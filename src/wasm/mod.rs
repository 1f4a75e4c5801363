//! The npm package's bindings (feature `js`, wasm32): thin conversions between JSON text and the
//! Rust API. No logic lives here that Rust callers lack.
//!
//! Every export is synchronous. The store's async methods run as tasks that the JavaScript side
//! drives (`pkg/core.js`): `start` makes a task, `poll` advances it and hands out the IO it needs
//! (HTTP requests, timers), JS performs that IO and `deliver`s the answers, and `poll` again until
//! the task is done. So a fault inside the module always surfaces inside a JS `try` around one of
//! these calls (never in a microtask nobody can catch), and the JS side can fail that one call,
//! re-instantiate the module and carry on.
//!
//! Values cross as JSON text: arguments as `JSON.stringify` writes them (unpaired surrogates are
//! refused there), results as compact JSON that `JSON.parse` reads. Errors cross as JSON objects
//! `{name, message, ...fields}`; the JS side makes them `Error`s.

mod host;
mod sign;
mod store;
mod tasks;

use crate::error::Error;
use crate::pyjson::{ToJson, Writer};

/// The module's linear memory in bytes. A wasm memory never shrinks: the JS side restarts an
/// idle module whose memory a large document grew past its limit (`pkg/core.mjs`).
#[wasm_bindgen::prelude::wasm_bindgen(js_name = memoryBytes)]
pub fn memory_bytes() -> f64 {
    (core::arch::wasm32::memory_size(0) * 65536) as f64
}

/// Writes an error as `{"name": ..., "message": ..., <fields a caller can branch on>}`.
pub(crate) fn write_error(e: &Error, w: &mut Writer) {
    w.begin_object();
    w.entry("name", e.js_name());
    w.entry("message", &e.to_string());
    match e {
        Error::RunLogNotFound { run_id } | Error::RunLogExists { run_id } => w.entry("runId", run_id),
        Error::StepLogNotFound { run_id, name, missing } | Error::BranchLogNotFound { run_id, name, missing } => {
            w.entry("runId", run_id);
            w.entry("internalName", name);
            w.entry("missing", missing);
        }
        Error::InvalidArgument { argument, .. } => w.entry("argument", argument),
        Error::Conflict { key, attempts } => {
            w.entry("key", key);
            w.entry("attempts", &i64::from(*attempts));
        }
        Error::Credentials { variable, .. } => {
            if let Some(v) = variable {
                w.entry("variable", v);
            }
        }
        Error::Config { key, .. } => w.entry("key", key),
        Error::InvalidRunLog { path, .. } => w.entry("path", path),
        Error::S3 { status, code, request_id, .. } => {
            w.entry("status", &i64::from(*status));
            w.entry("code", code);
            if let Some(id) = request_id {
                w.entry("requestId", id);
            }
        }
        Error::Network { code, .. } => w.entry("code", code),
    }
    w.end_object();
}

/// An error as its JSON text.
pub(crate) fn error_json(e: &Error) -> String {
    let mut w = Writer::new(false);
    write_error(e, &mut w);
    String::from_utf8(w.into_bytes()).unwrap_or_default()
}

/// `{"ok": value}` or `{"error": {...}}`.
pub(crate) fn outcome<T: ToJson + ?Sized>(r: crate::Result<&T>) -> String {
    let mut w = Writer::new(false);
    w.begin_object();
    match r {
        Ok(v) => w.entry("ok", v),
        Err(e) => {
            w.key("error");
            write_error(&e, &mut w);
        }
    }
    w.end_object();
    String::from_utf8(w.into_bytes()).unwrap_or_default()
}

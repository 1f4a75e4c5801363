//! The JavaScript API (wasm32 only): thin bindings over the Rust store and signer.
//!
//! Values cross the boundary as JSON (`JSON.stringify` in, `JSON.parse` out): the engine's
//! own parser is fast, keeps key order, and lets serde_json keep number text exactly. Every
//! error becomes a JS `Error` whose `name` is the crate error's [`Error::js_name`]; every
//! argument is checked here, so a wrong type is a typed error, never a panic.

mod convert;
mod sign;
mod store;

use wasm_bindgen::prelude::*;

use crate::error::Error;

/// Builds the JS error for `e`: `name`, message, and the fields a caller can branch on.
pub(crate) fn to_js_error(e: Error) -> JsValue {
    let err = js_sys::Error::new(&e.to_string());
    err.set_name(e.js_name());
    let obj: &JsValue = err.as_ref();
    let set = |k: &str, v: JsValue| {
        let _ = js_sys::Reflect::set(obj, &JsValue::from_str(k), &v);
    };
    let s = |v: &str| JsValue::from_str(v);
    match &e {
        Error::RunLogNotFound { run_id } | Error::RunLogExists { run_id } => set("runId", s(run_id)),
        Error::StepLogNotFound { run_id, name, missing } | Error::BranchLogNotFound { run_id, name, missing } => {
            set("runId", s(run_id));
            set("internalName", s(name));
            set("missing", s(missing));
        }
        Error::InvalidArgument { argument, .. } => set("argument", s(argument)),
        Error::Conflict { key, attempts } => {
            set("key", s(key));
            set("attempts", JsValue::from(*attempts));
        }
        Error::Credentials { variable, .. } => {
            if let Some(v) = variable {
                set("variable", s(v));
            }
        }
        Error::Config { key, .. } => set("key", s(key)),
        Error::InvalidRunLog { path, .. } => set("path", s(path)),
        Error::S3 { status, code, request_id, .. } => {
            set("status", JsValue::from(*status));
            set("code", s(code));
            set("requestId", request_id.as_deref().map_or(JsValue::UNDEFINED, s));
        }
        Error::Network { code, .. } => set("code", s(code)),
    }
    err.into()
}

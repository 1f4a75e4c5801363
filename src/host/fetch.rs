//! A host for Rust programs compiled to wasm32 that run where a global `fetch` exists (Node 18+,
//! workerd, browsers): HTTP through `fetch` (with `AbortSignal.timeout`), timers through
//! `setTimeout`, the clock through `Date.now()`, randomness through `Math.random()`. The npm
//! package does not use it (its JavaScript side performs the IO); feature `fetch`.
use js_sys::{Array, Function, Object, Promise, Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use super::{Host, HttpRequest, HttpResponse};
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

async fn send(req: &HttpRequest, limit: std::time::Duration) -> Result<HttpResponse> {
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
        let ms = JsValue::from_f64(limit.as_millis() as f64);
        if let Ok(signal) = f.call1(&get(&global, "AbortSignal"), &ms) {
            set(&init, "signal", &signal);
        }
    }
    let promise: Promise =
        fetch.call2(&global, &JsValue::from_str(&req.url), &init).map_err(|e| network("request", e))?.unchecked_into();
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

/// The host's global `fetch`, timers and clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct FetchHost;

impl Host for FetchHost {
    async fn send(&self, req: &HttpRequest, timeout: std::time::Duration) -> Result<HttpResponse> {
        send(req, timeout).await
    }

    async fn sleep(&self, d: std::time::Duration) {
        let ms = d.as_millis() as f64;
        let p = Promise::new(&mut |resolve, _| {
            let set_timeout = get(&js_sys::global(), "setTimeout");
            if let Some(f) = set_timeout.dyn_ref::<Function>() {
                let _ = f.call2(&JsValue::UNDEFINED, &resolve, &JsValue::from_f64(ms));
            }
        });
        let _ = JsFuture::from(p).await;
    }

    fn now(&self) -> std::time::SystemTime {
        std::time::UNIX_EPOCH + std::time::Duration::from_millis(js_sys::Date::now() as u64)
    }

    fn random(&self) -> u64 {
        (js_sys::Math::random() * 2f64.powi(53)) as u64 ^ (js_sys::Date::now() as u64).rotate_left(40)
    }

    fn read_file(&self, _path: &str) -> Option<String> {
        None
    }
}

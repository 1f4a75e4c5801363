//! `signRequest` and `presignUrl`: standalone SigV4 for JS, synchronous (pure computation).

use wasm_bindgen::prelude::*;

use super::convert::{self, get, opt_bool, opt_string, opt_u64, string};
use super::to_js_error;
use crate::credentials::Credentials;
use crate::error::{Error, Result};
use crate::signing::{self, RequestParts, SignOptions};
use crate::transport;

struct Parsed {
    method: String,
    url: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    creds: Credentials,
    region: String,
    service: String,
    time: std::time::SystemTime,
}

fn parse(request: &JsValue, options: &JsValue) -> Result<Parsed> {
    if !request.is_object() {
        return Err(Error::invalid_argument("request", "expected { method, url, headers?, body? }"));
    }
    convert::options(options, "options")?;
    let time = match get(options, "date") {
        d if d.is_undefined() || d.is_null() => transport::now(),
        d if d.is_instance_of::<js_sys::Date>() => {
            let ms = js_sys::Date::from(d).get_time();
            if !ms.is_finite() || ms < 0.0 {
                return Err(Error::invalid_argument("date", "invalid Date"));
            }
            std::time::UNIX_EPOCH + std::time::Duration::from_millis(ms as u64)
        }
        d => signing::parse_time(&string(&d, "date")?)?,
    };
    let need = |key: &str| -> Result<String> {
        opt_string(options, key)?.filter(|s| !s.is_empty()).ok_or_else(|| Error::invalid_argument(key, "is required"))
    };
    Ok(Parsed {
        method: opt_string(request, "method")?.unwrap_or_else(|| "GET".into()).to_ascii_uppercase(),
        url: string(&get(request, "url"), "url")?,
        headers: convert::headers(&get(request, "headers"))?,
        body: convert::body(&get(request, "body"))?,
        creds: Credentials::new(
            need("accessKeyId")?,
            need("secretAccessKey")?,
            opt_string(options, "sessionToken")?.filter(|s| !s.is_empty()),
        ),
        region: need("region")?,
        service: need("service")?,
        time,
    })
}

fn sign_options<'a>(p: &'a Parsed, options: &JsValue) -> Result<SignOptions<'a>> {
    let mut o = SignOptions::new(&p.creds, &p.region, &p.service, p.time);
    o.unsigned_payload = opt_bool(options, "unsignedPayload")?.unwrap_or(false);
    if let Some(v) = opt_bool(options, "doubleEncode")? {
        o.double_encode = v;
    }
    if let Some(v) = opt_bool(options, "normalizePath")? {
        o.normalize_path = v;
    }
    if let Some(v) = opt_bool(options, "payloadHashHeader")? {
        o.payload_hash_header = v;
    }
    if let Some(v) = opt_bool(options, "signSessionToken")? {
        o.sign_session_token = v;
    }
    Ok(o)
}

/// Signs a request into headers: returns `{ headers }`, every header to send (yours plus
/// `authorization`, `x-amz-date`, and `x-amz-content-sha256` / `x-amz-security-token`).
#[wasm_bindgen(js_name = signRequest)]
pub fn sign_request(request: JsValue, options: JsValue) -> std::result::Result<JsValue, JsValue> {
    let run = || -> Result<JsValue> {
        let p = parse(&request, &options)?;
        let opts = sign_options(&p, &options)?;
        let req = RequestParts { method: &p.method, url: &p.url, headers: &p.headers, body: &p.body };
        let signed = signing::sign_headers(&req, &opts)?;
        let headers = js_sys::Object::new();
        let put = |k: &str, v: &str| {
            let key = JsValue::from_str(&k.to_ascii_lowercase());
            let prev = js_sys::Reflect::get(&headers, &key).ok().and_then(|p| p.as_string());
            let value = match prev {
                Some(p) => format!("{p}, {v}"),
                None => v.to_string(),
            };
            let _ = js_sys::Reflect::set(&headers, &key, &JsValue::from_str(&value));
        };
        for (k, v) in &p.headers {
            put(k, v);
        }
        for (k, v) in &signed {
            put(k, v);
        }
        let out = js_sys::Object::new();
        let _ = js_sys::Reflect::set(&out, &JsValue::from_str("headers"), &headers);
        Ok(out.into())
    };
    run().map_err(to_js_error)
}

/// Presigns a request into its URL's query (`options.expiresIn` seconds, default 900). S3
/// URLs sign `UNSIGNED-PAYLOAD`; other services hash the body.
#[wasm_bindgen(js_name = presignUrl)]
pub fn presign_url(request: JsValue, options: JsValue) -> std::result::Result<String, JsValue> {
    let run = || -> Result<String> {
        let p = parse(&request, &options)?;
        let mut opts = sign_options(&p, &options)?;
        if p.service == "s3" && opt_bool(&options, "unsignedPayload")?.is_none() {
            opts.unsigned_payload = true;
        }
        // The hash header is meaningless in a URL.
        opts.payload_hash_header = false;
        let expires = opt_u64(&options, "expiresIn")?.unwrap_or(900);
        let req = RequestParts { method: &p.method, url: &p.url, headers: &p.headers, body: &p.body };
        signing::presign_url(&req, &opts, expires)
    };
    run().map_err(to_js_error)
}

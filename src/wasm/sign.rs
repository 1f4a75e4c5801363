//! `sign`: standalone SigV4 for `signRequest` / `presignUrl`. The JS side reads the caller's
//! option bag and merges headers; here one call takes the request and the options as plain
//! strings and numbers (the caller's headers as a JSON array of pairs: values may hold line
//! breaks) and answers with one string: the signed headers as `name\nvalue\n...`, or the
//! presigned URL, or `!` followed by an error's JSON.

use wasm_bindgen::prelude::*;

use super::error_json;
use crate::credentials::Credentials;
use crate::error::{Error, Result};
use crate::signing::{self, RequestParts, SignOptions};

/// `options` bits of [`sign`]: each overridable switch has a "given" bit and a "value" bit.
mod flag {
    pub const PRESIGN: u32 = 1;
    pub const UNSIGNED_PAYLOAD: u32 = 2;
    pub const UNSIGNED_PAYLOAD_GIVEN: u32 = 4;
    pub const DOUBLE_ENCODE_GIVEN: u32 = 8;
    pub const DOUBLE_ENCODE: u32 = 16;
    pub const NORMALIZE_PATH_GIVEN: u32 = 32;
    pub const NORMALIZE_PATH: u32 = 64;
    pub const HASH_HEADER_GIVEN: u32 = 128;
    pub const HASH_HEADER: u32 = 256;
    pub const SIGN_TOKEN_GIVEN: u32 = 512;
    pub const SIGN_TOKEN: u32 = 1024;
}

/// Signs a request. `fields` holds, separated by NUL (which none of them can contain): the
/// method, the URL, the headers (a JSON array of `[name, value]` pairs), the payload hash, the
/// access key id, the secret, the session token, the region, the service and the time as ISO
/// text (each possibly empty); one string crosses instead of ten. Of the rest: `payload_hash` (hex SHA-256 of the body,
/// or empty) replaces hashing `body`; the time is `time_ms` (ms since the epoch) unless
/// `time_text` (ISO 8601 UTC) is given, else now. `expires` is the presigned URL's lifetime.
#[wasm_bindgen]
pub fn sign(fields: &str, body: &[u8], time_ms: f64, options: u32, expires: f64) -> String {
    let run = || -> Result<String> {
        let mut f = fields.split('\0');
        let mut next = || f.next().unwrap_or("");
        let (method, url, headers, payload_hash) = (next(), next(), next(), next());
        let (access_key_id, secret_access_key, session_token) = (next(), next(), next());
        let (region, service, time_text) = (next(), next(), next());
        let time =
            if !time_text.is_empty() { signing::parse_time(time_text)? } else { signing::time_from_ms(time_ms)? };
        let creds = Credentials::new(
            access_key_id,
            secret_access_key,
            (!session_token.is_empty()).then(|| session_token.to_string()),
        );
        let pairs = header_pairs(headers)?;
        let mut o = SignOptions::new(&creds, region, service, time);
        let has = |bit: u32| options & bit != 0;
        let presign = has(flag::PRESIGN);
        o.unsigned_payload = if has(flag::UNSIGNED_PAYLOAD_GIVEN) {
            has(flag::UNSIGNED_PAYLOAD)
        } else {
            // Presigned S3 URLs sign UNSIGNED-PAYLOAD (a browser GETs them with no body).
            presign && service == "s3"
        };
        if has(flag::DOUBLE_ENCODE_GIVEN) {
            o.double_encode = has(flag::DOUBLE_ENCODE);
        }
        if has(flag::NORMALIZE_PATH_GIVEN) {
            o.normalize_path = has(flag::NORMALIZE_PATH);
        }
        if has(flag::HASH_HEADER_GIVEN) {
            o.payload_hash_header = has(flag::HASH_HEADER);
        }
        if has(flag::SIGN_TOKEN_GIVEN) {
            o.sign_session_token = has(flag::SIGN_TOKEN);
        }
        if !payload_hash.is_empty() {
            o.payload_hash = Some(payload_hash);
        }
        let req = RequestParts { method, url, headers: &pairs, body };
        if presign {
            // The hash header is meaningless in a URL.
            o.payload_hash_header = false;
            if !(expires.fract() == 0.0 && (1.0..=604_800.0).contains(&expires)) {
                return Err(Error::invalid_argument(
                    "expiresIn",
                    "must be a whole number of seconds from 1 to 604800 (7 days)",
                ));
            }
            return signing::presign_url(&req, &o, expires as u64);
        }
        let mut out = String::with_capacity(512);
        for (k, v) in signing::sign_headers(&req, &o)? {
            out.push_str(k);
            out.push('\n');
            out.push_str(&v);
            out.push('\n');
        }
        Ok(out)
    };
    run().unwrap_or_else(|e| format!("!{}", error_json(&e)))
}

fn header_pairs(json: &str) -> Result<Vec<(String, String)>> {
    use crate::value::Value;
    let bad = || Error::invalid_argument("headers", "expected [name, value] pairs of strings");
    let Ok(Value::Array(items)) = crate::pyjson::parse_with(json, crate::pyjson::Surrogates::Refuse) else {
        return Err(bad());
    };
    items
        .into_iter()
        .map(|p| match p {
            Value::Array(kv) => match <[Value; 2]>::try_from(kv) {
                Ok([Value::String(k), Value::String(v)]) => Ok((k, v)),
                _ => Err(bad()),
            },
            _ => Err(bad()),
        })
        .collect()
}

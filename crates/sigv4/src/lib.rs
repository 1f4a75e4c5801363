//! # magnus-s3-sigv4
//!
//! AWS SigV4 for magnus-s3: header signing and presigned URLs, with the S3 settings (single URI
//! encoding, no path normalization, `x-amz-content-sha256`) or the generic ones, chosen as data.
//! The canonical request is built by [`canonical`] from strings (checked against aws-sigv4's own
//! `http_request::sign` on the AWS suite and on 100,000 generated requests, in magnus-s3's
//! tests); aws-sigv4 does the signing math, with the derived signing key cached per secret, day,
//! region and service. Time is an input; this crate never reads a clock.
//!
//! A crate of its own so it can be built for speed (opt-level 3: signing is the hot path) while
//! the rest of the npm package's wasm is built for size.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod canonical;

use std::borrow::Cow;
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use aws_sigv4::sign::v4;
use sha2::{Digest, Sha256};

/// What went wrong: the argument at fault and why (the message names the value, never a secret).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    /// The argument at fault (`url`, `date`, `request`, `payloadHash`, `expiresIn`).
    pub argument: &'static str,
    /// What is wrong with it.
    pub message: String,
}

impl Error {
    pub(crate) fn invalid_argument(argument: &'static str, message: impl Into<String>) -> Self {
        Error { argument, message: message.into() }
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "invalid {}: {}", self.argument, self.message)
    }
}

impl std::error::Error for Error {}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// AWS credentials. `Debug` never prints the secret or the token.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    /// Access key id (not secret, but identifying).
    pub access_key_id: String,
    /// Secret access key.
    pub secret_access_key: String,
    /// Session token of temporary credentials.
    pub session_token: Option<String>,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"** redacted **")
            .field("session_token", &self.session_token.as_ref().map(|_| "** redacted **"))
            .finish()
    }
}

impl Credentials {
    /// Credentials from explicit values.
    pub fn new(
        access_key_id: impl Into<String>,
        secret_access_key: impl Into<String>,
        session_token: Option<String>,
    ) -> Self {
        Credentials { access_key_id: access_key_id.into(), secret_access_key: secret_access_key.into(), session_token }
    }
}

/// `s` as a JSON string literal (quotes, `\\`, and escapes for control characters), for naming a
/// user's value inside a message; the crate `magnus-s3` uses it for all of its messages. Not
/// `{:?}`: the package's wasm is built without Debug formatting (`-Zfmt-debug=none`), and Debug
/// is not a message format anyway.
pub fn quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The date of day number `z` (days since 1970-01-01): year, month 1-12, day 1-31
/// (H. Hinnant's `civil_from_days`); the crate `magnus-s3`'s dates use it too.
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(month <= 2), month, day)
}

/// How to sign: who, where, when, and the canonicalization switches.
#[derive(Debug, Clone)]
pub struct SignOptions<'a> {
    /// The signing identity.
    pub credentials: &'a Credentials,
    /// Signing region, e.g. `eu-west-1`.
    pub region: &'a str,
    /// Service name, e.g. `s3`, `sts`.
    pub service: &'a str,
    /// Signing time.
    pub time: SystemTime,
    /// Sign `UNSIGNED-PAYLOAD` instead of the body's SHA-256.
    pub unsigned_payload: bool,
    /// URI-encode the (already encoded) path again: true for every service but S3.
    pub double_encode: bool,
    /// Normalize `.`/`..`/`//` in the path: true for every service but S3.
    pub normalize_path: bool,
    /// Send `x-amz-content-sha256`: S3 requires it.
    pub payload_hash_header: bool,
    /// Include `x-amz-security-token` in the signature (it is sent either way).
    pub sign_session_token: bool,
    /// The body's SHA-256 (64 lower-case hex digits), computed by the caller: used instead of
    /// hashing the body (which is then not read).
    pub payload_hash: Option<&'a str>,
}

impl<'a> SignOptions<'a> {
    /// Defaults by service: S3 gets single encoding, no normalization and the payload hash header.
    pub fn new(credentials: &'a Credentials, region: &'a str, service: &'a str, time: SystemTime) -> Self {
        let s3 = service == "s3";
        SignOptions {
            credentials,
            region,
            service,
            time,
            unsigned_payload: false,
            double_encode: !s3,
            normalize_path: !s3,
            payload_hash_header: s3,
            sign_session_token: true,
            payload_hash: None,
        }
    }
}

/// A request to sign: the URL may hold raw spaces or non-ASCII; it is encoded once as sent.
#[derive(Debug, Clone, Copy)]
pub struct RequestParts<'a> {
    /// HTTP method.
    pub method: &'a str,
    /// Absolute URL.
    pub url: &'a str,
    /// Headers to sign (and send); `host` is taken from the URL.
    pub headers: &'a [(String, String)],
    /// The body.
    pub body: &'a [u8],
}

/// A time given as milliseconds since the epoch (a JS `Date`'s value), within [`check_time`]'s range.
pub fn time_from_ms(ms: f64) -> Result<SystemTime> {
    if !(ms.is_finite() && ms >= 0.0) {
        return Err(Error::invalid_argument("date", "not a valid time (NaN, infinite or before 1970)"));
    }
    check_time(SystemTime::UNIX_EPOCH + Duration::from_millis(ms as u64))
}

/// The times SigV4 can be signed at: 1970-01-01 to 9999-12-31 (its date stamps have four-digit
/// years).
pub fn check_time(t: SystemTime) -> Result<SystemTime> {
    const LAST: u64 = 253_402_300_799; // 9999-12-31T23:59:59Z
    match t.duration_since(SystemTime::UNIX_EPOCH) {
        Ok(d) if d.as_secs() <= LAST => Ok(t),
        _ => Err(Error::invalid_argument("date", "outside the years 1970 to 9999 that SigV4 dates can express")),
    }
}

/// Checks that `url` is absolute `http://` or `https://` with a host: SigV4 signs the host, and
/// `fetch` needs one.
pub fn check_url(url: &str) -> Result<()> {
    let rest = ["https://", "http://"].iter().find_map(|scheme| {
        url.get(..scheme.len()).filter(|s| s.eq_ignore_ascii_case(scheme)).map(|_| &url[scheme.len()..])
    });
    let bad = |why: &str| Error::invalid_argument("url", format!("{} {why}", quoted(url)));
    let Some(rest) = rest else { return Err(bad("is not an absolute http:// or https:// URL")) };
    let host = &rest.as_bytes()[..rest.bytes().position(|b| matches!(b, b'/' | b'?' | b'#')).unwrap_or(rest.len())];
    if host.is_empty() {
        return Err(bad("has no host"));
    }
    if host.iter().any(|&b| matches!(b, b'@' | b' ' | b'\\') || b < 0x20 || b == 0x7f)
        || !rest.is_char_boundary(host.len())
    {
        return Err(bad("has user info or characters a host cannot have"));
    }
    Ok(())
}

/// Percent-encodes what may not appear raw in a URL (space, non-ASCII, controls), keeping
/// existing `%XX` escapes, so the URL parses and is signed exactly as `fetch` sends it.
pub fn sendable_url(url: &str) -> Cow<'_, str> {
    const OK: canonical::Bytes = canonical::Bytes::alphanumeric_and(b"-._~:/?#[]@!$&'()*+,;=%");
    if url.bytes().all(|b| OK.has(b)) {
        return Cow::Borrowed(url);
    }
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(url.len() + 16);
    for b in url.bytes() {
        if OK.has(b) {
            out.push(b as char);
        } else {
            out.push('%');
            out.push(HEX[usize::from(b >> 4)] as char);
            out.push(HEX[usize::from(b & 15)] as char);
        }
    }
    Cow::Owned(out)
}

/// Header values as signed: obsolete line folding becomes one space (fetch cannot send newlines).
fn unfold(v: &str) -> Cow<'_, str> {
    if v.bytes().any(|b| b == b'\n' || b == b'\r') {
        Cow::Owned(v.split(['\n', '\r']).map(str::trim).filter(|s| !s.is_empty()).collect::<Vec<_>>().join(" "))
    } else {
        Cow::Borrowed(v)
    }
}

/// Lower-case hex.
fn hex(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(HEX[usize::from(b >> 4)] as char);
        out.push(HEX[usize::from(b & 15)] as char);
    }
    out
}

/// SHA-256 of no bytes, the payload hash of every request without a body.
const EMPTY_SHA256: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/// `YYYYMMDDTHHMMSSZ`.
fn amz_date(t: SystemTime) -> String {
    let secs = t.duration_since(SystemTime::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let (y, m, d) = civil_from_days((secs / 86_400) as i64);
    let s = secs % 86_400;
    format!("{y:04}{m:02}{d:02}T{:02}{:02}{:02}Z", s / 3600, s / 60 % 60, s % 60)
}

/// Derived signing keys (HMAC chain of secret, day, region, service) by those four: one per day
/// and scope is enough, so a key is derived once, not per signature.
static KEYS: Mutex<Vec<CachedKey>> = Mutex::new(Vec::new());

/// Secret, day, region, service, and the key derived from them.
type CachedKey = (String, String, String, String, [u8; 32]);

fn signing_key(secret: &str, time: SystemTime, day: &str, region: &str, service: &str) -> [u8; 32] {
    let found = KEYS.lock().ok().and_then(|keys| {
        keys.iter().find(|(s, d, r, n, _)| s == secret && d == day && r == region && n == service).map(|k| k.4)
    });
    if let Some(key) = found {
        return key;
    }
    let mut key = [0u8; 32];
    key.copy_from_slice(v4::generate_signing_key(secret, time, region, service).as_ref());
    if let Ok(mut keys) = KEYS.lock() {
        if keys.len() >= 8 {
            keys.remove(0);
        }
        keys.push((secret.into(), day.into(), region.into(), service.into(), key));
    }
    key
}

/// What a signature covers, and the signature.
struct Signed {
    date_time: String,
    scope: String,
    signed_headers: String,
    payload_hash: String,
    signature: String,
}

fn bad_hash() -> Error {
    Error::invalid_argument("payloadHash", "expected the body's SHA-256 as 64 lower-case hex digits")
}

/// Builds the canonical request and the string to sign, and signs it. `presign_expires` selects
/// query signing (with these seconds).
fn run(req: &RequestParts<'_>, opts: &SignOptions<'_>, presign_expires: Option<u64>) -> Result<Signed> {
    check_url(req.url)?;
    check_time(opts.time)?;
    let url = sendable_url(req.url);
    let u = canonical::parse_url(&url)?;
    let creds = opts.credentials;
    let date_time = amz_date(opts.time);
    let day = &date_time[..8];
    let scope = format!("{day}/{}/{}/aws4_request", opts.region, opts.service);
    let payload_hash = match (opts.unsigned_payload, opts.payload_hash) {
        (true, _) => "UNSIGNED-PAYLOAD".to_string(),
        (false, Some(h)) if h.len() == 64 && h.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) => h.into(),
        (false, Some(_)) => return Err(bad_hash()),
        (false, None) if req.body.is_empty() => EMPTY_SHA256.to_string(),
        (false, None) => hex(&Sha256::digest(req.body)),
    };

    // Canonical headers: the caller's (names lower-cased, values trimmed), host, and for header
    // signing x-amz-date, the token and the payload hash, each replacing any the caller gave.
    let mut headers: Vec<(String, String)> = Vec::with_capacity(req.headers.len() + 4);
    for (k, v) in req.headers {
        headers.push((canonical::header_name(k)?, canonical::header_value(&unfold(v))?));
    }
    if !headers.iter().any(|(k, _)| k == "host") {
        headers.push(("host".into(), u.host.to_string()));
    }
    let mut set = |name: &str, value: &str| {
        headers.retain(|(k, _)| k != name);
        headers.push((name.into(), value.into()));
    };
    if presign_expires.is_none() {
        set("x-amz-date", &date_time);
        if let Some(token) = &creds.session_token {
            set("x-amz-security-token", &canonical::header_value(token)?);
        }
        if opts.payload_hash_header {
            set("x-amz-content-sha256", &payload_hash);
        }
    }
    let mut names: Vec<&str> = headers.iter().map(|(k, _)| k.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    names.retain(|n| {
        !canonical::NEVER_SIGNED.contains(n)
            && (*n != "x-amz-security-token" || opts.sign_session_token)
            && !(presign_expires.is_some() && (*n == "x-amz-user-agent" || *n == "x-amz-checksum-mode"))
    });
    let signed_headers = names.join(";");

    let path = if opts.normalize_path { Cow::Owned(canonical::normalize_path(u.path)) } else { Cow::Borrowed(u.path) };
    let path = if opts.double_encode {
        let mut out = String::with_capacity(path.len() + 8);
        canonical::encode(&path, true, &mut out);
        Cow::Owned(out)
    } else {
        path
    };
    let credential = format!("{}/{scope}", creds.access_key_id);
    let expires = presign_expires.map(|e| e.to_string());
    let mut extra: Vec<(&str, &str)> = Vec::new();
    if let Some(expires) = &expires {
        extra.extend([
            ("X-Amz-Date", date_time.as_str()),
            ("X-Amz-Expires", expires.as_str()),
            ("X-Amz-Algorithm", "AWS4-HMAC-SHA256"),
            ("X-Amz-Credential", credential.as_str()),
            ("X-Amz-SignedHeaders", signed_headers.as_str()),
        ]);
        if let (Some(token), true) = (&creds.session_token, opts.sign_session_token) {
            extra.push(("X-Amz-Security-Token", token));
        }
    }
    let query = canonical::canonical_query(u.query, &extra);

    let mut creq = String::with_capacity(256 + query.len() + path.len());
    for part in [req.method, &path, &query] {
        creq.push_str(part);
        creq.push('\n');
    }
    for name in &names {
        creq.push_str(name);
        creq.push(':');
        let mut first = true;
        for (_, v) in headers.iter().filter(|(k, _)| k == name) {
            if !first {
                creq.push(',');
            }
            creq.push_str(v);
            first = false;
        }
        creq.push('\n');
    }
    creq.push('\n');
    creq.push_str(&signed_headers);
    creq.push('\n');
    creq.push_str(&payload_hash);

    let string_to_sign = format!("AWS4-HMAC-SHA256\n{date_time}\n{scope}\n{}", hex(&Sha256::digest(creq.as_bytes())));
    let key = signing_key(&creds.secret_access_key, opts.time, day, opts.region, opts.service);
    let signature = v4::calculate_signature(key, string_to_sign.as_bytes());
    Ok(Signed { date_time, scope, signed_headers, payload_hash, signature })
}

/// Signs into headers; returns the headers to add (`x-amz-date`, `authorization`, and
/// `x-amz-content-sha256` / `x-amz-security-token` where they apply).
pub fn sign_headers(req: &RequestParts<'_>, opts: &SignOptions<'_>) -> Result<Vec<(&'static str, String)>> {
    let s = run(req, opts, None)?;
    let mut out = vec![
        ("x-amz-date", s.date_time),
        (
            "authorization",
            format!(
                "AWS4-HMAC-SHA256 Credential={}/{}, SignedHeaders={}, Signature={}",
                opts.credentials.access_key_id, s.scope, s.signed_headers, s.signature
            ),
        ),
    ];
    if opts.payload_hash_header {
        out.push(("x-amz-content-sha256", s.payload_hash));
    }
    if let Some(token) = &opts.credentials.session_token {
        out.push(("x-amz-security-token", token.clone()));
    }
    Ok(out)
}

/// Presigns into the query string; returns the URL to use (valid `expires_in` seconds, 1 to
/// 604800). The parameters follow the order of the AWS suite's signed requests.
pub fn presign_url(req: &RequestParts<'_>, opts: &SignOptions<'_>, expires_in: u64) -> Result<String> {
    if !(1..=604_800).contains(&expires_in) {
        return Err(Error::invalid_argument("expiresIn", "must be 1 to 604800 seconds (7 days)"));
    }
    let s = run(req, opts, Some(expires_in))?;
    let credential = format!("{}/{}", opts.credentials.access_key_id, s.scope);
    let expires = expires_in.to_string();
    let mut params: Vec<(&str, &str)> = vec![
        ("X-Amz-Algorithm", "AWS4-HMAC-SHA256"),
        ("X-Amz-Credential", &credential),
        ("X-Amz-Date", &s.date_time),
        ("X-Amz-SignedHeaders", &s.signed_headers),
        ("X-Amz-Expires", &expires),
    ];
    if let Some(token) = &opts.credentials.session_token {
        params.push(("X-Amz-Security-Token", token));
    }
    params.push(("X-Amz-Signature", &s.signature));
    Ok(with_query(&sendable_url(req.url), &params))
}

/// `url` with `params` appended to its query, each encoded as SigV4 canonicalizes it; the path
/// is `/` when empty and a fragment is dropped, as the signature was computed.
fn with_query(url: &str, params: &[(&str, &str)]) -> String {
    let url = url.split_once('#').map_or(url, |(u, _)| u);
    let mut out = String::with_capacity(url.len() + 600);
    out.push_str(url);
    let authority_at = url.find("://").map_or(0, |i| i + 3);
    if !url[authority_at..].contains(['/', '?']) {
        out.push('/');
    } else if let Some(q) = url.find('?').filter(|&q| !url[authority_at..q].contains('/')) {
        out.insert(q, '/');
    }
    let mut sep = match url.split_once('?') {
        None => Some('?'),
        Some((_, "")) => None,
        Some(_) => Some('&'),
    };
    for (k, v) in params {
        if let Some(c) = sep {
            out.push(c);
        }
        sep = Some('&');
        canonical::encode(k, false, &mut out);
        out.push('=');
        canonical::encode(v, false, &mut out);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: u64) -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(secs)
    }

    // AWS's documented S3 example (GET Object, "Examples: Signature Calculations in AWS Signature
    // Version 4"): bucket examplebucket, 2013-05-24T00:00:00Z, Range header.
    #[test]
    fn s3_documented_get_object_example() {
        let creds = Credentials::new("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", None);
        let opts = SignOptions::new(&creds, "us-east-1", "s3", at(1369353600));
        let headers = vec![("range".to_string(), "bytes=0-9".to_string())];
        let req = RequestParts {
            method: "GET",
            url: "https://examplebucket.s3.amazonaws.com/test.txt",
            headers: &headers,
            body: b"",
        };
        let out = sign_headers(&req, &opts).unwrap();
        let auth = &out.iter().find(|(k, _)| *k == "authorization").unwrap().1;
        assert_eq!(
            auth,
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, \
             SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, \
             Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"
        );
    }

    // Same source, "Example: presigned URL".
    #[test]
    fn s3_documented_presigned_url_example() {
        let creds = Credentials::new("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", None);
        let mut opts = SignOptions::new(&creds, "us-east-1", "s3", at(1369353600));
        opts.unsigned_payload = true;
        let req = RequestParts {
            method: "GET",
            url: "https://examplebucket.s3.amazonaws.com/test.txt",
            headers: &[],
            body: b"",
        };
        let url = presign_url(&req, &opts, 86400).unwrap();
        assert!(
            url.ends_with("X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404"),
            "{url}"
        );
    }

    #[test]
    fn raw_spaces_and_unicode_are_encoded_once() {
        assert_eq!(sendable_url("http://h/a b/ü?x=1 2"), "http://h/a%20b/%C3%BC?x=1%202");
        assert_eq!(sendable_url("http://h/a%20b"), "http://h/a%20b");
    }

    #[test]
    fn urls_dates_and_hashes_are_checked_before_signing() {
        let creds = Credentials::new("A", "S", None);
        let opts = SignOptions::new(&creds, "us-east-1", "s3", at(0));
        for url in ["/k", "example.com/k", "mailto:a@b", "http://", "https:///k", "http://u@h/k", "ftp://h/k", ""] {
            let req = RequestParts { method: "GET", url, headers: &[], body: b"" };
            assert!(sign_headers(&req, &opts).is_err(), "{url}");
        }
        let req = RequestParts { method: "GET", url: "HTTPS://h.example/k", headers: &[], body: b"" };
        assert!(sign_headers(&req, &opts).is_ok());
        let late = SignOptions::new(&creds, "us-east-1", "s3", at(253_402_300_800));
        assert!(sign_headers(&req, &late).is_err());
        assert!(time_from_ms(f64::NAN).is_err());
        assert!(time_from_ms(253_402_300_799_999.0).is_ok() && time_from_ms(253_402_300_800_000.0).is_err());
        let mut hashed = SignOptions::new(&creds, "us-east-1", "s3", at(0));
        hashed.payload_hash = Some("XYZ");
        assert!(sign_headers(&req, &hashed).is_err());
    }

    /// A precomputed hash signs exactly as hashing the body does.
    #[test]
    fn a_precomputed_payload_hash_gives_the_same_signature() {
        let creds = Credentials::new("AKIDEXAMPLE", "secret", None);
        let body = b"hello world";
        let req = RequestParts { method: "PUT", url: "https://h.example/k", headers: &[], body };
        let plain = sign_headers(&req, &SignOptions::new(&creds, "us-east-1", "s3", at(1_440_938_160))).unwrap();
        let mut o = SignOptions::new(&creds, "us-east-1", "s3", at(1_440_938_160));
        o.payload_hash = Some("b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9");
        let empty = RequestParts { body: b"", ..req };
        assert_eq!(sign_headers(&empty, &o).unwrap(), plain);
    }

    #[test]
    fn expiry_is_bounded() {
        let creds = Credentials::new("A", "S", None);
        let opts = SignOptions::new(&creds, "us-east-1", "s3", at(0));
        let req = RequestParts { method: "GET", url: "https://h/k", headers: &[], body: b"" };
        assert!(presign_url(&req, &opts, 0).is_err());
        assert!(presign_url(&req, &opts, 604_801).is_err());
    }
}

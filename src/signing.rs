//! AWS SigV4 over the `aws-sigv4` crate: header signing and presigned URLs, with the S3
//! settings (single URI encoding, no path normalization, `x-amz-content-sha256`) or the
//! generic ones, chosen as data. Time is an input; this module never reads a clock.

use std::borrow::Cow;
use std::time::{Duration, SystemTime};

use aws_sigv4::http_request::{
    sign, PayloadChecksumKind, PercentEncodingMode, SessionTokenMode, SignableBody, SignableRequest, SignatureLocation,
    SigningSettings, UriPathNormalizationMode,
};
use aws_sigv4::sign::v4;

use crate::credentials::Credentials;
use crate::error::{quoted, Error, Result};

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

    fn settings(&self, location: SignatureLocation, expires_in: Option<Duration>) -> SigningSettings {
        let mut s = SigningSettings::default();
        s.percent_encoding_mode =
            if self.double_encode { PercentEncodingMode::Double } else { PercentEncodingMode::Single };
        s.uri_path_normalization_mode =
            if self.normalize_path { UriPathNormalizationMode::Enabled } else { UriPathNormalizationMode::Disabled };
        s.payload_checksum_kind =
            if self.payload_hash_header { PayloadChecksumKind::XAmzSha256 } else { PayloadChecksumKind::NoHeader };
        s.session_token_mode =
            if self.sign_session_token { SessionTokenMode::Include } else { SessionTokenMode::Exclude };
        s.signature_location = location;
        s.expires_in = expires_in;
        s
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

fn bad_request(e: impl std::fmt::Display) -> Error {
    Error::invalid_argument("request", e.to_string())
}

/// Parses an RFC 3339 / ISO 8601 UTC time such as `2015-08-30T12:36:00Z` (what
/// `Date.prototype.toISOString` gives), within [`check_time`]'s range.
pub fn parse_time(text: &str) -> Result<SystemTime> {
    let t = crate::dates::parse_iso8601(text).ok_or_else(|| {
        Error::invalid_argument("date", format!("{} is not a UTC time like 2015-08-30T12:36:00Z", quoted(text)))
    })?;
    check_time(t)
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
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    if host.is_empty() {
        return Err(bad("has no host"));
    }
    if host.contains(['@', ' ', '\\']) || host.chars().any(|c| c.is_control()) {
        return Err(bad("has user info or characters a host cannot have"));
    }
    Ok(())
}

/// Percent-encodes what may not appear raw in a URL (space, non-ASCII, controls), keeping
/// existing `%XX` escapes, so the URL parses and is signed exactly as `fetch` sends it.
pub fn sendable_url(url: &str) -> Cow<'_, str> {
    let ok = |b: u8| b.is_ascii_alphanumeric() || b"-._~:/?#[]@!$&'()*+,;=%".contains(&b);
    if url.bytes().all(ok) {
        return Cow::Borrowed(url);
    }
    let mut out = String::with_capacity(url.len() + 16);
    for b in url.bytes() {
        if ok(b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    Cow::Owned(out)
}

/// Header values as signed: obsolete line folding becomes one space (fetch cannot send newlines).
fn unfold(v: &str) -> Cow<'_, str> {
    if v.contains(['\n', '\r']) {
        Cow::Owned(v.split(['\n', '\r']).map(str::trim).filter(|s| !s.is_empty()).collect::<Vec<_>>().join(" "))
    } else {
        Cow::Borrowed(v)
    }
}

fn run<'a>(
    req: &RequestParts<'a>,
    opts: &SignOptions<'_>,
    location: SignatureLocation,
    expires_in: Option<Duration>,
) -> Result<aws_sigv4::http_request::SigningInstructions> {
    check_url(req.url)?;
    check_time(opts.time)?;
    let c = opts.credentials;
    let identity = aws_credential_types::Credentials::new(
        c.access_key_id.clone(),
        c.secret_access_key.clone(),
        c.session_token.clone(),
        None,
        "magnus-s3",
    )
    .into();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(opts.region)
        .name(opts.service)
        .time(opts.time)
        .settings(opts.settings(location, expires_in))
        .build()
        .map_err(bad_request)?
        .into();
    let headers: Vec<(&str, Cow<'_, str>)> = req.headers.iter().map(|(k, v)| (k.as_str(), unfold(v))).collect();
    let body = match (opts.unsigned_payload, opts.payload_hash) {
        (true, _) => SignableBody::UnsignedPayload,
        (false, Some(hash)) => {
            if hash.len() != 64 || !hash.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
                return Err(Error::invalid_argument(
                    "payloadHash",
                    "expected the body's SHA-256 as 64 lower-case hex digits",
                ));
            }
            SignableBody::Precomputed(hash.to_string())
        }
        (false, None) => SignableBody::Bytes(req.body),
    };
    let signable =
        SignableRequest::new(req.method, sendable_url(req.url), headers.iter().map(|(k, v)| (*k, v.as_ref())), body)
            .map_err(bad_request)?;
    let (instructions, _signature) = sign(signable, &params).map_err(bad_request)?.into_parts();
    Ok(instructions)
}

/// Signs into headers; returns the headers to add (`authorization`, `x-amz-date`, and
/// `x-amz-content-sha256` / `x-amz-security-token` where they apply).
pub fn sign_headers(req: &RequestParts<'_>, opts: &SignOptions<'_>) -> Result<Vec<(&'static str, String)>> {
    let instructions = run(req, opts, SignatureLocation::Headers, None)?;
    let (headers, _) = instructions.into_parts();
    Ok(headers.into_iter().map(|h| (h.name(), h.value().to_string())).collect())
}

/// Presigns into the query string; returns the URL to use (valid `expires_in` seconds, 1 to 604800).
pub fn presign_url(req: &RequestParts<'_>, opts: &SignOptions<'_>, expires_in: u64) -> Result<String> {
    if !(1..=604_800).contains(&expires_in) {
        return Err(Error::invalid_argument("expiresIn", "must be 1 to 604800 seconds (7 days)"));
    }
    let instructions = run(req, opts, SignatureLocation::QueryParams, Some(Duration::from_secs(expires_in)))?;
    let (_, params) = instructions.into_parts();
    Ok(with_query(&sendable_url(req.url), &params))
}

/// `url` with `params` appended to its query, encoded as SigV4 canonicalizes them; what
/// aws-sigv4's `apply_to_request_http1x` produces, without building an `http::Request`.
fn with_query(url: &str, params: &[(&str, Cow<'_, str>)]) -> String {
    // http::Uri drops a fragment and gives an empty path `/`; the signature was computed so.
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
        out.push_str(&crate::config::encode_query_value(k));
        out.push('=');
        out.push_str(&crate::config::encode_query_value(v));
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

    /// The URL assembly gives what aws-sigv4's own http::Request path gives.
    #[test]
    fn presigned_urls_match_aws_sigv4_applied_to_an_http_request() {
        let creds =
            Credentials::new("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", Some("tok/en+=".into()));
        let opts = SignOptions::new(&creds, "us-east-1", "s3", at(1369353600));
        for url in [
            "https://h.example/k",
            "https://h.example",
            "https://h.example?x=1",
            "https://h.example:9000/b/a%20b/c?",
            "http://127.0.0.1:5004/bucket/run id/ü.json?versionId=3&a=b%2Fc",
            "https://h.example/k#frag",
        ] {
            let req = RequestParts { method: "GET", url, headers: &[], body: b"" };
            let ours = presign_url(&req, &opts, 900).unwrap();
            let instructions =
                run(&req, &opts, SignatureLocation::QueryParams, Some(Duration::from_secs(900))).unwrap();
            let mut http_req = http::Request::builder().uri(sendable_url(url).as_ref()).body(()).unwrap();
            instructions.apply_to_request_http1x(&mut http_req);
            assert_eq!(ours, http_req.uri().to_string(), "{url}");
        }
    }

    #[test]
    fn urls_dates_and_hashes_are_checked_before_signing() {
        let creds = Credentials::new("A", "S", None);
        let opts = SignOptions::new(&creds, "us-east-1", "s3", at(0));
        for url in ["/k", "example.com/k", "mailto:a@b", "http://", "https:///k", "http://u@h/k", "ftp://h/k", ""] {
            let req = RequestParts { method: "GET", url, headers: &[], body: b"" };
            assert!(matches!(sign_headers(&req, &opts), Err(Error::InvalidArgument { .. })), "{url}");
        }
        let req = RequestParts { method: "GET", url: "HTTPS://h.example/k", headers: &[], body: b"" };
        assert!(sign_headers(&req, &opts).is_ok());
        let late = SignOptions::new(&creds, "us-east-1", "s3", at(253_402_300_800));
        assert!(matches!(sign_headers(&req, &late), Err(Error::InvalidArgument { .. })));
        assert!(parse_time("10000-01-01T00:00:00Z").is_err() && time_from_ms(f64::NAN).is_err());
        assert!(time_from_ms(253_402_300_799_999.0).is_ok() && time_from_ms(253_402_300_800_000.0).is_err());
        let mut hashed = SignOptions::new(&creds, "us-east-1", "s3", at(0));
        hashed.payload_hash = Some("XYZ");
        assert!(matches!(sign_headers(&req, &hashed), Err(Error::InvalidArgument { .. })));
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

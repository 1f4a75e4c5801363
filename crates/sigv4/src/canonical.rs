//! SigV4's canonical request, built directly from strings: what aws-sigv4's `http_request`
//! module builds through `http`'s types, without them (they cost the wasm ~20 KB gzip, Unicode's
//! lowercase table among it, and most of a signature's time). aws-sigv4 stays the reference:
//! `tests/sign_differential.rs` checks this against its `http_request::sign` on the AWS suite and
//! on 100,000 generated requests, and it does the signing math (`sign::v4`).
//!
//! The rules, as aws-sigv4 1.6 applies them (settings are [`super::SignOptions`]):
//! - URI: `scheme://authority/path?query#fragment`; the fragment is dropped, an empty path is `/`.
//! - path: with normalization, dot segments and empty segments removed (RFC 3986 5.2.4, trailing
//!   slash kept); with double encoding, the path encoded again (all but unreserved and `/`).
//! - query: `&`-separated pairs decoded as `application/x-www-form-urlencoded` (`+` is a space),
//!   then each key and value encoded (all but unreserved), sorted, joined with `&`.
//! - headers: names lower-cased (a name that is not a token is an error), values with spaces
//!   trimmed and runs of spaces collapsed (control characters are an error); `host` from the
//!   authority (the default port dropped) unless given; `x-amz-date`, the session token and
//!   `x-amz-content-sha256` added for header signing; repeated names joined with `,` in order;
//!   sorted by name; `authorization`, `user-agent`, `x-amzn-trace-id` and `transfer-encoding`
//!   never signed (nor the token when it is not to be signed, nor `x-amz-user-agent` /
//!   `x-amz-checksum-mode` in a presigned URL).

use crate::{Error, Result};

/// The parts of an absolute URL that signing needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Url<'a> {
    /// `host`'s value: the authority, without the port when it is the scheme's default.
    pub host: &'a str,
    /// The path as sent (`/` when empty).
    pub path: &'a str,
    /// The query (without `?`), if there is one.
    pub query: Option<&'a str>,
}

/// A set of ASCII bytes as a 128-bit mask, tested in one step (bytes >= 128 are never in it).
#[derive(Clone, Copy)]
pub(super) struct Bytes(u128);

impl Bytes {
    /// Letters and digits, and `extra`.
    pub(super) const fn alphanumeric_and(extra: &[u8]) -> Bytes {
        let mut mask = 0u128;
        let mut c = 0;
        while c < 128 {
            if (c as u8).is_ascii_alphanumeric() {
                mask |= 1 << c;
            }
            c += 1;
        }
        let mut i = 0;
        while i < extra.len() {
            mask |= 1 << extra[i];
            i += 1;
        }
        Bytes(mask)
    }

    /// True if `b` is in the set.
    #[inline]
    pub(super) fn has(self, b: u8) -> bool {
        b < 128 && self.0 & (1 << b) != 0
    }
}

/// RFC 3986's unreserved bytes: what SigV4 never encodes.
pub(super) const UNRESERVED: Bytes = Bytes::alphanumeric_and(b"-._~");
const UNRESERVED_AND_SLASH: Bytes = Bytes::alphanumeric_and(b"-._~/");
const AUTHORITY: Bytes = Bytes::alphanumeric_and(b"-._~!$&'()*+,;=%:[]");
const PATH_QUERY: Bytes = Bytes::alphanumeric_and(b"-._~!$&'()*+,;=%:@/?[]");
const TOKEN: Bytes = Bytes::alphanumeric_and(b"!#$%&'*+-.^_`|~");

fn bad(what: &str) -> Error {
    Error::invalid_argument("request", format!("cannot sign it: {what}"))
}

/// Splits an already checked (`super::check_url`) and encoded URL.
pub(super) fn parse_url(url: &str) -> Result<Url<'_>> {
    let (scheme, rest) = url.split_once("://").ok_or_else(|| bad("no scheme"))?;
    let rest = &rest[..rest.bytes().position(|b| b == b'#').unwrap_or(rest.len())];
    let end = rest.bytes().position(|b| b == b'/' || b == b'?').unwrap_or(rest.len());
    let (authority, path_query) = rest.split_at(end);
    if authority.is_empty() || !authority.bytes().all(|b| AUTHORITY.has(b)) {
        return Err(bad("the host has characters a host cannot have"));
    }
    // host[:port], or [v6]:port
    let (host_part, port) = if let Some(v6) = authority.strip_prefix('[') {
        let close = v6.find(']').ok_or_else(|| bad("an IPv6 host without ']'"))?;
        let after = &v6[close + 1..];
        let port = match after.strip_prefix(':') {
            Some(p) => Some(p),
            None if after.is_empty() => None,
            None => return Err(bad("text after an IPv6 host")),
        };
        (&authority[..close + 2], port)
    } else {
        if authority.contains(['[', ']']) {
            return Err(bad("brackets outside an IPv6 host"));
        }
        match authority.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        }
    };
    if host_part.is_empty() {
        return Err(bad("an empty host"));
    }
    if let Some(p) = port {
        if p.is_empty()
            || p.len() > 5
            || !p.bytes().all(|b| b.is_ascii_digit())
            || p.parse::<u32>().map_or(true, |n| n > 65535)
        {
            return Err(bad("a port that is not a number from 0 to 65535"));
        }
    }
    let default_port =
        matches!((scheme.to_ascii_lowercase().as_str(), port), ("http", Some("80")) | ("https", Some("443")));
    let host = if default_port { host_part } else { authority };
    if !path_query.bytes().all(|b| PATH_QUERY.has(b)) {
        return Err(bad("the path or query has characters a URL cannot have"));
    }
    let (path, query) = match path_query.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (path_query, None),
    };
    Ok(Url { host, path: if path.is_empty() { "/" } else { path }, query })
}

/// RFC 3986 5.2.4 on an absolute path, as aws-sigv4 does it (empty segments go too).
pub(super) fn normalize_path(path: &str) -> String {
    let path = if path.starts_with('/') { path.to_string() } else { format!("/{path}") };
    if !path.contains('.') && !path.contains("//") {
        return path;
    }
    let mut segments: Vec<&str> = Vec::new();
    for s in path.split('/') {
        match s {
            "" | "." => {}
            ".." => {
                segments.pop();
            }
            other => segments.push(other),
        }
    }
    let mut out = format!("/{}", segments.join("/"));
    if ["/", "/.", "/./", "/..", "/../"].iter().any(|e| path.ends_with(e)) && !out.ends_with('/') {
        out.push('/');
    }
    out
}

const HEX: &[u8; 16] = b"0123456789ABCDEF";

/// Percent-encodes all but unreserved bytes (and `/` when `keep_slash`), upper-case hex: SigV4's
/// `UriEncode`, which S3 also uses for object keys.
pub fn encode(s: &str, keep_slash: bool, out: &mut String) {
    let keep = if keep_slash { UNRESERVED_AND_SLASH } else { UNRESERVED };
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if !keep.has(b) {
            // A run of kept bytes is ASCII that starts after a whole character: both ends are
            // character boundaries.
            if start < i {
                out.push_str(&s[start..i]);
            }
            out.push('%');
            out.push(HEX[usize::from(b >> 4)] as char);
            out.push(HEX[usize::from(b & 15)] as char);
            start = i + 1;
        }
    }
    if start < bytes.len() {
        // A multi-byte character's tail bytes are encoded one by one above; what is left is ASCII.
        out.push_str(std::str::from_utf8(&bytes[start..]).unwrap_or_default());
    }
}

/// `application/x-www-form-urlencoded` decoding of one key or value: `+` is a space, `%XX` a
/// byte (a malformed escape stays as it is), the bytes read as UTF-8 with U+FFFD for errors.
fn form_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < b.len() => {
                let hex = |c: u8| (c as char).to_digit(16);
                match (hex(b[i + 1]), hex(b[i + 2])) {
                    (Some(h), Some(l)) => {
                        out.push((h * 16 + l) as u8);
                        i += 2;
                    }
                    _ => out.push(b'%'),
                }
            }
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The canonical query string: the URL's parameters (decoded as forms are) and `extra`, each
/// encoded, sorted by key then value.
pub(super) fn canonical_query(query: Option<&str>, extra: &[(&str, &str)]) -> String {
    let mut pairs: Vec<(String, String)> = Vec::new();
    for piece in query.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
        let (k, v) = piece.split_once('=').unwrap_or((piece, ""));
        let (mut ek, mut ev) = (String::new(), String::new());
        encode(&form_decode(k), false, &mut ek);
        encode(&form_decode(v), false, &mut ev);
        pairs.push((ek, ev));
    }
    for (k, v) in extra {
        let (mut ek, mut ev) = (String::new(), String::new());
        encode(k, false, &mut ek);
        encode(v, false, &mut ev);
        pairs.push((ek, ev));
    }
    pairs.sort();
    let mut out = String::new();
    for (i, (k, v)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        out.push_str(k);
        out.push('=');
        out.push_str(v);
    }
    out
}

/// A header name as `http` accepts it: a token, lower-cased. (`to_lowercase` of a name is ASCII
/// only for ASCII names and the Kelvin sign, which lower-cases to `k`.)
pub(super) fn header_name(name: &str) -> Result<String> {
    let lower: String = if name.is_ascii() {
        name.to_ascii_lowercase()
    } else {
        name.chars().map(|c| if c == '\u{212A}' { 'k' } else { c.to_ascii_lowercase() }).collect()
    };
    if lower.is_empty() || !lower.bytes().all(|b| TOKEN.has(b)) {
        return Err(bad("a header name that is not a token"));
    }
    Ok(lower)
}

/// A header value with spaces trimmed and runs of spaces made one; control characters (but tab)
/// and DEL are an error, as `http` has them.
pub(super) fn header_value(value: &str) -> Result<String> {
    if value.bytes().any(|b| (b < 0x20 && b != b'\t') || b == 0x7f) {
        return Err(bad("a header value with a control character"));
    }
    let trimmed = value.trim_matches(' ');
    if !trimmed.contains("  ") {
        return Ok(trimmed.to_string());
    }
    let mut out = String::with_capacity(trimmed.len());
    let mut space = false;
    for c in trimmed.chars() {
        if c == ' ' {
            if space {
                continue;
            }
            space = true;
        } else {
            space = false;
        }
        out.push(c);
    }
    Ok(out)
}

/// Headers never signed (aws-sigv4's default exclusions).
pub(super) const NEVER_SIGNED: &[&str] = &["authorization", "user-agent", "x-amzn-trace-id", "transfer-encoding"];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_split_as_http_splits_them() {
        let u = parse_url("https://h.example:443/a/b?x=1#f").unwrap();
        assert_eq!((u.host, u.path, u.query), ("h.example", "/a/b", Some("x=1")));
        let u = parse_url("http://h:8080").unwrap();
        assert_eq!((u.host, u.path, u.query), ("h:8080", "/", None));
        let u = parse_url("http://[::1]:80/k?").unwrap();
        assert_eq!((u.host, u.path, u.query), ("[::1]", "/k", Some("")));
        for bad in ["http://h:99999/", "http://h:x/", "http://[::1/", "http://h]/", "http://h/a b"] {
            assert!(parse_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn paths_normalize_as_rfc_3986_says() {
        for (p, want) in [
            ("/", "/"),
            ("/a/./b/../c", "/a/c"),
            ("//a//b/", "/a/b/"),
            ("/a/b/..", "/a/"),
            ("/../..", "/"),
            ("/example1/example2/../..", "/"),
            ("/a/.", "/a/"),
        ] {
            assert_eq!(normalize_path(p), want, "{p}");
        }
    }

    #[test]
    fn queries_decode_as_forms_and_sort_encoded() {
        assert_eq!(canonical_query(Some("b=2&a=1&a=0&c"), &[]), "a=0&a=1&b=2&c=");
        assert_eq!(canonical_query(Some("x=a+b%20c&y=%zz&&z=%E1%88%B4"), &[]), "x=a%20b%20c&y=%25zz&z=%E1%88%B4");
        assert_eq!(canonical_query(None, &[("X-Amz-Date", "1"), ("a", "b/c")]), "X-Amz-Date=1&a=b%2Fc");
    }

    #[test]
    fn headers_trim_spaces_only() {
        assert_eq!(header_value("  a   b \t c  ").unwrap(), "a b \t c");
        assert!(header_value("a\nb").is_err() && header_value("a\u{7f}").is_err());
        assert_eq!(header_name("X-Amz-\u{212A}ey").unwrap(), "x-amz-key");
        assert!(header_name("a b").is_err() && header_name("").is_err() && header_name("ü").is_err());
    }
}

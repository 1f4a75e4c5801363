//! S3 requests as data and their answers parsed: no IO here. The store builds an
//! [`HttpRequest`] here, the transport sends it, and these functions read the [`HttpResponse`].

pub(crate) mod xml;

use crate::config::{encode_query_value, Endpoint};
use crate::error::Error;
use crate::http::{HttpRequest, HttpResponse};

/// A precondition on a write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Condition {
    /// Unconditional (last writer wins).
    None,
    /// Only if no object exists (`If-None-Match: *`).
    Absent,
    /// Only if the object still has this ETag (`If-Match`).
    Matches(String),
}

/// GetObject.
pub fn get_object(ep: &Endpoint, key: &str) -> HttpRequest {
    HttpRequest::new("GET", ep.object_url(key))
}

/// HeadObject.
pub fn head_object(ep: &Endpoint, key: &str) -> HttpRequest {
    HttpRequest::new("HEAD", ep.object_url(key))
}

/// DeleteObject.
pub fn delete_object(ep: &Endpoint, key: &str) -> HttpRequest {
    HttpRequest::new("DELETE", ep.object_url(key))
}

/// PutObject of a JSON document, with an optional precondition.
pub fn put_json(ep: &Endpoint, key: &str, body: Vec<u8>, condition: &Condition) -> HttpRequest {
    let mut headers = vec![("content-type".to_string(), "application/json".to_string())];
    match condition {
        Condition::None => {}
        Condition::Absent => headers.push(("if-none-match".into(), "*".into())),
        Condition::Matches(etag) => headers.push(("if-match".into(), etag.clone())),
    }
    HttpRequest { method: "PUT", url: ep.object_url(key), headers, body }
}

/// ListObjectsV2 under `prefix`, grouped by `delimiter`, after `start_after`.
pub fn list_objects_v2(
    ep: &Endpoint,
    prefix: &str,
    delimiter: Option<&str>,
    start_after: Option<&str>,
    continuation_token: Option<&str>,
    max_keys: u32,
) -> HttpRequest {
    // Parameters in canonical (sorted) order; every value encoded as SigV4 canonicalizes it.
    let mut q = vec![];
    if let Some(t) = continuation_token {
        q.push(format!("continuation-token={}", encode_query_value(t)));
    }
    if let Some(d) = delimiter {
        q.push(format!("delimiter={}", encode_query_value(d)));
    }
    q.push("list-type=2".into());
    q.push(format!("max-keys={max_keys}"));
    q.push(format!("prefix={}", encode_query_value(prefix)));
    if let Some(s) = start_after {
        q.push(format!("start-after={}", encode_query_value(s)));
    }
    HttpRequest::new("GET", format!("{}?{}", ep.bucket_url(), q.join("&")))
}

/// One object of a listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectInfo {
    /// Full key.
    pub key: String,
    /// ISO 8601 time.
    pub last_modified: String,
    /// ETag with quotes.
    pub etag: String,
    /// Size in bytes.
    pub size: u64,
}

/// One page of ListObjectsV2.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ListPage {
    /// Objects on this page.
    pub objects: Vec<ObjectInfo>,
    /// Grouped prefixes (with a delimiter).
    pub common_prefixes: Vec<String>,
    /// Token for the next page, when truncated.
    pub next_continuation_token: Option<String>,
}

/// Parses a ListBucketResult document.
pub fn parse_list(body: &[u8]) -> Result<ListPage, Error> {
    let text = std::str::from_utf8(body).map_err(|_| bad_answer("ListObjectsV2", "not UTF-8"))?;
    if !text.contains("<ListBucketResult") {
        return Err(bad_answer("ListObjectsV2", "no ListBucketResult element"));
    }
    let mut page = ListPage::default();
    for c in xml::elements(text, "Contents") {
        let key = xml::first(c, "Key").ok_or_else(|| bad_answer("ListObjectsV2", "Contents without Key"))?;
        page.objects.push(ObjectInfo {
            key,
            last_modified: xml::first(c, "LastModified").unwrap_or_default(),
            etag: xml::first(c, "ETag").unwrap_or_default(),
            size: xml::first(c, "Size").and_then(|s| s.trim().parse().ok()).unwrap_or(0),
        });
    }
    for p in xml::elements(text, "CommonPrefixes") {
        if let Some(prefix) = xml::first(p, "Prefix") {
            page.common_prefixes.push(prefix);
        }
    }
    let truncated = xml::first(text, "IsTruncated").is_some_and(|t| t.trim() == "true");
    page.next_continuation_token = xml::first(text, "NextContinuationToken").filter(|t| truncated && !t.is_empty());
    if truncated && page.next_continuation_token.is_none() {
        return Err(bad_answer("ListObjectsV2", "truncated without NextContinuationToken"));
    }
    Ok(page)
}

fn bad_answer(action: &str, what: &str) -> Error {
    Error::S3 {
        status: 200,
        code: "MalformedResponse".into(),
        message: format!("{action} answer: {what}"),
        request_id: None,
    }
}

/// Turns an error answer into [`Error::S3`] with S3's code, message and request id.
pub fn parse_error(resp: &HttpResponse) -> Error {
    let text = String::from_utf8_lossy(&resp.body);
    let code = xml::first(&text, "Code").unwrap_or_else(|| status_code_name(resp.status));
    let message = xml::first(&text, "Message").unwrap_or_default();
    let request_id = xml::first(&text, "RequestId")
        .or_else(|| resp.header("x-amz-request-id").map(str::to_string))
        .filter(|s| !s.is_empty());
    Error::S3 { status: resp.status, code, message, request_id }
}

/// The server's clock, when it refused a request as signed too far from it
/// (`403 RequestTimeTooSkewed` with a `Date` header).
pub fn skewed_server_time(resp: &HttpResponse) -> Option<std::time::SystemTime> {
    if resp.status != 403 || !String::from_utf8_lossy(&resp.body).contains("<Code>RequestTimeTooSkewed</Code>") {
        return None;
    }
    crate::dates::parse_http_date(resp.header("date")?)
}

fn status_code_name(status: u16) -> String {
    match status {
        301 => "PermanentRedirect",
        304 => "NotModified",
        400 => "BadRequest",
        403 => "Forbidden",
        404 => "NotFound",
        409 => "Conflict",
        412 => "PreconditionFailed",
        429 => "TooManyRequests",
        500 => "InternalError",
        501 => "NotImplemented",
        503 => "ServiceUnavailable",
        _ => return status.to_string(),
    }
    .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ep() -> Endpoint {
        Endpoint { origin: "http://127.0.0.1:9000".into(), path_style: true, bucket: "b".into() }
    }

    #[test]
    fn requests_are_plain_data() {
        let r = put_json(&ep(), "p/a b.json", b"{}".to_vec(), &Condition::Matches("\"e1\"".into()));
        assert_eq!(r.url, "http://127.0.0.1:9000/b/p/a%20b.json");
        assert!(r.headers.contains(&("if-match".into(), "\"e1\"".into())));
        assert!(r.headers.contains(&("content-type".into(), "application/json".into())));
        let l = list_objects_v2(&ep(), "p/", Some("/"), Some("p/x y"), None, 10);
        assert_eq!(
            l.url,
            "http://127.0.0.1:9000/b/?delimiter=%2F&list-type=2&max-keys=10&prefix=p%2F&start-after=p%2Fx%20y"
        );
    }

    #[test]
    fn parses_list_pages() {
        let body = br#"<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>b</Name><Prefix>p/</Prefix><KeyCount>2</KeyCount>
<MaxKeys>2</MaxKeys><IsTruncated>true</IsTruncated><NextContinuationToken>tok/=</NextContinuationToken>
<Contents><Key>p/a&amp;b.json</Key><LastModified>2026-11-25T10:00:00.000Z</LastModified><ETag>&quot;abc&quot;</ETag><Size>263</Size></Contents>
<CommonPrefixes><Prefix>p/chunked/</Prefix></CommonPrefixes></ListBucketResult>"#;
        let page = parse_list(body).unwrap();
        assert_eq!(page.objects[0].key, "p/a&b.json");
        assert_eq!(page.objects[0].etag, "\"abc\"");
        assert_eq!(page.objects[0].size, 263);
        assert_eq!(page.common_prefixes, ["p/chunked/"]);
        assert_eq!(page.next_continuation_token.as_deref(), Some("tok/="));
        assert!(parse_list(b"<Error/>").is_err());
    }

    #[test]
    fn parses_errors_with_and_without_body() {
        let resp = HttpResponse {
            status: 403,
            headers: vec![("x-amz-request-id".into(), "HDR".into())],
            body: b"<Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not match</Message><RequestId>R1</RequestId><StringToSign>x</StringToSign></Error>".to_vec(),
        };
        match parse_error(&resp) {
            Error::S3 { status, code, request_id, message } => {
                assert_eq!((status, code.as_str(), request_id.as_deref()), (403, "SignatureDoesNotMatch", Some("R1")));
                assert!(!message.contains("StringToSign"));
            }
            other => panic!("{other:?}"),
        }
        let head = HttpResponse { status: 404, headers: vec![("x-amz-request-id".into(), "HDR".into())], body: vec![] };
        assert!(
            matches!(parse_error(&head), Error::S3 { code, request_id: Some(id), .. } if code == "NotFound" && id == "HDR")
        );
    }
}

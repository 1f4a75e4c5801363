//! HTTP requests and answers as plain data: what the pure planners ([`crate::s3`],
//! [`crate::sts`]) build, what the store signs, and what a [`crate::host::Host`] sends.

/// An unsigned HTTP request to AWS (S3, or STS for `role_arn`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpRequest {
    /// `GET`, `PUT`, `HEAD`, `DELETE`, `POST`.
    pub method: &'static str,
    /// Absolute URL, already percent-encoded.
    pub url: String,
    /// Headers to send and sign (never `host` or `content-length`).
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl HttpRequest {
    /// A request without headers or body.
    pub fn new(method: &'static str, url: String) -> Self {
        HttpRequest { method, url, headers: Vec::new(), body: Vec::new() }
    }

    /// A header's value by lower-case name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

/// What came back.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HttpResponse {
    /// HTTP status.
    pub status: u16,
    /// Headers, names lower-cased.
    pub headers: Vec<(String, String)>,
    /// Body bytes.
    pub body: Vec<u8>,
}

impl HttpResponse {
    /// A response with a status and body, no headers.
    pub fn new(status: u16, body: impl Into<Vec<u8>>) -> Self {
        HttpResponse { status, headers: Vec::new(), body: body.into() }
    }

    /// A header's value by lower-case name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// The object's ETag, quotes included (as `If-Match` wants it).
    pub fn etag(&self) -> Option<&str> {
        self.header("etag")
    }

    /// True for 2xx.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

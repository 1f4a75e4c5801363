//! AWS SigV4, from the `magnus-s3-sigv4` crate (`crates/sigv4`: a lean canonical request over
//! aws-sigv4's signing math, built for speed), with its errors as this crate's and the one time
//! form it reads through [`crate::dates`].

use std::time::SystemTime;

pub use magnus_s3_sigv4::{canonical, check_time, check_url, sendable_url, RequestParts, SignOptions};

use crate::error::{quoted, Error, Result};

impl From<magnus_s3_sigv4::Error> for Error {
    fn from(e: magnus_s3_sigv4::Error) -> Self {
        Error::invalid_argument(e.argument, e.message)
    }
}

/// Parses an RFC 3339 / ISO 8601 UTC time such as `2015-08-30T12:36:00Z` (what
/// `Date.prototype.toISOString` gives), within the years SigV4 can sign.
pub fn parse_time(text: &str) -> Result<SystemTime> {
    let t = crate::dates::parse_iso8601(text).ok_or_else(|| {
        Error::invalid_argument("date", format!("{} is not a UTC time like 2015-08-30T12:36:00Z", quoted(text)))
    })?;
    Ok(check_time(t)?)
}

/// A time given as milliseconds since the epoch (a JS `Date`'s value), within the years SigV4
/// can sign.
pub fn time_from_ms(ms: f64) -> Result<SystemTime> {
    Ok(magnus_s3_sigv4::time_from_ms(ms)?)
}

/// Signs into headers; returns the headers to add (`x-amz-date`, `authorization`, and
/// `x-amz-content-sha256` / `x-amz-security-token` where they apply).
pub fn sign_headers(req: &RequestParts<'_>, opts: &SignOptions<'_>) -> Result<Vec<(&'static str, String)>> {
    Ok(magnus_s3_sigv4::sign_headers(req, opts)?)
}

/// Presigns into the query string; returns the URL (valid `expires_in` seconds, 1 to 604800).
pub fn presign_url(req: &RequestParts<'_>, opts: &SignOptions<'_>, expires_in: u64) -> Result<String> {
    Ok(magnus_s3_sigv4::presign_url(req, opts, expires_in)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_past_9999_and_bad_text_are_argument_errors() {
        assert!(matches!(parse_time("10000-01-01T00:00:00Z"), Err(Error::InvalidArgument { .. })));
        assert!(matches!(parse_time("yesterday"), Err(Error::InvalidArgument { .. })));
        assert!(matches!(time_from_ms(f64::NAN), Err(Error::InvalidArgument { .. })));
        assert!(parse_time("2015-08-30T12:36:00Z").is_ok());
    }
}

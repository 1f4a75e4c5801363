//! STS `AssumeRole` as data, for `role_arn`: the request to send (signed by the store with the
//! base credentials) and its answer parsed into temporary credentials and their expiry. Pure:
//! the store does the IO, and caches the credentials until shortly before they expire.

use std::time::SystemTime;

use crate::credentials::Credentials;
use crate::error::{Error, Result};
use crate::http::{HttpRequest, HttpResponse};
use crate::s3::xml;

/// The session name the store's assumed-role sessions carry (it shows in CloudTrail).
pub const SESSION_NAME: &str = "magnus-s3";

/// `POST {sts_url}/` with the form body of `AssumeRole` (API version 2011-06-15).
pub fn assume_role(sts_url: &str, role_arn: &str, duration_seconds: u32) -> HttpRequest {
    let body = format!(
        "Action=AssumeRole&Version=2011-06-15&RoleArn={}&RoleSessionName={SESSION_NAME}&DurationSeconds={duration_seconds}",
        crate::config::encode_query_value(role_arn)
    );
    HttpRequest {
        method: "POST",
        url: format!("{}/", sts_url.trim_end_matches('/')),
        headers: vec![("content-type".into(), "application/x-www-form-urlencoded; charset=utf-8".into())],
        body: body.into_bytes(),
    }
}

/// A refused `AssumeRole` as a [`Error::Credentials`] naming the role and STS's code.
pub fn parse_error(resp: &HttpResponse, role_arn: &str) -> Error {
    let (code, message) = match crate::s3::parse_error(resp) {
        Error::S3 { code, message, .. } => (code, message),
        other => (String::new(), other.to_string()),
    };
    Error::Credentials {
        variable: None,
        message: format!("STS AssumeRole of {role_arn} answered {} {code}: {message}", resp.status),
    }
}

/// The temporary credentials of an `AssumeRoleResponse`, and when they expire.
pub fn parse_assume_role(body: &[u8]) -> Result<(Credentials, SystemTime)> {
    let bad = |what: &str| Error::Credentials {
        variable: None,
        message: format!("STS AssumeRole answered something unexpected: {what}"),
    };
    let text = std::str::from_utf8(body).map_err(|_| bad("not UTF-8"))?;
    let creds = xml::elements(text, "Credentials").into_iter().next().ok_or_else(|| bad("no Credentials element"))?;
    let field = |tag: &str| xml::first(creds, tag).filter(|v| !v.is_empty());
    let access_key_id = field("AccessKeyId").ok_or_else(|| bad("no AccessKeyId"))?;
    let secret_access_key = field("SecretAccessKey").ok_or_else(|| bad("no SecretAccessKey"))?;
    let session_token = field("SessionToken").ok_or_else(|| bad("no SessionToken"))?;
    let expiration = field("Expiration")
        .and_then(|t| crate::dates::parse_iso8601(t.trim()))
        .ok_or_else(|| bad("no Expiration time"))?;
    Ok((Credentials::new(access_key_id, secret_access_key, Some(session_token)), expiration))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_is_the_form_sts_documents() {
        let req = assume_role("https://sts.eu-west-1.amazonaws.com/", "arn:aws:iam::123456789012:role/runs w", 900);
        assert_eq!(req.method, "POST");
        assert_eq!(req.url, "https://sts.eu-west-1.amazonaws.com/");
        assert_eq!(
            String::from_utf8(req.body).unwrap(),
            "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fruns%20w\
             &RoleSessionName=magnus-s3&DurationSeconds=900"
        );
    }

    // The answer AWS documents for AssumeRole (trimmed), with its XML namespace and escapes.
    #[test]
    fn answer_gives_credentials_and_expiry() {
        let body = br#"<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleResult>
    <SourceIdentity>Alice</SourceIdentity>
    <AssumedRoleUser><Arn>arn:aws:sts::123456789012:assumed-role/demo/TestAR</Arn><AssumedRoleId>ARO123EXAMPLE123:TestAR</AssumedRoleId></AssumedRoleUser>
    <Credentials>
      <AccessKeyId>ASIAIOSFODNN7EXAMPLE</AccessKeyId>
      <SecretAccessKey>wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY</SecretAccessKey>
      <SessionToken>AQoDYXdzEPT//////////wEXAMPLEtc764&amp;bNrC</SessionToken>
      <Expiration>2019-11-09T13:34:41Z</Expiration>
    </Credentials>
    <PackedPolicySize>6</PackedPolicySize>
  </AssumeRoleResult>
  <ResponseMetadata><RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId></ResponseMetadata>
</AssumeRoleResponse>"#;
        let (c, expires) = parse_assume_role(body).unwrap();
        assert_eq!(c.access_key_id, "ASIAIOSFODNN7EXAMPLE");
        assert_eq!(c.secret_access_key, "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY");
        assert_eq!(c.session_token.as_deref(), Some("AQoDYXdzEPT//////////wEXAMPLEtc764&bNrC"));
        assert_eq!(expires, crate::dates::parse_iso8601("2019-11-09T13:34:41Z").unwrap());
    }

    #[test]
    fn incomplete_answers_are_credentials_errors_without_secrets() {
        for body in [
            &b"<AssumeRoleResponse/>"[..],
            b"<Credentials><AccessKeyId>A</AccessKeyId></Credentials>",
            b"<Credentials><AccessKeyId>A</AccessKeyId><SecretAccessKey>topsecret</SecretAccessKey><SessionToken>T</SessionToken><Expiration>soon</Expiration></Credentials>",
            b"\xff",
        ] {
            match parse_assume_role(body) {
                Err(e @ Error::Credentials { .. }) => assert!(!e.to_string().contains("topsecret"), "{e}"),
                other => panic!("{other:?}"),
            }
        }
    }
}

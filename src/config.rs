//! The store configuration: magnus's `run_log_store` block (or its inner `config`) with
//! magnus-extensions' keys and defaults, our additions (`endpoint_url`, `force_path_style`,
//! `layout`, `request_timeout_seconds`), where objects live (endpoint, addressing) and how run ids become keys.

use crate::value::Value;

use crate::credentials::Env;
use crate::error::{quoted, Error, Result};

/// How a run log is laid out in the bucket (serializes as `"single"` / `"chunked"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Layout {
    /// One object per run, `<prefix>/<run_id>.json`: what magnus's `s3` store writes.
    Single,
    /// One object per run header, parameter, step and branch under `<prefix>/<run_id>/`.
    Chunked,
}

impl Layout {
    /// `"single"` or `"chunked"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Layout::Single => "single",
            Layout::Chunked => "chunked",
        }
    }
}

/// The S3 run log store's configuration, defaults as in magnus-extensions 0.2.13.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// Profile name in the shared credentials file (`''`: the standard variables, else `[default]`).
    pub aws_profile: String,
    /// Take credentials from the variables named by the three `*_name` keys.
    pub use_credentials: bool,
    /// Signing region; default `eu-west-1`.
    pub region: String,
    /// Credentials file path; default `~/.aws/credentials`.
    pub aws_credentials_file: String,
    /// Name of the variable holding the access key id.
    pub aws_access_key_name: String,
    /// Name of the variable holding the secret access key.
    pub aws_secret_access_key_name: String,
    /// Name of the variable holding the session token (optional variable).
    pub aws_session_key_name: String,
    /// A role to assume with STS `AssumeRole` (credentials from the other keys sign that call).
    pub role_arn: String,
    /// AssumeRole duration.
    pub session_duration_in_seconds: u32,
    /// The bucket.
    pub s3_bucket: String,
    /// Key prefix, leading and trailing `/` stripped as magnus does.
    pub prefix: String,
    /// S3-compatible endpoint (MinIO, R2, SeaweedFS); else `AWS_ENDPOINT_URL_S3` /
    /// `AWS_ENDPOINT_URL` from the environment; else AWS.
    pub endpoint_url: Option<String>,
    /// Path-style addressing (`endpoint/bucket/key`). Default: true for custom endpoints,
    /// false for AWS (virtual-hosted, `bucket.s3.region.amazonaws.com`).
    pub force_path_style: Option<bool>,
    /// Object layout.
    pub layout: Layout,
    /// Seconds one HTTP request may take before it counts as a network failure (and is retried
    /// like one); default 60.
    pub request_timeout_seconds: u32,
    /// Most ListObjectsV2 pages one call may request (default 1000, a million keys): a server
    /// that keeps answering "truncated" ends in an error instead of an endless loop.
    pub max_list_pages: u32,
    /// Keep the run index (`<prefix>/.magnus-index/`, see [`crate::index`]) on every run-level
    /// change; default true.
    pub run_index: bool,
    /// Test-only: write without conditions (magnus's last-writer-wins), to show the updates
    /// conditional writes save. Never set it otherwise.
    pub unsafe_last_writer_wins: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            aws_profile: String::new(),
            use_credentials: false,
            region: "eu-west-1".into(),
            aws_credentials_file: crate::credentials::DEFAULT_CREDENTIALS_FILE.into(),
            aws_access_key_name: "AWS_ACCESS_KEY_ID".into(),
            aws_secret_access_key_name: "AWS_SECRET_ACCESS_KEY".into(),
            aws_session_key_name: "AWS_SESSION_TOKEN".into(),
            role_arn: String::new(),
            session_duration_in_seconds: 900,
            s3_bucket: String::new(),
            prefix: String::new(),
            endpoint_url: None,
            force_path_style: None,
            layout: Layout::Single,
            request_timeout_seconds: 60,
            max_list_pages: 1000,
            run_index: true,
            unsafe_last_writer_wins: false,
        }
    }
}

const KEYS: &[&str] = &[
    "aws_profile",
    "use_credentials",
    "region",
    "aws_credentials_file",
    "aws_access_key_name",
    "aws_secret_access_key_name",
    "aws_session_key_name",
    "role_arn",
    "session_duration_in_seconds",
    "s3_bucket",
    "prefix",
    "endpoint_url",
    "force_path_style",
    "layout",
    "request_timeout_seconds",
    "max_list_pages",
    "run_index",
    "unsafe_last_writer_wins",
];

impl Config {
    /// Parses a JSON config text (see [`Config::from_value`]).
    pub fn from_json(text: &str) -> Result<Self> {
        let v = crate::pyjson::parse_str(text).map_err(|e| Error::config("$", format!("not valid JSON ({e})")))?;
        Self::from_value(&v)
    }

    /// Reads `{type: "s3" | "chunked-s3", config: {...}}` or the inner config object.
    /// Unknown keys and wrong types are errors naming the key.
    pub fn from_value(v: &Value) -> Result<Self> {
        let obj = v.as_object().ok_or_else(|| Error::config("$", "expected an object"))?;
        let mut layout_from_type = None;
        let inner = if obj.contains_key("type") || obj.contains_key("config") {
            for k in obj.keys() {
                if k != "type" && k != "config" {
                    return Err(Error::config(k, "unknown key next to type/config in a run_log_store block"));
                }
            }
            layout_from_type = match obj.get("type").and_then(Value::as_str) {
                Some("s3") | None => Some(Layout::Single),
                Some("chunked-s3") => Some(Layout::Chunked),
                Some(other) => {
                    return Err(Error::config(
                        "type",
                        format!("{} is not an S3 run log store; expected \"s3\" or \"chunked-s3\"", quoted(other)),
                    ))
                }
            };
            match obj.get("config") {
                Some(Value::Object(m)) => m,
                Some(_) => return Err(Error::config("config", "expected an object")),
                None => return Err(Error::config("config", "missing (it must at least name s3_bucket)")),
            }
        } else {
            obj
        };

        let mut c = Config::default();
        for (key, val) in inner {
            let text = || -> Result<String> {
                val.as_str().map(str::to_string).ok_or_else(|| Error::config(key, "expected a string"))
            };
            let seconds = |lo: u32, hi: u32, why: &str| -> Result<u32> {
                val.as_u64()
                    .filter(|n| (u64::from(lo)..=u64::from(hi)).contains(n))
                    .map(|n| n as u32)
                    .ok_or_else(|| Error::config(key, why))
            };
            match key.as_str() {
                "aws_profile" => c.aws_profile = text()?,
                "use_credentials" => {
                    c.use_credentials = val.as_bool().ok_or_else(|| Error::config(key, "expected true or false"))?
                }
                "region" => c.region = text()?,
                "aws_credentials_file" => c.aws_credentials_file = text()?,
                "aws_access_key_name" => c.aws_access_key_name = text()?,
                "aws_secret_access_key_name" => c.aws_secret_access_key_name = text()?,
                "aws_session_key_name" => c.aws_session_key_name = text()?,
                "role_arn" => c.role_arn = text()?,
                "session_duration_in_seconds" => {
                    c.session_duration_in_seconds =
                        seconds(900, 43200, "expected an integer from 900 to 43200 (STS limits)")?
                }
                "s3_bucket" => c.s3_bucket = text()?,
                "prefix" => c.prefix = text()?.trim_matches('/').to_string(),
                "endpoint_url" => c.endpoint_url = if val.is_null() { None } else { Some(text()?) },
                "force_path_style" => {
                    c.force_path_style = if val.is_null() {
                        None
                    } else {
                        Some(val.as_bool().ok_or_else(|| Error::config(key, "expected true or false"))?)
                    }
                }
                "request_timeout_seconds" => {
                    c.request_timeout_seconds = seconds(1, 3600, "expected a whole number of seconds from 1 to 3600")?
                }
                "max_list_pages" => {
                    c.max_list_pages = seconds(1, 1_000_000, "expected a whole number of pages from 1 to 1000000")?
                }
                "run_index" => {
                    c.run_index = val.as_bool().ok_or_else(|| Error::config(key, "expected true or false"))?
                }
                "unsafe_last_writer_wins" => {
                    c.unsafe_last_writer_wins =
                        val.as_bool().ok_or_else(|| Error::config(key, "expected true or false"))?
                }
                "layout" => {
                    c.layout = match val.as_str() {
                        Some("single") => Layout::Single,
                        Some("chunked") => Layout::Chunked,
                        _ => return Err(Error::config(key, "expected \"single\" or \"chunked\"")),
                    }
                }
                _ => {
                    let hint = KEYS
                        .iter()
                        .find(|k| {
                            k.eq_ignore_ascii_case(key)
                                || k.replace('_', "") == key.to_ascii_lowercase().replace(['_', '-'], "")
                        })
                        .map(|k| format!("; did you mean {}?", quoted(k)))
                        .unwrap_or_default();
                    return Err(Error::config(key, format!("unknown key{hint}")));
                }
            }
        }
        if let (Some(l), false) = (layout_from_type, inner.contains_key("layout")) {
            c.layout = l;
        }
        c.validate()?;
        Ok(c)
    }

    fn validate(&self) -> Result<()> {
        if self.s3_bucket.is_empty() {
            return Err(Error::config("s3_bucket", "required: the bucket that holds the run logs"));
        }
        if self.s3_bucket.contains('/') || self.s3_bucket.starts_with("s3:") {
            return Err(Error::config("s3_bucket", "a bare bucket name is expected (no s3:// and no '/')"));
        }
        if self.region.is_empty() || !self.region.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            return Err(Error::config("region", format!("{} is not a region name", quoted(&self.region))));
        }
        if !self.role_arn.is_empty() && !self.role_arn.starts_with("arn:") {
            return Err(Error::config("role_arn", format!("{} is not a role ARN", quoted(&self.role_arn))));
        }
        Ok(())
    }

    /// Where requests go, from `endpoint_url`, else `AWS_ENDPOINT_URL_S3` / `AWS_ENDPOINT_URL`
    /// in `env` (as boto3 does), else AWS S3 in `region`.
    pub fn endpoint(&self, env: &Env) -> Result<Endpoint> {
        let (url, key) = match &self.endpoint_url {
            Some(u) => (Some(u.clone()), "endpoint_url"),
            None => match env.get("AWS_ENDPOINT_URL_S3").filter(|v| !v.is_empty()) {
                Some(u) => (Some(u.clone()), "AWS_ENDPOINT_URL_S3"),
                None => (env.get("AWS_ENDPOINT_URL").filter(|v| !v.is_empty()).cloned(), "AWS_ENDPOINT_URL"),
            },
        };
        let Some(url) = url else {
            let path_style = self.force_path_style.unwrap_or(self.s3_bucket.contains('.'));
            return Ok(Endpoint {
                origin: format!("https://s3.{}.amazonaws.com", self.region),
                path_style,
                bucket: self.s3_bucket.clone(),
            });
        };
        Ok(Endpoint {
            origin: origin(&url, key)?,
            path_style: self.force_path_style.unwrap_or(true),
            bucket: self.s3_bucket.clone(),
        })
    }

    /// Where STS requests go (for `role_arn`): `AWS_ENDPOINT_URL_STS`, else `AWS_ENDPOINT_URL` in
    /// `env` (as boto3 does), else STS in `region`.
    pub fn sts_url(&self, env: &Env) -> Result<String> {
        for key in ["AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL"] {
            if let Some(url) = env.get(key).filter(|v| !v.is_empty()) {
                return origin(url, key);
            }
        }
        Ok(format!("https://sts.{}.amazonaws.com", self.region))
    }

    /// The object key of a single-layout run log: `<prefix>/<run_id>.json`.
    pub fn run_key(&self, run_id: &str) -> Result<String> {
        check_run_id(run_id)?;
        Ok(self.prefixed(&format!("{run_id}.json")))
    }

    /// `<prefix>/<rest>`, or `<rest>` without a prefix.
    pub fn prefixed(&self, rest: &str) -> String {
        if self.prefix.is_empty() {
            rest.to_string()
        } else {
            format!("{}/{rest}", self.prefix)
        }
    }
}

/// `scheme://host[:port]` of an endpoint URL given under `key` (http or https, no path or query).
fn origin(url: &str, key: &str) -> Result<String> {
    let (scheme, rest) = url
        .split_once("://")
        .filter(|(s, _)| *s == "http" || *s == "https")
        .ok_or_else(|| Error::config(key, format!("{} must start with http:// or https://", quoted(url))))?;
    let host = rest.trim_end_matches('/');
    if host.is_empty() || host.contains(['?', '#', '@', ' ']) || host.contains('/') {
        return Err(Error::config(
            key,
            format!("{} must be scheme://host[:port] without a path or query", quoted(url)),
        ));
    }
    Ok(format!("{scheme}://{host}"))
}

/// Rejects run ids that would escape or break an object key.
pub fn check_run_id(run_id: &str) -> Result<()> {
    let why = if run_id.is_empty() {
        "it is empty"
    } else if run_id.contains('/') {
        "it contains '/', which would move the run log into another folder"
    } else if run_id == "." || run_id == ".." {
        "'.' and '..' are path components, not names"
    } else if run_id == crate::index::ROOT {
        "it is the run index's folder"
    } else if run_id.chars().any(char::is_control) {
        "it contains a control character"
    } else if run_id.len() > 900 {
        "it is longer than 900 bytes (S3 keys are at most 1024)"
    } else {
        return Ok(());
    };
    Err(Error::invalid_argument("run id", format!("{}: {why}", quoted(run_id))))
}

/// Percent-encodes a query parameter value the way SigV4 canonicalizes it (`/` too).
pub fn encode_query_value(v: &str) -> String {
    uri_encode(v, false)
}

/// SigV4's `UriEncode`, the signer's own (one encoder in the crate and the wasm).
fn uri_encode(s: &str, keep_slash: bool) -> String {
    let mut out = String::with_capacity(s.len());
    magnus_s3_sigv4::canonical::encode(s, keep_slash, &mut out);
    out
}

/// Where objects of the bucket are addressed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// `scheme://host[:port]` of the service.
    pub origin: String,
    /// `origin/bucket/key` when true, `scheme://bucket.host/key` when false.
    pub path_style: bool,
    /// The bucket.
    pub bucket: String,
}

impl Endpoint {
    /// URL of the bucket root, ending in `/`.
    pub fn bucket_url(&self) -> String {
        if self.path_style {
            format!("{}/{}/", self.origin, uri_encode(&self.bucket, false))
        } else {
            let (scheme, host) = self.origin.split_once("://").unwrap_or(("https", &self.origin));
            format!("{scheme}://{}.{host}/", self.bucket)
        }
    }

    /// URL of an object, the key percent-encoded once (S3 signs it as sent).
    pub fn object_url(&self, key: &str) -> String {
        format!("{}{}", self.bucket_url(), uri_encode(key, true))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::json;

    #[test]
    fn defaults_are_magnus_extensions_defaults() {
        let c = Config::from_value(&json!({"type": "s3", "config": {"s3_bucket": "b"}})).unwrap();
        assert_eq!(c.region, "eu-west-1");
        assert_eq!(c.session_duration_in_seconds, 900);
        assert_eq!(c.aws_access_key_name, "AWS_ACCESS_KEY_ID");
        assert!(!c.use_credentials);
        assert_eq!(c.layout, Layout::Single);
        assert_eq!(c.request_timeout_seconds, 60);
        assert_eq!(c.run_key("r1").unwrap(), "r1.json");
        let quick = Config::from_value(&json!({"s3_bucket": "b", "request_timeout_seconds": 5})).unwrap();
        assert_eq!(quick.request_timeout_seconds, 5);
    }

    #[test]
    fn prefix_slashes_are_stripped_like_magnus() {
        for (p, key) in [
            ("/a/b/", "a/b/r.json"),
            ("/", "r.json"),
            ("fixtures/runs", "fixtures/runs/r.json"),
            ("a//b", "a//b/r.json"),
        ] {
            let c = Config::from_value(&json!({"s3_bucket": "b", "prefix": p})).unwrap();
            assert_eq!(c.run_key("r").unwrap(), key, "{p}");
        }
    }

    #[test]
    fn unknown_and_mistyped_keys_name_the_key() {
        let cases = [
            (json!({"s3_bucket": "b", "s3bucket": "x"}), "s3bucket"),
            (json!({"s3_bucket": "b", "use_credentials": "yes"}), "use_credentials"),
            (json!({"s3_bucket": "b", "session_duration_in_seconds": 5}), "session_duration_in_seconds"),
            (json!({"s3_bucket": "b", "layout": "x"}), "layout"),
            (json!({"s3_bucket": "b", "request_timeout_seconds": 0}), "request_timeout_seconds"),
            (json!({"s3_bucket": "b", "request_timeout_seconds": 1.5}), "request_timeout_seconds"),
            (json!({}), "s3_bucket"),
            (json!({"type": "file-system", "config": {"s3_bucket": "b"}}), "type"),
            (json!({"s3_bucket": "b", "endpoint_url": "localhost:9000"}), "endpoint_url"),
            (json!({"s3_bucket": "b", "role_arn": "runs-writer"}), "role_arn"),
        ];
        for (v, want) in cases {
            match Config::from_value(&v).and_then(|c| c.endpoint(&Env::new())) {
                Err(Error::Config { key, .. }) => assert_eq!(key, want, "{v}"),
                other => panic!("{v}: {other:?}"),
            }
        }
    }

    #[test]
    fn chunked_s3_type_selects_the_chunked_layout() {
        let c = Config::from_value(&json!({"type": "chunked-s3", "config": {"s3_bucket": "b"}})).unwrap();
        assert_eq!(c.layout, Layout::Chunked);
    }

    #[test]
    fn endpoint_comes_from_config_then_env_then_aws() {
        let c = Config::from_value(&json!({"s3_bucket": "bkt", "region": "us-east-1"})).unwrap();
        let aws = c.endpoint(&Env::new()).unwrap();
        assert_eq!(aws.object_url("a b/ü+=.json"), "https://bkt.s3.us-east-1.amazonaws.com/a%20b/%C3%BC%2B%3D.json");
        let mut env = Env::new();
        env.insert("AWS_ENDPOINT_URL".into(), "http://127.0.0.1:9000/".into());
        assert_eq!(c.endpoint(&env).unwrap().object_url("k"), "http://127.0.0.1:9000/bkt/k");
        env.insert("AWS_ENDPOINT_URL_S3".into(), "http://localhost:5004".into());
        assert_eq!(c.endpoint(&env).unwrap().bucket_url(), "http://localhost:5004/bkt/");
        let c = Config::from_value(
            &json!({"s3_bucket": "bkt", "endpoint_url": "https://acct.r2.example", "force_path_style": false}),
        )
        .unwrap();
        assert_eq!(c.endpoint(&env).unwrap().object_url("k"), "https://bkt.acct.r2.example/k");
    }

    #[test]
    fn run_ids_that_break_keys_are_rejected() {
        for bad in ["", "a/b", "..", ".", "a\u{0}b", "x\ny"] {
            assert!(matches!(check_run_id(bad), Err(Error::InvalidArgument { .. })), "{bad:?}");
        }
        for ok in ["a b", "ü-run", "run.1", "..x"] {
            check_run_id(ok).unwrap();
        }
    }
}

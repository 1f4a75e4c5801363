//! The one error type of the crate: every failure a caller can act on, typed.
//!
//! Each variant maps to one JavaScript error name (see [`Error::js_name`]). Messages say what
//! happened and what to do; they never contain a secret (credentials, signatures, tokens).

use std::fmt;

/// Everything that can go wrong in the store, the signer, or while reading a run log.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// No run log is stored under this run id.
    RunLogNotFound {
        /// The run id asked for.
        run_id: String,
    },
    /// A run log with this run id already exists (run ids are single-use).
    RunLogExists {
        /// The run id that is taken.
        run_id: String,
    },
    /// A step log is missing: `missing` is the first prefix of `name` that was not found.
    StepLogNotFound {
        /// The run searched.
        run_id: String,
        /// The internal name asked for.
        name: String,
        /// The shortest prefix of `name` that does not exist (may name a branch).
        missing: String,
    },
    /// A branch log is missing: `missing` is the first prefix of `name` that was not found.
    BranchLogNotFound {
        /// The run searched.
        run_id: String,
        /// The internal branch name asked for.
        name: String,
        /// The shortest prefix of `name` that does not exist (may name a step).
        missing: String,
    },
    /// An argument is malformed: a run id that would break the object key, an internal name
    /// of the wrong shape, a value of the wrong type.
    InvalidArgument {
        /// Which argument.
        argument: String,
        /// What is wrong with it.
        message: String,
    },
    /// A conditional write kept losing races; the retries ran out. Nothing was overwritten.
    Conflict {
        /// The object key that was contended.
        key: String,
        /// How many attempts were made.
        attempts: u32,
    },
    /// Credentials could not be found or used.
    Credentials {
        /// The environment variable (or source) that was missing, if one was.
        variable: Option<String>,
        /// What to do about it.
        message: String,
    },
    /// The store configuration is wrong.
    Config {
        /// The config key at fault.
        key: String,
        /// What is wrong and what is expected.
        message: String,
    },
    /// A stored document (or one given to us) is not valid JSON or not a valid run log.
    InvalidRunLog {
        /// Where the problem is, e.g. `$.steps["a"].attempts[0].attempt_number`.
        path: String,
        /// What is wrong.
        message: String,
    },
    /// S3 answered with an error status.
    S3 {
        /// HTTP status.
        status: u16,
        /// S3 error code (`AccessDenied`, `SignatureDoesNotMatch`, `NoSuchBucket`, ...), or the
        /// status as text when the answer had no body (HEAD).
        code: String,
        /// S3's message, if any.
        message: String,
        /// S3's request id, for support tickets.
        request_id: Option<String>,
    },
    /// The request could not complete (refused, reset, DNS, timeout).
    Network {
        /// A short machine-readable code (`connect`, `timeout`, `request`, `body`).
        code: String,
        /// What failed.
        message: String,
    },
}

/// Shorthand for `Result<T, Error>`.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// The JavaScript `Error.name` this error is thrown with.
    pub fn js_name(&self) -> &'static str {
        match self {
            Error::RunLogNotFound { .. } => "RunLogNotFoundError",
            Error::RunLogExists { .. } => "RunLogExistsError",
            Error::StepLogNotFound { .. } => "StepLogNotFoundError",
            Error::BranchLogNotFound { .. } => "BranchLogNotFoundError",
            Error::InvalidArgument { .. } => "InvalidArgumentError",
            Error::Conflict { .. } => "ConflictError",
            Error::Credentials { .. } => "CredentialsError",
            Error::Config { .. } => "ConfigError",
            Error::InvalidRunLog { .. } => "InvalidRunLogError",
            Error::S3 { .. } => "S3Error",
            Error::Network { .. } => "NetworkError",
        }
    }

    pub(crate) fn invalid_argument(argument: &str, message: impl Into<String>) -> Self {
        Error::InvalidArgument { argument: argument.to_string(), message: message.into() }
    }

    pub(crate) fn config(key: &str, message: impl Into<String>) -> Self {
        Error::Config { key: key.to_string(), message: message.into() }
    }

    pub(crate) fn invalid_run_log(path: impl Into<String>, message: impl Into<String>) -> Self {
        Error::InvalidRunLog { path: path.into(), message: message.into() }
    }

    /// The same error with every occurrence of `secrets` (and anything shaped like a SigV4
    /// signature: 64 hex digits) in its text replaced by `[redacted]`. For text taken from an
    /// upstream answer, which may echo request headers.
    pub fn scrubbed(self, secrets: &[String]) -> Self {
        let clean = |t: String| scrub_text(t, secrets);
        match self {
            Error::S3 { status, code, message, request_id } => {
                Error::S3 { status, code: clean(code), message: clean(message), request_id: request_id.map(clean) }
            }
            Error::Network { code, message } => Error::Network { code, message: clean(message) },
            Error::Credentials { variable, message } => Error::Credentials { variable, message: clean(message) },
            other => other,
        }
    }

    /// Fills in the run id of lookup errors raised by pure code that did not know it.
    pub(crate) fn with_run_id(mut self, id: &str) -> Self {
        match &mut self {
            Error::StepLogNotFound { run_id, .. } | Error::BranchLogNotFound { run_id, .. } => *run_id = id.to_string(),
            _ => {}
        }
        self
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::RunLogNotFound { run_id } => {
                write!(f, "Run id for {run_id} is not found in the datastore")
            }
            Error::RunLogExists { run_id } => write!(
                f,
                "Run id for {run_id} is already found in the datastore; run ids are single-use, pick a new one"
            ),
            Error::StepLogNotFound { run_id, name, missing } => {
                write!(f, "Step log for {name} is not found in the datastore for Run id: {run_id}")?;
                if missing != name {
                    write!(f, " ({missing} does not exist)")?;
                }
                Ok(())
            }
            Error::BranchLogNotFound { run_id, name, missing } => {
                write!(f, "Branch log for {name} is not found in the datastore for Run id: {run_id}")?;
                if missing != name {
                    write!(f, " ({missing} does not exist)")?;
                }
                Ok(())
            }
            Error::InvalidArgument { argument, message } => write!(f, "invalid {argument}: {message}"),
            Error::Conflict { key, attempts } => write!(
                f,
                "conflicting writes to {key}: gave up after {attempts} attempts, each lost a race to another writer; nothing was overwritten, retry later"
            ),
            Error::Credentials { message, .. } => write!(f, "{message}"),
            Error::Config { key, message } => write!(f, "config key {}: {message}", quoted(key)),
            Error::InvalidRunLog { path, message } => write!(f, "invalid run log at {path}: {message}"),
            Error::S3 { status, code, message, request_id } => {
                write!(f, "S3 answered {status} {code}")?;
                if !message.is_empty() {
                    write!(f, ": {message}")?;
                }
                if let Some(id) = request_id {
                    write!(f, " (request id {id})")?;
                }
                let hint = match code.as_str() {
                    "SignatureDoesNotMatch" => " - check the secret access key and the region",
                    "InvalidAccessKeyId" => " - the access key id is not known to this endpoint",
                    "AccessDenied" => " - the credentials lack permission for this bucket or key",
                    "NoSuchBucket" => " - check s3_bucket and the endpoint",
                    "ExpiredToken" | "InvalidToken" => " - refresh the session token",
                    "RequestTimeTooSkewed" => " - the clock is off by more than 15 minutes",
                    _ => "",
                };
                f.write_str(hint)
            }
            Error::Network { code, message } => write!(f, "network error ({code}): {message}"),
        }
    }
}

impl std::error::Error for Error {}

/// `text` with each of `secrets` (non-empty ones) and every run of exactly 64 hex digits (a
/// SigV4 signature or signing key) replaced by `[redacted]`.
pub(crate) fn scrub_text(mut text: String, secrets: &[String]) -> String {
    for s in secrets.iter().filter(|s| s.len() >= 4) {
        if text.contains(s.as_str()) {
            text = text.replace(s.as_str(), "[redacted]");
        }
    }
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let mut copied = 0;
    while i < b.len() {
        if b[i].is_ascii_hexdigit() {
            let start = i;
            while i < b.len() && b[i].is_ascii_hexdigit() {
                i += 1;
            }
            if i - start == 64 {
                out.push_str(&text[copied..start]);
                out.push_str("[redacted]");
                copied = i;
            }
        } else {
            i += 1;
        }
    }
    out.push_str(&text[copied..]);
    out
}

/// `s` as a JSON string literal, for naming a user's value inside a message (the signer crate's,
/// so every message of the package quotes alike).
pub(crate) use magnus_s3_sigv4::quoted;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upstream_text_is_scrubbed_of_secrets_and_signatures() {
        let sig = "a".repeat(64);
        let e = Error::S3 {
            status: 403,
            code: "SignatureDoesNotMatch".into(),
            message: format!(
                "header x-amz-security-token: TOKEN123; secret s3cr3t; Signature={sig}; etag {}",
                "b".repeat(32)
            ),
            request_id: Some("R".into()),
        };
        let text = e.scrubbed(&["s3cr3t".into(), "TOKEN123".into(), String::new()]).to_string();
        assert!(!text.contains("s3cr3t") && !text.contains("TOKEN123") && !text.contains(&sig), "{text}");
        assert!(text.contains(&"b".repeat(32)), "an ETag is not a secret: {text}");
        assert_eq!(text.matches("[redacted]").count(), 3, "{text}");
    }

    #[test]
    fn quoted_is_a_json_string_literal() {
        for s in ["plain", "", "a \"b\" \\ c", "tab\there\n\r\u{8}\u{c}\u{1}\u{7f}", "ü 🚀"] {
            let want = serde_json::to_string(s).unwrap().replace("\u{7f}", "\\u007f");
            assert_eq!(quoted(s), want, "{s}");
        }
        let e = Error::Config { key: "re\"gion".into(), message: "m".into() };
        assert_eq!(e.to_string(), "config key \"re\\\"gion\": m");
    }
}

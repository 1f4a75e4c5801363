//! Where credentials come from, decided without IO: the environment is an explicit input
//! (a map: `process.env`, a Worker's `env` bindings, or a test's own), never a global.
//!
//! `use_credentials: true` reads the variables *named by* the config's three `*_name` keys;
//! `false` reads the standard `AWS_*` variables (what Lambda and containers provide). The
//! session token is honoured in both modes (magnus drops it without `role_arn`; we do not).

use std::collections::BTreeMap;
use std::fmt;

use crate::config::Config;
use crate::error::{Error, Result};

/// Environment variables: name → value.
pub type Env = BTreeMap<String, String>;

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

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
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

/// Resolves the credentials the config asks for from `env`.
pub fn from_env(config: &Config, env: &Env) -> Result<Credentials> {
    let (key_var, secret_var, token_var, mode) = if config.use_credentials {
        (
            config.aws_access_key_name.as_str(),
            config.aws_secret_access_key_name.as_str(),
            config.aws_session_key_name.as_str(),
            "use_credentials is true, so the names come from aws_access_key_name / aws_secret_access_key_name",
        )
    } else {
        if !config.aws_profile.is_empty() {
            return Err(Error::Credentials {
                variable: None,
                message: format!(
                    "aws_profile {:?}: reading profiles from aws_credentials_file is not implemented yet; \
                     set use_credentials: true and put the profile's keys in the environment",
                    config.aws_profile
                ),
            });
        }
        (
            "AWS_ACCESS_KEY_ID",
            "AWS_SECRET_ACCESS_KEY",
            "AWS_SESSION_TOKEN",
            "use_credentials is false, so the runtime's standard AWS_* variables are used",
        )
    };
    let get = |name: &str| env.get(name).filter(|v| !v.is_empty()).cloned();
    let missing = |name: &str| Error::Credentials {
        variable: Some(name.to_string()),
        message: format!("environment variable {name} is not set ({mode})"),
    };
    let access_key_id = get(key_var).ok_or_else(|| missing(key_var))?;
    let secret_access_key = get(secret_var).ok_or_else(|| missing(secret_var))?;
    Ok(Credentials { access_key_id, secret_access_key, session_token: get(token_var) })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn env(pairs: &[(&str, &str)]) -> Env {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn named_variables_with_use_credentials_and_token_kept() {
        let c = Config::from_value(&json!({"s3_bucket": "b", "use_credentials": true,
            "aws_access_key_name": "MY_KEY", "aws_secret_access_key_name": "MY_SECRET", "aws_session_key_name": "MY_TOKEN"}))
        .unwrap();
        let got = from_env(
            &c,
            &env(&[("MY_KEY", "AK"), ("MY_SECRET", "SK"), ("MY_TOKEN", "TK"), ("AWS_ACCESS_KEY_ID", "other")]),
        )
        .unwrap();
        assert_eq!(got, Credentials::new("AK", "SK", Some("TK".into())));
    }

    #[test]
    fn standard_variables_without_use_credentials() {
        let c = Config::from_value(&json!({"s3_bucket": "b"})).unwrap();
        let got = from_env(&c, &env(&[("AWS_ACCESS_KEY_ID", "AK"), ("AWS_SECRET_ACCESS_KEY", "SK")])).unwrap();
        assert_eq!(got, Credentials::new("AK", "SK", None));
    }

    #[test]
    fn missing_variable_is_named_and_no_value_leaks() {
        let c =
            Config::from_value(&json!({"s3_bucket": "b", "use_credentials": true, "aws_secret_access_key_name": "S"}))
                .unwrap();
        let err =
            from_env(&c, &env(&[("AWS_ACCESS_KEY_ID", "AK"), ("AWS_SECRET_ACCESS_KEY", "topsecret")])).unwrap_err();
        assert!(matches!(&err, Error::Credentials { variable: Some(v), .. } if v == "S"));
        assert!(!format!("{err} {err:?}").contains("topsecret"));
    }

    #[test]
    fn debug_redacts_secrets() {
        let text = format!("{:?}", Credentials::new("AK", "supersecret", Some("tok3n".into())));
        assert!(!text.contains("supersecret") && !text.contains("tok3n"), "{text}");
    }
}

//! Where credentials come from, decided without IO: the environment is an explicit input
//! (a map: `process.env`, a Worker's `env` bindings, or a test's own), never a global.
//!
//! `use_credentials: true` reads the variables *named by* the config's three `*_name` keys;
//! `false` reads the profile `aws_profile` from the shared credentials file where one is named,
//! else the standard `AWS_*` variables (what Lambda and containers provide), else the file's
//! `[default]` profile. The session token is honoured in every mode (magnus drops it without
//! `role_arn`; we do not). Reading the file is the caller's IO, passed in as a function.

use crate::config::Config;
use crate::error::{quoted, Error, Result};

/// Environment variables: name → value (the crate's ordered [`crate::Map`], so the wasm carries
/// one map implementation).
pub type Env = crate::value::Map<String>;

pub use magnus_s3_sigv4::Credentials;

/// Resolves the credentials the config asks for from `env` alone (no file system).
pub fn from_env(config: &Config, env: &Env) -> Result<Credentials> {
    resolve(config, env, &|_| None)
}

/// Resolves the credentials the config asks for from `env` and, for profiles, the shared
/// credentials file read through `read_file` (which returns `None` when it cannot read).
///
/// Generic over the reader so that where it is known to read nothing (wasm32), the profile
/// parser compiles away.
pub fn resolve(config: &Config, env: &Env, read_file: &impl Fn(&str) -> Option<String>) -> Result<Credentials> {
    let get = |name: &str| env.get(name).filter(|v| !v.is_empty()).cloned();
    if config.use_credentials {
        let mode = "use_credentials is true, so the names come from aws_access_key_name / aws_secret_access_key_name";
        return from_vars(
            env,
            &config.aws_access_key_name,
            &config.aws_secret_access_key_name,
            &config.aws_session_key_name,
            mode,
        );
    }
    let path = credentials_file(config, env);
    if !config.aws_profile.is_empty() {
        let text = read_file(&path).ok_or_else(|| Error::Credentials {
            variable: None,
            message: format!(
                "aws_profile {}: cannot read the credentials file {} (set aws_credentials_file; hosts without a file system need use_credentials: true and the keys in the environment)",
                quoted(&config.aws_profile),
                quoted(&path)
            ),
        })?;
        return parse_profile(&text, &config.aws_profile).ok_or_else(|| Error::Credentials {
            variable: None,
            message: format!(
                "aws_profile {} has no aws_access_key_id and aws_secret_access_key in {}",
                quoted(&config.aws_profile),
                quoted(&path)
            ),
        });
    }
    if get("AWS_ACCESS_KEY_ID").is_none() {
        if let Some(creds) = read_file(&path).and_then(|t| parse_profile(&t, "default")) {
            return Ok(creds);
        }
    }
    let mode =
        "use_credentials is false and no aws_profile is named, so the runtime's standard AWS_* variables are used \
                (or the [default] profile of the credentials file)";
    from_vars(env, "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", mode)
}

fn from_vars(env: &Env, key_var: &str, secret_var: &str, token_var: &str, mode: &str) -> Result<Credentials> {
    let get = |name: &str| env.get(name).filter(|v| !v.is_empty()).cloned();
    let missing = |name: &str| Error::Credentials {
        variable: Some(name.to_string()),
        message: format!("environment variable {name} is not set ({mode})"),
    };
    let access_key_id = get(key_var).ok_or_else(|| missing(key_var))?;
    let secret_access_key = get(secret_var).ok_or_else(|| missing(secret_var))?;
    Ok(Credentials { access_key_id, secret_access_key, session_token: get(token_var) })
}

/// The shared credentials file: `aws_credentials_file` (default `~/.aws/credentials`, where boto3's
/// `AWS_SHARED_CREDENTIALS_FILE` wins as in boto3), `~` expanded with `HOME`.
pub fn credentials_file(config: &Config, env: &Env) -> String {
    let configured = &config.aws_credentials_file;
    let path = match env.get("AWS_SHARED_CREDENTIALS_FILE").filter(|v| !v.is_empty()) {
        Some(p) if configured == DEFAULT_CREDENTIALS_FILE => p.clone(),
        _ => configured.clone(),
    };
    match (path.strip_prefix("~/"), env.get("HOME")) {
        (Some(rest), Some(home)) => format!("{}/{rest}", home.trim_end_matches('/')),
        _ => path,
    }
}

/// magnus-extensions' default for `aws_credentials_file`.
pub const DEFAULT_CREDENTIALS_FILE: &str = "~/.aws/credentials";

/// The keys of `[profile]` in a shared credentials file (INI: `key = value`, `#`/`;` comments,
/// case-insensitive keys); `None` unless both the key id and the secret are there.
pub fn parse_profile(text: &str, profile: &str) -> Option<Credentials> {
    let mut in_section = false;
    let (mut key, mut secret, mut token) = (None, None, None);
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            let name = name.trim();
            in_section = name == profile || name.strip_prefix("profile ").map(str::trim) == Some(profile);
            continue;
        }
        if !in_section {
            continue;
        }
        if let Some((k, v)) = line.split_once('=') {
            let v = Some(v.trim().to_string()).filter(|v| !v.is_empty());
            match k.trim().to_ascii_lowercase().as_str() {
                "aws_access_key_id" => key = v,
                "aws_secret_access_key" => secret = v,
                "aws_session_token" | "aws_security_token" => token = v,
                _ => {}
            }
        }
    }
    Some(Credentials { access_key_id: key?, secret_access_key: secret?, session_token: token })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::json;

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

    const FILE: &str = "# shared credentials\n[default]\naws_access_key_id = DEF\naws_secret_access_key = defsecret\n\n\
        [magnus-fixtures]\nAWS_ACCESS_KEY_ID=AK ; not a comment here\naws_secret_access_key = SK\naws_session_token = TK\n\
        [half]\naws_access_key_id = only\n";

    #[test]
    fn profiles_are_read_from_the_credentials_file() {
        assert_eq!(parse_profile(FILE, "magnus-fixtures").unwrap().secret_access_key, "SK");
        assert_eq!(parse_profile(FILE, "magnus-fixtures").unwrap().session_token.as_deref(), Some("TK"));
        assert_eq!(parse_profile(FILE, "default").unwrap().access_key_id, "DEF");
        assert!(parse_profile(FILE, "half").is_none() && parse_profile(FILE, "nope").is_none());
        let reader = |p: &str| (p == "/home/u/.aws/credentials").then(|| FILE.to_string());
        let home = env(&[("HOME", "/home/u")]);
        let c = Config::from_value(&json!({"s3_bucket": "b", "aws_profile": "magnus-fixtures"})).unwrap();
        assert_eq!(resolve(&c, &home, &reader).unwrap().access_key_id, "AK ; not a comment here");
        let missing = Config::from_value(&json!({"s3_bucket": "b", "aws_profile": "nope"})).unwrap();
        assert!(matches!(resolve(&missing, &home, &reader), Err(Error::Credentials { .. })));
        // no profile named and no AWS_* variables: the file's [default]
        let plain = Config::from_value(&json!({"s3_bucket": "b"})).unwrap();
        assert_eq!(resolve(&plain, &home, &reader).unwrap().access_key_id, "DEF");
        // variables win over the file's default
        let vars = env(&[("HOME", "/home/u"), ("AWS_ACCESS_KEY_ID", "V"), ("AWS_SECRET_ACCESS_KEY", "W")]);
        assert_eq!(resolve(&plain, &vars, &reader).unwrap().access_key_id, "V");
        // no file system: a clear error for a named profile
        let err = from_env(&c, &home).unwrap_err();
        assert!(err.to_string().contains("cannot read the credentials file"), "{err}");
    }

    #[test]
    fn credentials_file_path_follows_config_then_boto3() {
        let c = Config::from_value(&json!({"s3_bucket": "b"})).unwrap();
        assert_eq!(credentials_file(&c, &env(&[("HOME", "/h/")])), "/h/.aws/credentials");
        assert_eq!(credentials_file(&c, &env(&[("AWS_SHARED_CREDENTIALS_FILE", "/x/creds")])), "/x/creds");
        let own = Config::from_value(&json!({"s3_bucket": "b", "aws_credentials_file": "/etc/aws"})).unwrap();
        assert_eq!(credentials_file(&own, &env(&[("AWS_SHARED_CREDENTIALS_FILE", "/x/creds")])), "/etc/aws");
    }

    #[test]
    fn debug_redacts_secrets() {
        let text = format!("{:?}", Credentials::new("AK", "supersecret", Some("tok3n".into())));
        assert!(!text.contains("supersecret") && !text.contains("tok3n"), "{text}");
    }
}

//! The magnus run log model (RUNLOG-FORMAT.md §1): RunLog, StepLog, BranchLog, StepAttempt,
//! CodeIdentity, DataCatalog, with magnus's field order and defaults.
//!
//! Unlike magnus, unknown keys are kept on every model (in `extra`, written after the declared
//! keys), so a round trip through this crate never loses data. Reading is strict about types
//! and reports the path of the first bad field.

use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Deserializer, Serialize};

use crate::error::{Error, Result};
use crate::pyjson::{self, ToJson, Writer};
pub use crate::value::{Map, Value};

/// The status strings magnus uses (plain strings in the model, not an enum).
pub mod status {
    /// Made by the store's factory methods.
    pub const CREATED: &str = "CREATED";
    /// Running (or crashed while running).
    pub const PROCESSING: &str = "PROCESSING";
    /// Finished successfully.
    pub const SUCCESS: &str = "SUCCESS";
    /// Failed; also the model default.
    pub const FAIL: &str = "FAIL";
    /// Handed to another system by an orchestrator.
    pub const TRIGGERED: &str = "TRIGGERED";
}

/// One pipeline run: the top-level document stored at `<prefix>/<run_id>.json`.
#[derive(Debug, Clone, PartialEq)]
pub struct RunLog {
    /// The run id (the only required field).
    pub run_id: String,
    /// sha1 of the dag definition; `null` by default.
    pub dag_hash: Option<String>,
    /// True for a re-run that reuses an earlier run's results.
    pub use_cached: bool,
    /// A user tag.
    pub tag: Option<String>,
    /// The run being re-run, else `""`.
    pub original_run_id: Option<String>,
    /// Run status (see [`status`]).
    pub status: String,
    /// Top-level steps by internal name, in insertion order.
    pub steps: Map<StepLog>,
    /// Run parameters: arbitrary JSON values.
    pub parameters: Map,
    /// Informational snapshot of the run's configuration.
    pub run_config: Map,
    /// Keys magnus does not know; kept and written back after the declared keys.
    pub extra: Map,
}

/// One step execution record.
#[derive(Debug, Clone, PartialEq)]
pub struct StepLog {
    /// Node name relative to its graph.
    pub name: String,
    /// Dotted path of the step, e.g. `map_chunks.beta.process`.
    pub internal_name: String,
    /// Step status.
    pub status: String,
    /// Node type: `task`, `success`, `fail`, `parallel`, `map`, `dag`, ...
    pub step_type: String,
    /// Free text, practically always empty.
    pub message: String,
    /// True when a re-run skipped this step.
    pub mock: bool,
    /// One code identity per execution.
    pub code_identities: Vec<CodeIdentity>,
    /// One attempt per execution.
    pub attempts: Vec<StepAttempt>,
    /// Values from `track_this(...)`.
    pub user_defined_metrics: Map,
    /// Branches of a parallel / map / dag step, by internal branch name.
    pub branches: Map<BranchLog>,
    /// Catalog get/put records in the order they were added.
    pub data_catalog: Vec<DataCatalog>,
    /// Unknown keys, kept.
    pub extra: Map,
}

/// One branch of a composite step.
#[derive(Debug, Clone, PartialEq)]
pub struct BranchLog {
    /// Dotted path of the branch, e.g. `fan.branch_a`.
    pub internal_name: String,
    /// Branch status.
    pub status: String,
    /// The branch's steps by internal name.
    pub steps: Map<StepLog>,
    /// Unknown keys, kept.
    pub extra: Map,
}

/// One attempt at running a step.
#[derive(Debug, Clone, PartialEq)]
pub struct StepAttempt {
    /// Attempt number (magnus: from `MAGNUS_STEP_ATTEMPT`, default 1; model default 0).
    pub attempt_number: i64,
    /// `str(datetime.now())`, local time without zone.
    pub start_time: String,
    /// Same format as `start_time`.
    pub end_time: String,
    /// `str(timedelta)`, e.g. `0:00:00.001607`.
    pub duration: String,
    /// SUCCESS or FAIL.
    pub status: String,
    /// The exception text of a failed attempt.
    pub message: String,
    /// Parameters visible to the step when the attempt started.
    pub parameters: Map,
    /// Unknown keys, kept.
    pub extra: Map,
}

/// The code a step ran (a git commit, a docker image).
#[derive(Debug, Clone, PartialEq)]
pub struct CodeIdentity {
    /// Commit sha or image id; `null` outside a git repository.
    pub code_identifier: Option<String>,
    /// `git` or `docker`.
    pub code_identifier_type: Option<String>,
    /// True when the work tree had no changes.
    pub code_identifier_dependable: Option<bool>,
    /// Remote URL.
    pub code_identifier_url: Option<String>,
    /// `changes found in ...` when dirty.
    pub code_identifier_message: Option<String>,
    /// Extra keys (magnus keeps these too).
    pub extra: Map,
}

/// A data catalog record (a file put into or got from the catalog).
#[derive(Debug, Clone, PartialEq)]
pub struct DataCatalog {
    /// Item name (identity of the record).
    pub name: String,
    /// sha256 hex of the data.
    pub data_hash: String,
    /// Path relative to the catalog location.
    pub catalog_relative_path: String,
    /// Catalog location, e.g. `.catalog`.
    pub catalog_handler_location: String,
    /// `put` or `get`.
    pub stage: String,
    /// Extra keys (magnus keeps these too).
    pub extra: Map,
}

impl RunLog {
    /// A run log with magnus's model defaults (status FAIL, `dag_hash` null).
    pub fn new(run_id: impl Into<String>) -> Self {
        RunLog {
            run_id: run_id.into(),
            dag_hash: None,
            use_cached: false,
            tag: Some(String::new()),
            original_run_id: Some(String::new()),
            status: status::FAIL.into(),
            steps: Map::new(),
            parameters: Map::new(),
            run_config: Map::new(),
            extra: Map::new(),
        }
    }

    /// Parses stored bytes (any encoding magnus reads) into a run log.
    pub fn from_json_bytes(bytes: &[u8]) -> Result<Self> {
        Self::from_value(pyjson::parse(bytes)?)
    }

    /// The exact bytes magnus writes for this run log.
    pub fn to_json_bytes(&self) -> Vec<u8> {
        pyjson::to_vec(self)
    }

    /// Builds a run log from a JSON value, checking every field.
    pub fn from_value(v: Value) -> Result<Self> {
        let mut f = Fields::new(v, "$".into())?;
        let value = RunLog {
            run_id: f.required_string("run_id"),
            dag_hash: f.opt_string("dag_hash", None),
            use_cached: f.boolean("use_cached", false),
            tag: f.opt_string("tag", Some("")),
            original_run_id: f.opt_string("original_run_id", Some("")),
            status: f.string("status", status::FAIL),
            steps: f.keyed("steps", StepLog::from_value_at),
            parameters: f.object("parameters"),
            run_config: f.object("run_config"),
            extra: f.rest(),
        };
        f.finish(value)
    }
}

impl Default for StepLog {
    /// A step log with magnus's model defaults and no name.
    fn default() -> Self {
        StepLog::new("", "")
    }
}

impl Default for BranchLog {
    /// A branch log with magnus's model defaults and no name.
    fn default() -> Self {
        BranchLog::new("")
    }
}

impl StepLog {
    /// A step log with magnus's model defaults (status FAIL, type task).
    pub fn new(name: impl Into<String>, internal_name: impl Into<String>) -> Self {
        StepLog {
            name: name.into(),
            internal_name: internal_name.into(),
            status: status::FAIL.into(),
            step_type: "task".into(),
            message: String::new(),
            mock: false,
            code_identities: Vec::new(),
            attempts: Vec::new(),
            user_defined_metrics: Map::new(),
            branches: Map::new(),
            data_catalog: Vec::new(),
            extra: Map::new(),
        }
    }

    /// Builds a step log from a JSON value, checking every field.
    pub fn from_value(v: Value) -> Result<Self> {
        Self::from_value_at(v, "$".into())
    }

    fn from_value_at(v: Value, path: String) -> Result<Self> {
        let mut f = Fields::new(v, path)?;
        let value = StepLog {
            name: f.required_string("name"),
            internal_name: f.required_string("internal_name"),
            status: f.string("status", status::FAIL),
            step_type: f.string("step_type", "task"),
            message: f.string("message", ""),
            mock: f.boolean("mock", false),
            code_identities: f.list("code_identities", CodeIdentity::from_value_at),
            attempts: f.list("attempts", StepAttempt::from_value_at),
            user_defined_metrics: f.object("user_defined_metrics"),
            branches: f.keyed("branches", BranchLog::from_value_at),
            data_catalog: f.list("data_catalog", DataCatalog::from_value_at),
            extra: f.rest(),
        };
        f.finish(value)
    }
}

impl BranchLog {
    /// A branch log with magnus's model defaults (status FAIL).
    pub fn new(internal_name: impl Into<String>) -> Self {
        BranchLog {
            internal_name: internal_name.into(),
            status: status::FAIL.into(),
            steps: Map::new(),
            extra: Map::new(),
        }
    }

    /// Builds a branch log from a JSON value, checking every field.
    pub fn from_value(v: Value) -> Result<Self> {
        Self::from_value_at(v, "$".into())
    }

    fn from_value_at(v: Value, path: String) -> Result<Self> {
        let mut f = Fields::new(v, path)?;
        let value = BranchLog {
            internal_name: f.required_string("internal_name"),
            status: f.string("status", status::FAIL),
            steps: f.keyed("steps", StepLog::from_value_at),
            extra: f.rest(),
        };
        f.finish(value)
    }
}

impl Default for StepAttempt {
    fn default() -> Self {
        StepAttempt {
            attempt_number: 0,
            start_time: String::new(),
            end_time: String::new(),
            duration: String::new(),
            status: status::FAIL.into(),
            message: String::new(),
            parameters: Map::new(),
            extra: Map::new(),
        }
    }
}

impl StepAttempt {
    /// Builds an attempt from a JSON value, checking every field.
    pub fn from_value(v: Value) -> Result<Self> {
        Self::from_value_at(v, "$".into())
    }

    fn from_value_at(v: Value, path: String) -> Result<Self> {
        let mut f = Fields::new(v, path)?;
        let value = StepAttempt {
            attempt_number: f.integer("attempt_number", 0),
            start_time: f.string("start_time", ""),
            end_time: f.string("end_time", ""),
            duration: f.string("duration", ""),
            status: f.string("status", status::FAIL),
            message: f.string("message", ""),
            parameters: f.object("parameters"),
            extra: f.rest(),
        };
        f.finish(value)
    }
}

impl Default for CodeIdentity {
    fn default() -> Self {
        CodeIdentity {
            code_identifier: Some(String::new()),
            code_identifier_type: Some(String::new()),
            code_identifier_dependable: Some(false),
            code_identifier_url: Some(String::new()),
            code_identifier_message: Some(String::new()),
            extra: Map::new(),
        }
    }
}

impl CodeIdentity {
    /// Builds a code identity from a JSON value, checking every field.
    pub fn from_value(v: Value) -> Result<Self> {
        Self::from_value_at(v, "$".into())
    }

    fn from_value_at(v: Value, path: String) -> Result<Self> {
        let mut f = Fields::new(v, path)?;
        let value = CodeIdentity {
            code_identifier: f.opt_string("code_identifier", Some("")),
            code_identifier_type: f.opt_string("code_identifier_type", Some("")),
            code_identifier_dependable: f.opt_bool("code_identifier_dependable", Some(false)),
            code_identifier_url: f.opt_string("code_identifier_url", Some("")),
            code_identifier_message: f.opt_string("code_identifier_message", Some("")),
            extra: f.rest(),
        };
        f.finish(value)
    }
}

impl DataCatalog {
    /// A catalog record with only its name set.
    pub fn new(name: impl Into<String>) -> Self {
        DataCatalog {
            name: name.into(),
            data_hash: String::new(),
            catalog_relative_path: String::new(),
            catalog_handler_location: String::new(),
            stage: String::new(),
            extra: Map::new(),
        }
    }

    /// Builds a catalog record from a JSON value, checking every field.
    pub fn from_value(v: Value) -> Result<Self> {
        Self::from_value_at(v, "$".into())
    }

    fn from_value_at(v: Value, path: String) -> Result<Self> {
        let mut f = Fields::new(v, path)?;
        let value = DataCatalog {
            name: f.required_string("name"),
            data_hash: f.string("data_hash", ""),
            catalog_relative_path: f.string("catalog_relative_path", ""),
            catalog_handler_location: f.string("catalog_handler_location", ""),
            stage: f.string("stage", ""),
            extra: f.rest(),
        };
        f.finish(value)
    }
}

/// Appends `key` to a field path: `.name` for identifier-like keys, `["any key"]` otherwise.
pub(crate) fn child_path(path: &str, key: &str) -> String {
    let plain = !key.is_empty()
        && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !key.starts_with(|c: char| c.is_ascii_digit());
    if plain {
        format!("{path}.{key}")
    } else {
        format!("{path}[{}]", crate::error::quoted(key))
    }
}

/// A string value as a Rust string: one holding unpaired surrogates (which Rust strings cannot)
/// gets U+FFFD in their place; the model's own string fields are names, statuses and messages.
fn text(v: Value) -> std::result::Result<String, Value> {
    match v {
        Value::String(s) => Ok(s),
        Value::Utf16(u) => Ok(String::from_utf16_lossy(&u)),
        other => Err(other),
    }
}

/// Takes declared fields out of a JSON object one by one; what is left is `extra`.
///
/// Readers never fail midway: a wrong field records the first error and yields a default, and
/// [`Fields::finish`] reports it once the struct is built. One exit path per model instead of one
/// per field (each dropping a different set of half-built fields) keeps the wasm small.
struct Fields {
    map: Map,
    path: String,
    error: Option<Error>,
}

impl Fields {
    fn new(v: Value, path: String) -> Result<Self> {
        match v {
            Value::Object(map) => Ok(Fields { map, path, error: None }),
            other => Err(Error::invalid_run_log(path, format!("expected an object, found {}", other.kind()))),
        }
    }

    /// The built value, or the first error met while reading it.
    fn finish<T>(self, value: T) -> Result<T> {
        match self.error {
            None => Ok(value),
            Some(e) => Err(e),
        }
    }

    fn take(&mut self, key: &str) -> Option<Value> {
        // shift_remove keeps the order of the remaining (extra) keys.
        self.map.remove(key)
    }

    fn fail(&mut self, e: Error) {
        self.error.get_or_insert(e);
    }

    fn wrong(&mut self, key: &str, want: &str, got: &Value) {
        let e = Error::invalid_run_log(child_path(&self.path, key), format!("expected {want}, found {}", got.kind()));
        self.fail(e);
    }

    fn required_string(&mut self, key: &str) -> String {
        match self.take(key).map(text) {
            Some(Ok(s)) => return s,
            Some(Err(other)) => self.wrong(key, "a string", &other),
            None => {
                let e = Error::invalid_run_log(child_path(&self.path, key), "required field is missing");
                self.fail(e);
            }
        }
        String::new()
    }

    fn string(&mut self, key: &str, default: &str) -> String {
        match self.take(key).map(text) {
            Some(Ok(s)) => s,
            Some(Err(other)) => {
                self.wrong(key, "a string", &other);
                String::new()
            }
            None => default.into(),
        }
    }

    fn opt_string(&mut self, key: &str, default: Option<&str>) -> Option<String> {
        match self.take(key).map(text) {
            Some(Ok(s)) => Some(s),
            Some(Err(Value::Null)) => None,
            Some(Err(other)) => {
                self.wrong(key, "a string or null", &other);
                None
            }
            None => default.map(Into::into),
        }
    }

    fn boolean(&mut self, key: &str, default: bool) -> bool {
        match self.take(key) {
            Some(Value::Bool(b)) => b,
            Some(other) => {
                self.wrong(key, "a boolean", &other);
                default
            }
            None => default,
        }
    }

    fn opt_bool(&mut self, key: &str, default: Option<bool>) -> Option<bool> {
        match self.take(key) {
            Some(Value::Bool(b)) => Some(b),
            Some(Value::Null) => None,
            Some(other) => {
                self.wrong(key, "a boolean or null", &other);
                None
            }
            None => default,
        }
    }

    fn integer(&mut self, key: &str, default: i64) -> i64 {
        match self.take(key) {
            Some(Value::Number(n)) => match n.as_i64() {
                Some(i) => i,
                None => {
                    self.wrong(key, "an integer", &Value::Number(n));
                    default
                }
            },
            Some(other) => {
                self.wrong(key, "an integer", &other);
                default
            }
            None => default,
        }
    }

    fn object(&mut self, key: &str) -> Map {
        match self.take(key) {
            Some(Value::Object(m)) => m,
            Some(other) => {
                self.wrong(key, "an object", &other);
                Map::new()
            }
            None => Map::new(),
        }
    }

    fn list<T>(&mut self, key: &str, item: fn(Value, String) -> Result<T>) -> Vec<T> {
        let mut out = Vec::new();
        match self.take(key) {
            Some(Value::Array(items)) => {
                let path = child_path(&self.path, key);
                out.reserve(items.len());
                for (i, v) in items.into_iter().enumerate() {
                    match item(v, format!("{path}[{i}]")) {
                        Ok(t) => out.push(t),
                        Err(e) => {
                            self.fail(e);
                            break;
                        }
                    }
                }
            }
            Some(other) => self.wrong(key, "an array", &other),
            None => {}
        }
        out
    }

    fn keyed<T>(&mut self, key: &str, item: fn(Value, String) -> Result<T>) -> Map<T> {
        let mut out = Map::new();
        match self.take(key) {
            Some(Value::Object(m)) => {
                let path = child_path(&self.path, key);
                out = Map::with_capacity(m.len());
                for (k, v) in m {
                    let at = child_path(&path, &k);
                    match item(v, at) {
                        Ok(t) => {
                            out.insert(k, t);
                        }
                        Err(e) => {
                            self.fail(e);
                            break;
                        }
                    }
                }
            }
            Some(other) => self.wrong(key, "an object", &other),
            None => {}
        }
        out
    }

    /// The undeclared keys, in their order, and the reader for [`Fields::finish`].
    fn rest(&mut self) -> Map {
        std::mem::take(&mut self.map)
    }
}

/// Writes `declared` entries then the extras, so unknown keys follow magnus's keys.
macro_rules! impl_serialize {
    ($ty:ty, $($field:ident),+) => {
        impl Serialize for $ty {
            fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
                let mut m = s.serialize_map(Some([$(stringify!($field)),+].len() + self.extra.len()))?;
                $( m.serialize_entry(stringify!($field), &self.$field)?; )+
                for (k, v) in &self.extra {
                    m.serialize_entry(k, v)?;
                }
                m.end()
            }
        }

        impl ToJson for $ty {
            fn write_json(&self, w: &mut Writer) {
                w.begin_object();
                $( w.entry(stringify!($field), &self.$field); )+
                for (k, v) in &self.extra {
                    w.entry(k, v);
                }
                w.end_object();
            }
        }

        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
                <$ty>::from_value(Value::deserialize(d)?).map_err(serde::de::Error::custom)
            }
        }
    };
}

impl_serialize!(RunLog, run_id, dag_hash, use_cached, tag, original_run_id, status, steps, parameters, run_config);
impl_serialize!(
    StepLog,
    name,
    internal_name,
    status,
    step_type,
    message,
    mock,
    code_identities,
    attempts,
    user_defined_metrics,
    branches,
    data_catalog
);
impl_serialize!(BranchLog, internal_name, status, steps);
impl_serialize!(StepAttempt, attempt_number, start_time, end_time, duration, status, message, parameters);
impl_serialize!(
    CodeIdentity,
    code_identifier,
    code_identifier_type,
    code_identifier_dependable,
    code_identifier_url,
    code_identifier_message
);
impl_serialize!(DataCatalog, name, data_hash, catalog_relative_path, catalog_handler_location, stage);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_paths_quote_keys_as_json_does() {
        assert_eq!(child_path("$", "steps"), "$.steps");
        for key in ["fan.a", "1x", "", "a \"b\" \\ c", "tab\there\n\r\u{8}\u{c}\u{1}", "ü 🚀"] {
            assert_eq!(child_path("$.steps", key), format!("$.steps[{}]", Value::from(key)), "{key}");
        }
    }

    #[test]
    fn defaults_match_magnus_model() {
        let r = RunLog::from_json_bytes(br#"{"run_id": "r"}"#).unwrap();
        let text = String::from_utf8(r.to_json_bytes()).unwrap();
        assert_eq!(
            text,
            "{\n    \"run_id\": \"r\",\n    \"dag_hash\": null,\n    \"use_cached\": false,\n    \"tag\": \"\",\n    \"original_run_id\": \"\",\n    \"status\": \"FAIL\",\n    \"steps\": {},\n    \"parameters\": {},\n    \"run_config\": {}\n}"
        );
        assert_eq!(r, RunLog::new("r"));
        let a = StepAttempt::from_value(Value::Object(Map::new())).unwrap();
        assert_eq!(a, StepAttempt::default());
        let c = CodeIdentity::from_value(Value::Object(Map::new())).unwrap();
        assert_eq!(c, CodeIdentity::default());
    }

    #[test]
    fn unknown_keys_survive_on_every_model_after_declared_keys() {
        let doc = br#"{"zz": 1, "run_id": "r", "steps": {"a": {"name": "a", "internal_name": "a", "new": [1],
            "attempts": [{"x": true}], "branches": {"a.b": {"internal_name": "a.b", "y": null}}}}}"#;
        let r = RunLog::from_json_bytes(doc).unwrap();
        assert_eq!(r.extra["zz"], 1);
        let step = &r.steps["a"];
        assert_eq!(step.extra["new"], Value::parse("[1]").unwrap());
        assert_eq!(step.attempts[0].extra["x"], true);
        assert_eq!(step.branches["a.b"].extra["y"], Value::Null);
        let back = RunLog::from_json_bytes(&r.to_json_bytes()).unwrap();
        assert_eq!(back, r);
        let text = String::from_utf8(r.to_json_bytes()).unwrap();
        assert!(text.find("\"run_config\"").unwrap() < text.find("\"zz\"").unwrap());
    }

    #[test]
    fn bad_fields_name_their_path() {
        let cases: &[(&[u8], &str)] = &[
            (br#"{"run_id": 5}"#, "$.run_id"),
            (br#"{}"#, "$.run_id"),
            (br#"[]"#, "$"),
            (br#"{"run_id": "r", "steps": {"step one": {"name": "x"}}}"#, "$.steps[\"step one\"].internal_name"),
            (
                br#"{"run_id": "r", "steps": {"a": {"name": "a", "internal_name": "a", "attempts": [{}, {"attempt_number": "1"}]}}}"#,
                "$.steps.a.attempts[1].attempt_number",
            ),
            (br#"{"run_id": "r", "parameters": []}"#, "$.parameters"),
            (br#"{"run_id": "r", "use_cached": "no"}"#, "$.use_cached"),
            (br#"{"run_id": "r", "status": null}"#, "$.status"),
        ];
        for (doc, want) in cases {
            match RunLog::from_json_bytes(doc) {
                Err(Error::InvalidRunLog { path, .. }) => assert_eq!(&path, want),
                other => panic!("{:?}: {other:?}", String::from_utf8_lossy(doc)),
            }
        }
    }

    #[test]
    fn nulls_are_kept_for_optional_fields() {
        let r = RunLog::from_json_bytes(br#"{"run_id": "r", "tag": null, "original_run_id": null}"#).unwrap();
        assert_eq!(r.tag, None);
        assert!(String::from_utf8(r.to_json_bytes()).unwrap().contains("\"tag\": null"));
    }

    #[test]
    fn serde_derive_style_use_works() {
        let r: RunLog = serde_json::from_str(r#"{"run_id": "r", "parameters": {"b": 1, "a": 2.0}}"#).unwrap();
        let back = serde_json::to_string(&r).unwrap();
        assert!(back.contains(r#""parameters":{"b":1,"a":2.0}"#), "{back}");
        assert!(serde_json::from_str::<RunLog>(r#"{"run_id": 1}"#).is_err());
    }
}

//! The store class of the bindings: `Store.open(config, env, readFile)`, then `start(op, args)`
//! for the async methods (a task, see `tasks.rs`) and `call(op, args)` for the synchronous ones.
//! `args` is the JSON array of the method's arguments; each is converted and checked here, so a
//! wrong type is an `InvalidArgumentError` naming the argument.

use std::rc::Rc;

use wasm_bindgen::prelude::*;

use super::host::Driven;
use super::{error_json, outcome, tasks};
use crate::config::Config;
use crate::credentials::Env;
use crate::error::{Error, Result};
use crate::model::{BranchLog, Map, RunLog, StepLog};
use crate::pyjson::{self, ToJson};
use crate::reconcile::Reconcile;
use crate::store::{JsRead, ListOptions, NewRunLog, S3RunLogStore};
use crate::value::Value;

/// A run log store whose IO the JS side performs.
#[wasm_bindgen]
pub struct Store {
    inner: Rc<S3RunLogStore<Driven>>,
}

/// The arguments of one call, as JSON values.
struct Args(Vec<Value>);

impl Args {
    /// Documents (run logs, steps, parameters) keep unpaired surrogates as Python does; string
    /// arguments that name things refuse them (see [`Args::string`]).
    fn parse(text: &str) -> Result<Args> {
        match pyjson::parse_str(text) {
            Ok(Value::Array(a)) => Ok(Args(a)),
            _ => Err(Error::invalid_argument("arguments", "expected a JSON array")),
        }
    }

    fn get(&self, i: usize) -> &Value {
        self.0.get(i).unwrap_or(&Value::Null)
    }

    /// A string argument. One holding an unpaired surrogate is refused: as a name it would
    /// silently become U+FFFD, so `"x\ud800"` and `"x\udbff"` would name the same run.
    fn string(&self, i: usize, name: &str) -> Result<String> {
        text(self.get(i), name)
    }

    fn object(&self, i: usize, name: &str) -> Result<Map> {
        match self.get(i) {
            Value::Object(m) => Ok(m.clone()),
            other => Err(Error::invalid_argument(name, format!("expected an object, got {}", other.kind()))),
        }
    }

    /// An options object, or none (`null` / absent).
    fn options(&self, i: usize, name: &str) -> Result<Map> {
        match self.get(i) {
            Value::Null => Ok(Map::new()),
            Value::Object(m) => Ok(m.clone()),
            other => Err(Error::invalid_argument(name, format!("expected an options object, got {}", other.kind()))),
        }
    }
}

fn text(v: &Value, name: &str) -> Result<String> {
    match v {
        Value::String(s) => Ok(s.clone()),
        Value::Utf16(_) => Err(Error::invalid_argument(name, "contains an unpaired surrogate (malformed UTF-16)")),
        other => Err(Error::invalid_argument(name, format!("expected a string, got {}", other.kind()))),
    }
}

fn opt_string(m: &Map, key: &str) -> Result<Option<String>> {
    match m.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => text(v, key).map(Some),
    }
}

fn opt_bool(m: &Map, key: &str) -> Result<Option<bool>> {
    match m.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(other) => Err(Error::invalid_argument(key, format!("expected true or false, got {}", other.kind()))),
    }
}

fn opt_count(v: Option<&Value>, key: &str) -> Result<Option<u64>> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v.as_u64().map(Some).ok_or_else(|| Error::invalid_argument(key, "expected a whole number")),
    }
}

/// The environment from a JSON object of strings (other values are skipped).
fn env(text: &str) -> Result<Env> {
    match pyjson::parse_str(text) {
        Ok(Value::Object(m)) => Ok(m
            .into_iter()
            .filter_map(|(k, v)| match v {
                Value::String(s) => Some((k, s)),
                _ => None,
            })
            .collect()),
        _ => Err(Error::invalid_argument("env", "expected an object of variables")),
    }
}

/// `f` behind a `dyn Future`: its state machine is compiled once, on its own, instead of being
/// inlined into the one of `call` (which would grow by all of it).
fn erased<'a, T>(f: impl std::future::Future<Output = T> + 'a) -> crate::host::LocalBoxFuture<'a, T> {
    Box::pin(f)
}

/// An ISO 8601 time option (JS hands `Date`s over as `toISOString()`), as ms.
fn opt_time(m: &Map, key: &str) -> Result<Option<u64>> {
    match opt_string(m, key)? {
        None => Ok(None),
        Some(t) => crate::index::parse_time(&t).map(Some).ok_or_else(|| {
            Error::invalid_argument(
                key,
                format!("expected a Date or an ISO 8601 UTC time, got {}", crate::error::quoted(&t)),
            )
        }),
    }
}

/// `listRuns` options: `{ status?, tag?, since?, until?, runIdPrefix?, limit?, cursor?, details? }`.
fn run_query(o: &Map) -> Result<crate::index::RunQuery> {
    let statuses = match o.get("status") {
        None | Some(Value::Null) => vec![],
        Some(Value::Array(items)) => items.iter().map(|v| text(v, "status")).collect::<Result<_>>()?,
        Some(v) => vec![text(v, "status")?],
    };
    let limit = opt_count(o.get("limit"), "limit")?;
    if limit.is_some_and(|n| n == 0 || n > 1000) {
        return Err(Error::invalid_argument("limit", "expected 1 to 1000"));
    }
    Ok(crate::index::RunQuery {
        statuses,
        tag: opt_string(o, "tag")?,
        since_ms: opt_time(o, "since")?,
        until_ms: opt_time(o, "until")?,
        run_id_prefix: opt_string(o, "runIdPrefix")?,
        limit: limit.map(|n| n as u32),
        cursor: opt_string(o, "cursor")?,
        details: opt_bool(o, "details")?.unwrap_or(false),
    })
}

fn done(_: ()) -> Value {
    Value::Null
}

#[wasm_bindgen]
impl Store {
    /// A store for `config` (JSON of magnus's run_log_store block or its inner config) with the
    /// variables of `env` (JSON object); throws the error's JSON text when either is wrong.
    pub fn open(
        config: &str,
        env_json: &str,
        read_file: Option<js_sys::Function>,
    ) -> std::result::Result<Store, JsValue> {
        let build = || -> Result<Store> {
            let config = Config::from_json(config)?;
            let env = env(env_json)?;
            let store = S3RunLogStore::with_host(config, &env, Driven { read_file })?;
            Ok(Store { inner: Rc::new(store) })
        };
        build().map_err(|e| JsValue::from_str(&error_json(&e)))
    }

    /// Starts async method `op` with the JSON array `args`; the task id for `poll`.
    pub fn start(&self, op: &str, args: String) -> u32 {
        let store = self.inner.clone();
        // putRunLog of an object this store did not read (nothing to reconcile): straight from
        // JSON.stringify's text to magnus's bytes, without building the argument list.
        if op == "putRunLog" && args.starts_with('[') && args.ends_with(",null]") {
            let mut doc = args.into_bytes();
            doc.truncate(doc.len() - 6);
            doc.remove(0);
            return tasks::spawn(Box::pin(async move { finish(out(store.put_run_log_json(&doc).await.map(done))) }));
        }
        let op = op.to_string();
        let progress = Rc::new(std::cell::Cell::new(None));
        let report = (op == "reindex").then(|| progress.clone());
        let id = tasks::spawn(Box::pin(async move {
            match Args::parse(&args) {
                Ok(args) => finish(call(&store, &op, args, &progress).await),
                Err(e) => outcome::<Value>(Err(e)),
            }
        }));
        if let Some(report) = report {
            tasks::watch(id, report);
        }
        id
    }

    /// Runs synchronous method `op` (the factories): `{"ok": value}` or `{"error": {...}}`.
    pub fn call(&self, op: &str, args: &str) -> String {
        let s = &self.inner;
        let result = Args::parse(args).and_then(|a| -> Result<Value> {
            Ok(match op {
                "createStepLog" => to_value(&s.create_step_log(&a.string(0, "name")?, &a.string(1, "internalName")?)?),
                "createBranchLog" => to_value(&s.create_branch_log(&a.string(0, "internalBranchName")?)?),
                "createAttemptLog" => to_value(&s.create_attempt_log()),
                "createCodeIdentity" => to_value(&s.create_code_identity()),
                "createDataCatalog" => to_value(&s.create_data_catalog(&a.string(0, "name")?)),
                "__fault" => fault("sync"),
                _ => return Err(Error::invalid_argument("method", format!("no method {}", crate::error::quoted(op)))),
            })
        });
        outcome(result.as_ref().map_err(Clone::clone))
    }
}

/// A model value as a JSON value (through its text; the factories' values are tiny).
fn to_value<T: ToJson>(v: &T) -> Value {
    pyjson::parse_str(&pyjson::to_compact_string(v)).unwrap_or_default()
}

/// A stored run log's text that `JSON.parse` reads as it is ([`crate::verbatim`]).
struct Verbatim(Vec<u8>);

impl ToJson for Verbatim {
    fn write_json(&self, w: &mut pyjson::Writer) {
        w.raw(&self.0);
    }
}

/// What an async method answers: the value to write and, for `getRunLogById`, what a JS object
/// of it loses (the skeleton, as raw text; JS keeps it beside the object for `putRunLog`).
struct Reply {
    value: Box<dyn ToJson>,
    fix: Option<String>,
    /// The value's size where known (a stored text), to size the answer once.
    size: usize,
}

/// A result as a [`Reply`]: one small function per result type, and one writer for all.
fn out<T: ToJson + 'static>(r: Result<T>) -> Result<Reply> {
    r.map(|v| Reply { value: Box::new(v), fix: None, size: 0 })
}

/// `{"ok": value[, "fix": "..."]}` or `{"error": {...}}`.
fn finish(r: Result<Reply>) -> String {
    // A stored text handed over as it is: room for all of it at once (no doubling copies).
    let room = match &r {
        Ok(Reply { fix, size, .. }) => 4096 + size + fix.as_ref().map_or(0, String::len),
        Err(_) => 4096,
    };
    let mut w = crate::pyjson::Writer::with_capacity(crate::pyjson::Mode::Compact, room);
    w.begin_object();
    match r {
        Ok(reply) => {
            w.entry("ok", &*reply.value);
            if let Some(fix) = &reply.fix {
                w.entry("fix", fix);
            }
        }
        Err(e) => {
            w.key("error");
            super::write_error(&e, &mut w);
        }
    }
    w.end_object();
    String::from_utf8(w.into_bytes()).unwrap_or_default()
}

async fn call(s: &S3RunLogStore<Driven>, op: &str, a: Args, progress: &tasks::Progress) -> Result<Reply> {
    match op {
        "createRunLog" => out(async {
            let run_id = a.string(0, "runId")?;
            let o = a.options(1, "options")?;
            let new = NewRunLog {
                dag_hash: opt_string(&o, "dag_hash")?,
                use_cached: opt_bool(&o, "use_cached")?.unwrap_or(false),
                tag: opt_string(&o, "tag")?,
                original_run_id: opt_string(&o, "original_run_id")?,
                status: opt_string(&o, "status")?,
            };
            s.create_run_log(&run_id, new).await
        }
        .await),
        "getRunLogById" => {
            let read = async {
                let run_id = a.string(0, "runId")?;
                let full = match a.get(1) {
                    Value::Null => true,
                    Value::Bool(b) => *b,
                    other => {
                        return Err(Error::invalid_argument(
                            "full",
                            format!("expected true or false, got {}", other.kind()),
                        ))
                    }
                };
                s.get_run_log_for_js(&run_id, full).await
            };
            Ok(match read.await? {
                JsRead::Text { text, fix } => Reply { size: text.len(), value: Box::new(Verbatim(text)), fix },
                JsRead::Model { log, fix } => {
                    Reply { value: log, fix: fix.map(|sk| pyjson::to_raw_string(&sk)), size: 0 }
                }
            })
        }
        "putRunLog" => out(async {
            let mut value = a.get(0).clone();
            if let Value::String(fix) = a.get(1) {
                if let Ok(skeleton) = pyjson::parse_str(fix) {
                    value.reconcile(&skeleton);
                }
            }
            s.put_run_log(&RunLog::from_value(value)?).await.map(done)
        }
        .await),
        "getRunLogText" => out(async { s.get_run_log_text(&a.string(0, "runId")?).await }.await),
        "putRunLogText" => out(async { s.put_run_log_text(&a.string(0, "text")?).await.map(done) }.await),
        "updateRunLogStatus" => {
            out(async { s.update_run_log_status(&a.string(0, "runId")?, &a.string(1, "status")?).await.map(done) }
                .await)
        }
        "getParameters" => out(async { s.get_parameters(&a.string(0, "runId")?).await }.await),
        "setParameters" => {
            out(async { s.set_parameters(&a.string(0, "runId")?, &a.object(1, "parameters")?).await.map(done) }.await)
        }
        "getRunConfig" => out(async { s.get_run_config(&a.string(0, "runId")?).await }.await),
        "setRunConfig" => {
            out(async { s.set_run_config(&a.string(0, "runId")?, &a.object(1, "runConfig")?).await.map(done) }.await)
        }
        "getStepLog" => {
            out(async { s.get_step_log(&a.string(0, "internalName")?, &a.string(1, "runId")?).await }.await)
        }
        "addStepLog" => out(async {
            let step = StepLog::from_value(a.get(0).clone())?;
            s.add_step_log(&step, &a.string(1, "runId")?).await.map(done)
        }
        .await),
        "getBranchLog" => {
            out(async { s.get_branch_log(&a.string(0, "internalBranchName")?, &a.string(1, "runId")?).await }.await)
        }
        "addBranchLog" => out(async {
            let branch = BranchLog::from_value(a.get(0).clone())?;
            s.add_branch_log(&branch, &a.string(1, "runId")?).await.map(done)
        }
        .await),
        "listRunLogs" => out(async {
            let o = a.options(0, "options")?;
            let limit = opt_count(o.get("limit"), "limit")?.map(|n| n.min(u64::from(u32::MAX)) as u32);
            s.list_run_logs(&ListOptions { limit, start_after: opt_string(&o, "startAfter")? }).await
        }
        .await),
        // The index's calls are boxed: their state machines stay out of this one's.
        "listRuns" => {
            let query = run_query(&a.options(0, "options")?)?;
            out(erased(s.list_runs(&query)).await)
        }
        "countRuns" => {
            let o = a.options(0, "options")?;
            let counts = erased(s.count_runs(opt_time(&o, "since")?, opt_time(&o, "until")?)).await;
            out(counts.map(|c| Value::Object(c.into_iter().map(|(k, n)| (k, Value::from(n))).collect())))
        }
        "reindex" => {
            let o = a.options(0, "options")?;
            let concurrency = opt_count(o.get("concurrency"), "concurrency")?.unwrap_or(8).clamp(1, 64) as usize;
            let mut report = |done, total| progress.set(Some((done, total)));
            out(erased(s.reindex(concurrency, &mut report)).await)
        }
        "presignGetRunLog" => out(async {
            let expires = opt_count(Some(a.get(1)), "expiresInSeconds")?;
            s.presign_get_run_log(&a.string(0, "runId")?, expires).await
        }
        .await),
        "__fault" => {
            // After some IO, as a real fault would strike mid-call.
            crate::host::Host::sleep(&s.host, std::time::Duration::ZERO).await;
            let how = a.string(0, "how").unwrap_or_default();
            fault(&how)
        }
        _ => Err(Error::invalid_argument("method", format!("no method {}", crate::error::quoted(op)))),
    }
}

/// Test hook of the package's containment tests: a fault inside the module, as a bug would cause
/// one. `"stack"` overflows the stack; anything else traps (a panic aborts in the package build).
fn fault(how: &str) -> ! {
    if how == "stack" {
        fn deep(n: u64) -> u64 {
            if n == u64::MAX {
                return 0;
            }
            std::hint::black_box(deep(std::hint::black_box(n + 1))) + 1
        }
        deep(0);
    }
    panic!("test fault")
}

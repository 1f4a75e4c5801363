//! The `S3RunLogStore` JS class: each method checks its arguments, calls the Rust store and
//! settles a Promise with plain JSON-shaped objects (or a typed error).

use std::future::Future;
use std::rc::Rc;

use crate::value::Value;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

use super::convert::{self, from_serialize, string, to_value};
use super::to_js_error;
use crate::config::Config;
use crate::error::{Error, Result};
use crate::model::{BranchLog, Map, RunLog, StepLog};
use crate::store::{ListOptions, NewRunLog, S3RunLogStore, WritePolicy};

/// The magnus S3 run log store for JavaScript hosts.
#[wasm_bindgen(js_name = S3RunLogStore)]
pub struct JsStore {
    inner: Rc<S3RunLogStore>,
}

fn promise(f: impl Future<Output = Result<JsValue>> + 'static) -> js_sys::Promise {
    settle(Box::pin(f))
}

/// One non-generic promise adapter for every method: each method's future is boxed, so
/// `future_to_promise` and its task machinery are compiled once, not once per method.
#[inline(never)]
fn settle(f: std::pin::Pin<Box<dyn Future<Output = Result<JsValue>>>>) -> js_sys::Promise {
    future_to_promise(async move { f.await.map_err(to_js_error) })
}

fn object(v: &JsValue, argument: &str) -> Result<Map> {
    match to_value(v, argument)? {
        Value::Object(m) => Ok(m),
        _ => Err(Error::invalid_argument(argument, format!("expected an object, got {}", convert::type_of(v)))),
    }
}

fn done(_: ()) -> JsValue {
    JsValue::UNDEFINED
}

#[wasm_bindgen(js_class = S3RunLogStore)]
impl JsStore {
    /// `new S3RunLogStore(config, env?)`: magnus's run_log_store block or its inner config;
    /// `env` defaults to `process.env` where it exists.
    #[wasm_bindgen(constructor)]
    pub fn new(config: JsValue, env: JsValue) -> std::result::Result<JsStore, JsValue> {
        let build = || -> Result<JsStore> {
            let mut value = to_value(&config, "config").map_err(|e| match e {
                Error::InvalidArgument { message, .. } => Error::config("$", message),
                other => other,
            })?;
            // Test-only switch (see README): magnus's unconditional writes, to show lost updates.
            let naive = take_naive_switch(&mut value)?;
            let config = Config::from_value(&value)?;
            let env = convert::env(&env)?;
            let mut store = S3RunLogStore::new(config, &env)?;
            if naive {
                store = store.with_write_policy(WritePolicy { conditional: false, ..WritePolicy::default() });
            }
            Ok(JsStore { inner: Rc::new(store) })
        };
        build().map_err(to_js_error)
    }

    /// Creates a run log; rejects with RunLogExistsError if the run id is taken.
    #[wasm_bindgen(js_name = createRunLog)]
    pub fn create_run_log(&self, run_id: JsValue, options: JsValue) -> js_sys::Promise {
        let store = self.inner.clone();
        promise(async move {
            let run_id = string(&run_id, "runId")?;
            convert::options(&options, "options")?;
            let new = NewRunLog {
                dag_hash: convert::opt_string(&options, "dag_hash")?,
                use_cached: convert::opt_bool(&options, "use_cached")?.unwrap_or(false),
                tag: convert::opt_string(&options, "tag")?,
                original_run_id: convert::opt_string(&options, "original_run_id")?,
                status: convert::opt_string(&options, "status")?,
            };
            store.create_run_log(&run_id, new).await.map(|l| from_serialize(&l))
        })
    }

    /// Reads a run log (`full` assembles every chunk of a chunked run).
    #[wasm_bindgen(js_name = getRunLogById)]
    pub fn get_run_log_by_id(&self, run_id: JsValue, full: JsValue) -> js_sys::Promise {
        let store = self.inner.clone();
        promise(async move {
            let run_id = string(&run_id, "runId")?;
            let full = if full.is_undefined() {
                true
            } else {
                full.as_bool().ok_or_else(|| Error::invalid_argument("full", "expected true or false"))?
            };
            store.get_run_log_by_id(&run_id, full).await.map(|l| from_serialize(&l))
        })
    }

    /// Overwrites the whole run log.
    #[wasm_bindgen(js_name = putRunLog)]
    pub fn put_run_log(&self, run_log: JsValue) -> js_sys::Promise {
        let store = self.inner.clone();
        promise(async move {
            let log = RunLog::from_value(to_value(&run_log, "runLog")?)?;
            store.put_run_log(&log).await.map(done)
        })
    }

    /// Sets the run's status.
    #[wasm_bindgen(js_name = updateRunLogStatus)]
    pub fn update_run_log_status(&self, run_id: JsValue, status: JsValue) -> js_sys::Promise {
        let store = self.inner.clone();
        promise(async move {
            let (run_id, status) = (string(&run_id, "runId")?, string(&status, "status")?);
            store.update_run_log_status(&run_id, &status).await.map(done)
        })
    }

    /// The run's parameters.
    #[wasm_bindgen(js_name = getParameters)]
    pub fn get_parameters(&self, run_id: JsValue) -> js_sys::Promise {
        let store = self.inner.clone();
        promise(async move { store.get_parameters(&string(&run_id, "runId")?).await.map(|p| from_serialize(&p)) })
    }

    /// Merges parameters into the run's.
    #[wasm_bindgen(js_name = setParameters)]
    pub fn set_parameters(&self, run_id: JsValue, parameters: JsValue) -> js_sys::Promise {
        let store = self.inner.clone();
        promise(async move {
            let run_id = string(&run_id, "runId")?;
            let parameters = object(&parameters, "parameters")?;
            store.set_parameters(&run_id, &parameters).await.map(done)
        })
    }

    /// The run's config snapshot.
    #[wasm_bindgen(js_name = getRunConfig)]
    pub fn get_run_config(&self, run_id: JsValue) -> js_sys::Promise {
        let store = self.inner.clone();
        promise(async move { store.get_run_config(&string(&run_id, "runId")?).await.map(|p| from_serialize(&p)) })
    }

    /// Merges a run config into the run's.
    #[wasm_bindgen(js_name = setRunConfig)]
    pub fn set_run_config(&self, run_id: JsValue, run_config: JsValue) -> js_sys::Promise {
        let store = self.inner.clone();
        promise(async move {
            let run_id = string(&run_id, "runId")?;
            let run_config = object(&run_config, "runConfig")?;
            store.set_run_config(&run_id, &run_config).await.map(done)
        })
    }

    /// A new step log (no IO).
    #[wasm_bindgen(js_name = createStepLog)]
    pub fn create_step_log(&self, name: JsValue, internal_name: JsValue) -> std::result::Result<JsValue, JsValue> {
        let make = || -> Result<JsValue> {
            let (name, internal) = (string(&name, "name")?, string(&internal_name, "internalName")?);
            crate::names::check(&internal, crate::names::Kind::Step)?;
            Ok(from_serialize(&self.inner.create_step_log(&name, &internal)))
        };
        make().map_err(to_js_error)
    }

    /// The step log at an internal name.
    #[wasm_bindgen(js_name = getStepLog)]
    pub fn get_step_log(&self, internal_name: JsValue, run_id: JsValue) -> js_sys::Promise {
        let store = self.inner.clone();
        promise(async move {
            let (name, run_id) = (string(&internal_name, "internalName")?, string(&run_id, "runId")?);
            store.get_step_log(&name, &run_id).await.map(|s| from_serialize(&s))
        })
    }

    /// Stores a step log at its internal name.
    #[wasm_bindgen(js_name = addStepLog)]
    pub fn add_step_log(&self, step_log: JsValue, run_id: JsValue) -> js_sys::Promise {
        let store = self.inner.clone();
        promise(async move {
            let step = StepLog::from_value(to_value(&step_log, "stepLog")?)?;
            store.add_step_log(&step, &string(&run_id, "runId")?).await.map(done)
        })
    }

    /// A new branch log (no IO).
    #[wasm_bindgen(js_name = createBranchLog)]
    pub fn create_branch_log(&self, internal_branch_name: JsValue) -> std::result::Result<JsValue, JsValue> {
        let make = || -> Result<JsValue> {
            let name = string(&internal_branch_name, "internalBranchName")?;
            crate::names::check(&name, crate::names::Kind::Branch)?;
            Ok(from_serialize(&self.inner.create_branch_log(&name)))
        };
        make().map_err(to_js_error)
    }

    /// The branch log at an internal branch name.
    #[wasm_bindgen(js_name = getBranchLog)]
    pub fn get_branch_log(&self, internal_branch_name: JsValue, run_id: JsValue) -> js_sys::Promise {
        let store = self.inner.clone();
        promise(async move {
            let (name, run_id) = (string(&internal_branch_name, "internalBranchName")?, string(&run_id, "runId")?);
            store.get_branch_log(&name, &run_id).await.map(|b| from_serialize(&b))
        })
    }

    /// Stores a branch log under its parent step.
    #[wasm_bindgen(js_name = addBranchLog)]
    pub fn add_branch_log(&self, branch_log: JsValue, run_id: JsValue) -> js_sys::Promise {
        let store = self.inner.clone();
        promise(async move {
            let branch = BranchLog::from_value(to_value(&branch_log, "branchLog")?)?;
            store.add_branch_log(&branch, &string(&run_id, "runId")?).await.map(done)
        })
    }

    /// A new attempt with magnus's defaults (no IO).
    #[wasm_bindgen(js_name = createAttemptLog)]
    pub fn create_attempt_log(&self) -> JsValue {
        from_serialize(&self.inner.create_attempt_log())
    }

    /// A new code identity with magnus's defaults (no IO).
    #[wasm_bindgen(js_name = createCodeIdentity)]
    pub fn create_code_identity(&self) -> JsValue {
        from_serialize(&self.inner.create_code_identity())
    }

    /// A new data catalog record (no IO).
    #[wasm_bindgen(js_name = createDataCatalog)]
    pub fn create_data_catalog(&self, name: JsValue) -> std::result::Result<JsValue, JsValue> {
        string(&name, "name").map(|n| from_serialize(&self.inner.create_data_catalog(&n))).map_err(to_js_error)
    }

    /// Runs under the prefix: `[{ run_id, key, last_modified, size, etag, layout }]`.
    #[wasm_bindgen(js_name = listRunLogs)]
    pub fn list_run_logs(&self, options: JsValue) -> js_sys::Promise {
        let store = self.inner.clone();
        promise(async move {
            convert::options(&options, "options")?;
            let limit = convert::opt_u64(&options, "limit")?.map(|n| n.min(1000) as u32);
            let opts = ListOptions { limit, start_after: convert::opt_string(&options, "startAfter")? };
            store.list_run_logs(&opts).await.map(|runs| from_serialize(&runs))
        })
    }

    /// A presigned URL to GET the run log's object.
    #[wasm_bindgen(js_name = presignGetRunLog)]
    pub fn presign_get_run_log(&self, run_id: JsValue, expires_in_seconds: JsValue) -> js_sys::Promise {
        let store = self.inner.clone();
        promise(async move {
            let run_id = string(&run_id, "runId")?;
            let expires = match expires_in_seconds.as_f64() {
                None if expires_in_seconds.is_undefined() => 900,
                Some(n) if n.fract() == 0.0 && n >= 1.0 => n as u64,
                _ => return Err(Error::invalid_argument("expiresInSeconds", "expected a whole number of seconds")),
            };
            store.presign_get_run_log(&run_id, expires).await.map(|u| JsValue::from_str(&u))
        })
    }
}

fn take_naive_switch(config: &mut Value) -> Result<bool> {
    let inner = match config.get_mut("config") {
        Some(c) if c.is_object() => c,
        _ => config,
    };
    match inner.as_object_mut().and_then(|m| m.remove("unsafe_last_writer_wins")) {
        None => Ok(false),
        Some(Value::Bool(b)) => Ok(b),
        Some(_) => Err(Error::config("unsafe_last_writer_wins", "expected true or false")),
    }
}

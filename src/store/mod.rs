//! The async run log store: magnus's `BaseRunLogStore` API over S3.
//!
//! - `mod.rs` (this file): the store, its options, and the public API, which hands each call to
//!   the module of the configured layout;
//! - [`request`]: every request signed and sent in one place (retries, clock skew, the role's
//!   credentials), conditional writes and the read-modify-write loop, the one paginator;
//! - `single.rs`: magnus's `s3` layout, one object per run;
//! - `chunked.rs`: the chunked layout, one object per part of the run.
//!
//! Every change to a stored document is a read-modify-write that ends in a conditional PUT
//! (`If-Match` on the ETag read, `If-None-Match: *` on create), retried with jittered backoff
//! when another writer won the race, so parallel writers never lose updates. The read is skipped
//! when this store wrote the document last (it keeps what it wrote and its ETag): the `If-Match`
//! still guards the write, and a 412 sends it back to a fresh read.

mod chunked;
mod index;
mod request;
mod single;

use std::sync::atomic::{AtomicI64, AtomicU64};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::config::{Config, Endpoint, Layout};
use crate::credentials::{self, Credentials, Env};
use crate::error::Result;
use crate::host::{DefaultHost, Host};
use crate::model::{status, BranchLog, CodeIdentity, DataCatalog, Map, RunLog, StepAttempt, StepLog, Value};
use crate::names::{self, Kind};
use crate::pyjson::{ToJson, Writer};
use crate::reconcile::Reconcile;

pub use request::Listing;

/// Fields of a new run log (magnus's `create_run_log` keyword arguments); `None` = magnus's default.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NewRunLog {
    /// Default `""`.
    pub dag_hash: Option<String>,
    /// Default false.
    pub use_cached: bool,
    /// Default `""`.
    pub tag: Option<String>,
    /// Default `""`.
    pub original_run_id: Option<String>,
    /// Default `CREATED`.
    pub status: Option<String>,
}

/// Options of [`S3RunLogStore::list_run_logs`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListOptions {
    /// At most this many runs (1 to 1000; default 1000).
    pub limit: Option<u32>,
    /// Continue after this run id (the last one of the previous page).
    pub start_after: Option<String>,
}

/// A run log read for a JS caller ([`S3RunLogStore::get_run_log_for_js`]).
#[derive(Debug)]
pub enum JsRead {
    /// The stored text, which `JSON.parse` turns into exactly the run log, and its skeleton as
    /// raw JSON text (`None` when JS loses nothing of it).
    Text {
        /// The stored bytes (UTF-8 JSON).
        text: Vec<u8>,
        /// The skeleton's raw text.
        fix: Option<String>,
    },
    /// The run log, and its skeleton.
    Model {
        /// The run log.
        log: Box<RunLog>,
        /// The skeleton.
        fix: Option<Value>,
    },
}

/// One run found by [`S3RunLogStore::list_run_logs`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunLogSummary {
    /// The run id.
    pub run_id: String,
    /// The object key (single layout) or key prefix (chunked layout, ends in `/`).
    pub key: String,
    /// Last modification (single layout only).
    pub last_modified: Option<String>,
    /// Object size in bytes (single layout only).
    pub size: Option<u64>,
    /// ETag (single layout only).
    pub etag: Option<String>,
    /// How this run is stored.
    pub layout: Layout,
}

impl ToJson for RunLogSummary {
    fn write_json(&self, w: &mut Writer) {
        w.begin_object();
        w.entry("run_id", &self.run_id);
        w.entry("key", &self.key);
        w.entry("last_modified", &self.last_modified);
        w.entry("size", &self.size);
        w.entry("etag", &self.etag);
        w.entry("layout", self.layout.as_str());
        w.end_object();
    }
}

/// How hard the store tries under contention and transient failures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WritePolicy {
    /// Attempts of one read-modify-write before [`crate::Error::Conflict`].
    pub max_attempts: u32,
    /// First backoff ceiling; it doubles per attempt up to `max_delay`.
    pub base_delay: Duration,
    /// Largest backoff ceiling.
    pub max_delay: Duration,
    /// Tries of one request when S3 answers 500/502/503/504 (or SlowDown) or the request cannot
    /// complete; every request the store sends is safe to repeat (see `create_run_log`).
    pub request_tries: u32,
}

impl Default for WritePolicy {
    fn default() -> Self {
        WritePolicy {
            max_attempts: 60,
            base_delay: Duration::from_millis(10),
            max_delay: Duration::from_millis(800),
            request_tries: 3,
        }
    }
}

/// How long a presigned URL stays valid when the caller does not say.
pub const DEFAULT_PRESIGN_SECONDS: u64 = 900;

/// The S3 run log store, over a [`Host`] (the network, clock and timers it runs with).
#[derive(Debug, Clone)]
pub struct S3RunLogStore<H = DefaultHost> {
    pub(crate) config: Config,
    pub(crate) endpoint: Endpoint,
    /// The configured credentials; with `role_arn` they only sign the STS call.
    credentials: Arc<Credentials>,
    /// `role_arn`: where STS is, and the assumed-role credentials while they last.
    role: Option<Arc<request::Role>>,
    pub(crate) host: H,
    pub(crate) policy: WritePolicy,
    /// Milliseconds to add to the local clock when signing, learned from the server's `Date`
    /// when it answered RequestTimeTooSkewed (shared by clones of the store).
    clock_skew_ms: Arc<AtomicI64>,
    /// The last nanosecond timestamp handed out for chunk names (strictly increasing).
    last_time_ns: Arc<AtomicU64>,
    /// Chunked layout: what this store has learned about object names (see `ChunkNames`).
    chunk_names: Arc<Mutex<chunked::ChunkNames>>,
    /// The documents this store wrote last, with their ETags (see `request::Written`).
    written: Arc<Mutex<request::Written>>,
}

#[cfg(not(target_arch = "wasm32"))]
impl S3RunLogStore<DefaultHost> {
    /// A store for `config` on the system's network and clock, taking credentials and endpoint
    /// overrides from `env`.
    pub fn new(config: Config, env: &Env) -> Result<Self> {
        Self::with_host(config, env, DefaultHost::new())
    }
}

impl<H: Host> S3RunLogStore<H> {
    /// A store that does its IO through `host` (another runtime, tests, instrumentation).
    pub fn with_host(config: Config, env: &Env, host: H) -> Result<Self> {
        let endpoint = config.endpoint(env)?;
        let credentials = Arc::new(credentials::resolve(&config, env, &|path: &str| host.read_file(path))?);
        let role = if config.role_arn.is_empty() {
            None
        } else {
            Some(Arc::new(request::Role { sts_url: config.sts_url(env)?, session: Mutex::new(None) }))
        };
        Ok(S3RunLogStore {
            config,
            endpoint,
            credentials,
            role,
            host,
            policy: WritePolicy::default(),
            clock_skew_ms: Arc::default(),
            last_time_ns: Arc::default(),
            chunk_names: Arc::default(),
            written: Arc::default(),
        })
    }

    /// Replaces the write policy.
    pub fn with_write_policy(mut self, policy: WritePolicy) -> Self {
        self.policy = policy;
        self
    }

    /// Sets the offset (milliseconds, may be negative) added to the local clock when signing.
    /// The store learns it by itself from a RequestTimeTooSkewed answer; setting it up front
    /// saves that round trip where the skew is known (and lets tests start with a wrong clock).
    pub fn with_clock_offset_ms(self, ms: i64) -> Self {
        self.clock_skew_ms
            .store(ms.clamp(-request::MAX_SKEW_MS, request::MAX_SKEW_MS), std::sync::atomic::Ordering::Relaxed);
        self
    }

    /// The configuration in use.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The host (e.g. to read counters of an instrumented one).
    pub fn host(&self) -> &H {
        &self.host
    }

    // ----- the magnus API -----

    /// Creates and stores a new run log; [`crate::Error::RunLogExists`] if the id is taken
    /// (atomic: `If-None-Match: *`).
    pub async fn create_run_log(&self, run_id: &str, new: NewRunLog) -> Result<RunLog> {
        crate::config::check_run_id(run_id)?;
        let mut log = RunLog::new(run_id);
        log.dag_hash = Some(new.dag_hash.unwrap_or_default());
        log.use_cached = new.use_cached;
        log.tag = Some(new.tag.unwrap_or_default());
        log.original_run_id = Some(new.original_run_id.unwrap_or_default());
        log.status = new.status.unwrap_or_else(|| status::CREATED.into());
        match self.config.layout {
            Layout::Single => self.single_create(log).await,
            Layout::Chunked => self.chunked_create(log).await,
        }
    }

    /// Reads a run log: one GET (single layout). Chunked: `full` lists and GETs every chunk (in
    /// parallel) and assembles the whole document; otherwise the header only, as magnus does.
    pub async fn get_run_log_by_id(&self, run_id: &str, full: bool) -> Result<RunLog> {
        match self.config.layout {
            Layout::Single => RunLog::from_json_bytes(&self.get_run_log_bytes(run_id).await?),
            Layout::Chunked => self.chunked_read(run_id, full).await,
        }
    }

    /// Reads a run log's stored bytes exactly as they are (single layout; for byte-level checks).
    pub async fn get_run_log_bytes(&self, run_id: &str) -> Result<Vec<u8>> {
        match self.config.layout {
            Layout::Single => self.single_bytes(run_id).await,
            Layout::Chunked => Err(crate::Error::invalid_argument(
                "layout",
                "a chunked run log has no single object to read bytes from",
            )),
        }
    }

    /// The run log as text: single layout, the stored document as it is (decoded as Python reads
    /// it: UTF-8, UTF-16 or UTF-32, BOM dropped); chunked, the assembled document in magnus's
    /// form. Checked like any run log ([`crate::Error::InvalidRunLog`] with the path).
    pub async fn get_run_log_text(&self, run_id: &str) -> Result<String> {
        match self.config.layout {
            Layout::Single => {
                let bytes = self.get_run_log_bytes(run_id).await?;
                RunLog::from_json_bytes(&bytes)?;
                Ok(crate::pyjson::decode(&bytes)?.into_owned())
            }
            Layout::Chunked => {
                let log = self.chunked_read(run_id, true).await?;
                Ok(String::from_utf8(log.to_json_bytes()).unwrap_or_default())
            }
        }
    }

    /// Writes `text` as a run log after checking it is one: single layout, these very bytes
    /// (last writer wins, as [`Self::put_run_log`]); chunked, its chunks in magnus's form.
    pub async fn put_run_log_text(&self, text: &str) -> Result<()> {
        let log = RunLog::from_json_bytes(text.as_bytes())?;
        crate::config::check_run_id(&log.run_id)?;
        match self.config.layout {
            Layout::Single => self.single_put_bytes(&log.run_id, text.as_bytes().to_vec(), &log, true).await,
            Layout::Chunked => self.chunked_put(&log).await,
        }
    }

    /// [`Self::get_run_log_by_id`] for a JS caller, with what a value world of JS numbers and JS
    /// key order would lose of it ([`crate::reconcile::skeleton`]): the npm package hands this
    /// back with `putRunLog`, so a document read, changed and written keeps every text it did
    /// not change. A stored text that already is what JS should get is handed over as it is
    /// ([`crate::verbatim`]), without building the model.
    pub async fn get_run_log_for_js(&self, run_id: &str, full: bool) -> Result<JsRead> {
        match self.config.layout {
            Layout::Single => {
                let text = self.get_run_log_bytes(run_id).await?;
                if let Some(fix) = crate::verbatim::check(&text) {
                    return Ok(JsRead::Text { text, fix });
                }
                let value = crate::pyjson::parse(&text)?;
                let fix = crate::reconcile::skeleton(&value);
                Ok(JsRead::Model { log: Box::new(RunLog::from_value(value)?), fix })
            }
            Layout::Chunked => {
                let log = self.chunked_read(run_id, full).await?;
                let fix = crate::reconcile::skeleton_of(&log);
                Ok(JsRead::Model { log: Box::new(log), fix })
            }
        }
    }

    /// Overwrites the whole run log (magnus's `put_run_log`: last writer wins by design).
    /// Chunked: writes every chunk of the document (existing step/branch objects are reused).
    pub async fn put_run_log(&self, run_log: &RunLog) -> Result<()> {
        crate::config::check_run_id(&run_log.run_id)?;
        match self.config.layout {
            Layout::Single => self.single_put(run_log).await,
            Layout::Chunked => self.chunked_put(run_log).await,
        }
    }

    /// [`Self::put_run_log`] of a run log given as JSON text (`JSON.stringify`'s, say). In the
    /// single layout a text in the model's own shape is written as magnus's bytes in one pass
    /// ([`crate::verbatim::transcode`]); anything else is read and written the general way.
    pub async fn put_run_log_json(&self, text: &[u8]) -> Result<()> {
        if self.config.layout == Layout::Single {
            if let Some((header, bytes)) = crate::verbatim::transcode(text) {
                crate::config::check_run_id(&header.run_id)?;
                // The index gets the header's fields; its step counts come with `reindex`.
                return self.single_put_bytes(&header.run_id, bytes, &header, false).await;
            }
        }
        self.put_run_log(&RunLog::from_json_bytes(text)?).await
    }

    /// Sets the run's status.
    pub async fn update_run_log_status(&self, run_id: &str, status: &str) -> Result<()> {
        self.modify_header(run_id, &mut |log| {
            log.status = status.to_string();
            Ok(())
        })
        .await
    }

    /// The run's parameters.
    pub async fn get_parameters(&self, run_id: &str) -> Result<Map> {
        match self.config.layout {
            Layout::Single => Ok(self.get_run_log_by_id(run_id, false).await?.parameters),
            Layout::Chunked => self.chunked_get_parameters(run_id).await,
        }
    }

    /// Merges `parameters` into the run's (Python `dict.update`: existing keys keep their place).
    pub async fn set_parameters(&self, run_id: &str, parameters: &Map) -> Result<()> {
        match self.config.layout {
            Layout::Single => self.modify_header(run_id, &mut |log| merge(&mut log.parameters, parameters)).await,
            Layout::Chunked => self.chunked_set_parameters(run_id, parameters).await,
        }
    }

    /// The run's config snapshot.
    pub async fn get_run_config(&self, run_id: &str) -> Result<Map> {
        Ok(self.get_run_log_by_id(run_id, false).await?.run_config)
    }

    /// Merges `run_config` into the run's (`dict.update`).
    pub async fn set_run_config(&self, run_id: &str, run_config: &Map) -> Result<()> {
        self.modify_header(run_id, &mut |log| merge(&mut log.run_config, run_config)).await
    }

    /// A new step log in memory, status CREATED; the internal name must name a step.
    pub fn create_step_log(&self, name: &str, internal_name: &str) -> Result<StepLog> {
        names::check(internal_name, Kind::Step)?;
        let mut s = StepLog::new(name, internal_name);
        s.status = status::CREATED.into();
        Ok(s)
    }

    /// The step log at `internal_name`; [`crate::Error::StepLogNotFound`] naming the missing prefix.
    pub async fn get_step_log(&self, internal_name: &str, run_id: &str) -> Result<StepLog> {
        names::check(internal_name, Kind::Step)?;
        match self.config.layout {
            Layout::Single => names::step(&self.get_run_log_by_id(run_id, false).await?, internal_name).cloned(),
            Layout::Chunked => StepLog::from_value(self.chunked_get_one(run_id, Kind::Step, internal_name).await?),
        }
    }

    /// Stores `step_log` at its internal name (inserted or replaced); its parent branch must exist.
    pub async fn add_step_log(&self, step_log: &StepLog, run_id: &str) -> Result<()> {
        names::check(&step_log.internal_name, Kind::Step)?;
        match self.config.layout {
            Layout::Single => {
                self.modify_header(run_id, &mut |log| {
                    let mut step = step_log.clone();
                    if let Ok(stored) = names::step(log, &step.internal_name) {
                        step.reconcile(stored);
                    }
                    names::add_step(log, step)
                })
                .await
            }
            Layout::Chunked => self.chunked_add_step(step_log, run_id).await,
        }
    }

    /// A new branch log in memory, status CREATED; the internal name must name a branch.
    pub fn create_branch_log(&self, internal_branch_name: &str) -> Result<BranchLog> {
        names::check(internal_branch_name, Kind::Branch)?;
        let mut b = BranchLog::new(internal_branch_name);
        b.status = status::CREATED.into();
        Ok(b)
    }

    /// The branch log at `internal_branch_name`.
    pub async fn get_branch_log(&self, internal_branch_name: &str, run_id: &str) -> Result<BranchLog> {
        names::check(internal_branch_name, Kind::Branch)?;
        match self.config.layout {
            Layout::Single => {
                names::branch(&self.get_run_log_by_id(run_id, false).await?, internal_branch_name).cloned()
            }
            Layout::Chunked => {
                BranchLog::from_value(self.chunked_get_one(run_id, Kind::Branch, internal_branch_name).await?)
            }
        }
    }

    /// Stores `branch_log` under its parent step (inserted or replaced); the step must exist.
    pub async fn add_branch_log(&self, branch_log: &BranchLog, run_id: &str) -> Result<()> {
        names::check(&branch_log.internal_name, Kind::Branch)?;
        match self.config.layout {
            Layout::Single => {
                self.modify_header(run_id, &mut |log| {
                    let mut branch = branch_log.clone();
                    if let Ok(stored) = names::branch(log, &branch.internal_name) {
                        branch.reconcile(stored);
                    }
                    names::add_branch(log, branch)
                })
                .await
            }
            Layout::Chunked => self.chunked_add_branch(branch_log, run_id).await,
        }
    }

    /// A new attempt with magnus's defaults.
    pub fn create_attempt_log(&self) -> StepAttempt {
        StepAttempt::default()
    }

    /// A new code identity with magnus's defaults.
    pub fn create_code_identity(&self) -> CodeIdentity {
        CodeIdentity::default()
    }

    /// A new catalog record.
    pub fn create_data_catalog(&self, name: &str) -> DataCatalog {
        DataCatalog::new(name)
    }

    /// Runs under the prefix, in key order, both layouts, paginated by `start_after`.
    pub async fn list_run_logs(&self, options: &ListOptions) -> Result<Vec<RunLogSummary>> {
        self.list_runs_by_key(options).await
    }

    /// A presigned URL a browser can GET the run log from (single layout), valid
    /// `expires_in_seconds` (1 to 604800; default [`DEFAULT_PRESIGN_SECONDS`]).
    pub async fn presign_get_run_log(&self, run_id: &str, expires_in_seconds: Option<u64>) -> Result<String> {
        match self.config.layout {
            Layout::Single => self.single_presign(run_id, expires_in_seconds.unwrap_or(DEFAULT_PRESIGN_SECONDS)).await,
            Layout::Chunked => Err(crate::Error::invalid_argument(
                "layout",
                "a chunked run log is many objects; presigned GETs need the single layout",
            )),
        }
    }

    /// Read-modify-write of the run's document (single) or header (chunked).
    async fn modify_header(&self, run_id: &str, change: &mut dyn FnMut(&mut RunLog) -> Result<()>) -> Result<()> {
        let key = match self.config.layout {
            Layout::Single => self.config.run_key(run_id)?,
            Layout::Chunked => self.header_key(run_id)?,
        };
        let missing = || crate::Error::RunLogNotFound { run_id: run_id.to_string() };
        self.update_run_log(&key, &missing, change).await.map_err(|e| e.with_run_id(run_id))
    }
}

/// Python's `dict.update` of `into` with `from`, where a value that is unchanged keeps its
/// stored text (see [`crate::reconcile`]).
fn merge(into: &mut Map, from: &Map) -> Result<()> {
    for (k, v) in from {
        let mut v = v.clone();
        if let Some(old) = into.get(k) {
            v.reconcile(old);
        }
        into.insert(k.clone(), v);
    }
    Ok(())
}

#[cfg(test)]
mod tests;

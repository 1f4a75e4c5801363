//! The async run log store: magnus's `BaseRunLogStore` API over S3.
//!
//! Every request goes through [`S3RunLogStore::execute`] (sign, send), the one place for
//! request policy. Every change to a stored document is a read-modify-write that ends in a
//! conditional PUT (`If-Match` on the ETag read, `If-None-Match: *` on create), retried with
//! jittered backoff when another writer won the race, so parallel writers never lose updates.

mod chunked;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::config::{check_run_id, Config, Endpoint, Layout};
use crate::credentials::{self, Credentials, Env};
use crate::error::{Error, Result};
use crate::model::{status, BranchLog, CodeIdentity, DataCatalog, Map, RunLog, StepAttempt, StepLog};
use crate::names::{self, Kind};
use crate::s3::{self, Condition};
use crate::signing::{self, RequestParts, SignOptions};
use crate::transport::{self, HttpTransport, Jitter, Transport};
use crate::transport::{HttpRequest, HttpResponse};

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
    /// At most this many runs (default 1000).
    pub limit: Option<u32>,
    /// Continue after this run id (the last one of the previous page).
    pub start_after: Option<String>,
}

/// One run found by [`S3RunLogStore::list_run_logs`] (serializes with these snake_case names,
/// as the JS API returns it).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
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

impl crate::pyjson::ToJson for RunLogSummary {
    fn write_json(&self, w: &mut crate::pyjson::Writer) {
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

/// How writes behave under contention.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WritePolicy {
    /// Use conditional writes. `false` is magnus's last-writer-wins, for tests that must
    /// show lost updates; never turn it off otherwise.
    pub conditional: bool,
    /// Attempts of one read-modify-write before [`Error::Conflict`].
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
            conditional: true,
            max_attempts: 60,
            base_delay: Duration::from_millis(10),
            max_delay: Duration::from_millis(800),
            request_tries: 3,
        }
    }
}

/// An object's body and ETag, or `None` when the key does not exist.
pub(crate) type Fetched = Option<(Vec<u8>, Option<String>)>;

/// The outcome of a conditional PUT.
#[derive(Debug)]
pub(crate) enum Put {
    Written,
    PreconditionFailed,
}

/// The S3 run log store.
#[derive(Debug, Clone)]
pub struct S3RunLogStore<T = HttpTransport> {
    pub(crate) config: Config,
    pub(crate) endpoint: Endpoint,
    /// The configured credentials; with `role_arn` they only sign the STS call.
    credentials: Arc<Credentials>,
    /// `role_arn`: where STS is, and the assumed-role credentials while they last.
    role: Option<Arc<Role>>,
    pub(crate) transport: T,
    pub(crate) policy: WritePolicy,
    /// Milliseconds to add to the local clock when signing, learned from the server's `Date`
    /// when it answered RequestTimeTooSkewed (shared by clones of the store).
    clock_skew_ms: Arc<std::sync::atomic::AtomicI64>,
    /// Chunked layout: what this store has learned about object names (see `ChunkNames`).
    chunk_names: Arc<Mutex<chunked::ChunkNames>>,
}

/// An assumed role: the STS endpoint, and the temporary credentials with their expiry (shared by
/// clones of the store, refreshed by whichever call finds them near expiry).
#[derive(Debug)]
struct Role {
    sts_url: String,
    session: Mutex<Option<(Arc<Credentials>, std::time::SystemTime)>>,
}

/// Assumed-role credentials are replaced this long before they expire.
const REFRESH_BEFORE_EXPIRY: Duration = Duration::from_secs(300);

impl S3RunLogStore<HttpTransport> {
    /// A store for `config`, taking credentials and endpoint overrides from `env`.
    pub fn new(config: Config, env: &Env) -> Result<Self> {
        Self::with_transport(config, env, HttpTransport::new())
    }
}

impl<T: Transport> S3RunLogStore<T> {
    /// A store that sends through `transport` (tests, instrumentation).
    pub fn with_transport(config: Config, env: &Env, transport: T) -> Result<Self> {
        let endpoint = config.endpoint(env)?;
        let credentials = Arc::new(credentials::resolve(&config, env, &transport::read_text_file)?);
        let role = if config.role_arn.is_empty() {
            None
        } else {
            Some(Arc::new(Role { sts_url: config.sts_url(env)?, session: Mutex::new(None) }))
        };
        Ok(S3RunLogStore {
            config,
            endpoint,
            credentials,
            role,
            transport,
            policy: WritePolicy::default(),
            clock_skew_ms: Arc::default(),
            chunk_names: Arc::default(),
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
        self.clock_skew_ms.store(ms, std::sync::atomic::Ordering::Relaxed);
        self
    }

    /// The configuration in use.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The transport (e.g. to read counters of an instrumented one).
    pub fn transport(&self) -> &T {
        &self.transport
    }

    /// The credentials S3 requests are signed with: the configured ones, or with `role_arn` the
    /// role's temporary ones, assumed through STS on first use and again shortly before they
    /// expire. The one place credentials come from, so other sources can join here.
    pub(crate) async fn credentials(&self) -> Result<Arc<Credentials>> {
        let Some(role) = &self.role else { return Ok(self.credentials.clone()) };
        let now = self.now();
        if let Some((creds, expires)) = role.session.lock().ok().and_then(|s| s.clone()) {
            if now + REFRESH_BEFORE_EXPIRY < expires {
                return Ok(creds);
            }
        }
        let req =
            crate::sts::assume_role(&role.sts_url, &self.config.role_arn, self.config.session_duration_in_seconds);
        let resp = self.execute_as(req, &self.credentials, "sts").await?;
        if !resp.is_success() {
            let (code, message) = match s3::parse_error(&resp) {
                Error::S3 { code, message, .. } => (code, message),
                other => (String::new(), other.to_string()),
            };
            return Err(Error::Credentials {
                variable: None,
                message: format!(
                    "STS AssumeRole of {} answered {} {code}: {message}",
                    self.config.role_arn, resp.status
                ),
            });
        }
        let (creds, expires) = crate::sts::parse_assume_role(&resp.body)?;
        let creds = Arc::new(creds);
        if let Ok(mut session) = role.session.lock() {
            *session = Some((creds.clone(), expires));
        }
        Ok(creds)
    }

    /// The local clock corrected by the skew learned from the server.
    fn now(&self) -> std::time::SystemTime {
        let skew = self.clock_skew_ms.load(std::sync::atomic::Ordering::Relaxed);
        let now = transport::now();
        if skew >= 0 {
            now + Duration::from_millis(skew as u64)
        } else {
            now - Duration::from_millis(skew.unsigned_abs())
        }
    }

    /// On RequestTimeTooSkewed, learns the offset from the answer's `Date`; true if it changed.
    fn learn_skew(&self, resp: &HttpResponse) -> bool {
        if resp.status != 403 || !String::from_utf8_lossy(&resp.body).contains("<Code>RequestTimeTooSkewed</Code>") {
            return false;
        }
        let Some(server) = resp.header("date").and_then(crate::dates::parse_http_date) else { return false };
        let local = transport::now();
        let skew = match server.duration_since(local) {
            Ok(ahead) => ahead.as_millis() as i64,
            Err(e) => -(e.duration().as_millis() as i64),
        };
        self.clock_skew_ms.swap(skew, std::sync::atomic::Ordering::Relaxed) != skew
    }

    /// Signs and sends one request.
    ///
    /// Transient failures (500/502/503/504, network errors) are retried with jittered backoff, up
    /// to `request_tries`; each try is signed anew (fresh date).
    pub(crate) async fn execute(&self, req: HttpRequest) -> Result<HttpResponse> {
        let credentials = self.credentials().await?;
        self.execute_as(req, &credentials, "s3").await
    }

    /// [`Self::execute`] with given credentials, for `service` (S3, or STS for the role itself).
    async fn execute_as(&self, mut req: HttpRequest, credentials: &Credentials, service: &str) -> Result<HttpResponse> {
        let mut jitter = Jitter::new();
        let mut attempt = 0;
        let unsigned = req.headers.len();
        req.timeout = Duration::from_secs(self.config.request_timeout_seconds.into());
        loop {
            // Signed headers go on in place (no copy of the body); a new try drops them first.
            req.headers.truncate(unsigned);
            let parts = RequestParts { method: req.method, url: &req.url, headers: &req.headers, body: &req.body };
            let opts = SignOptions::new(credentials, &self.config.region, service, self.now());
            let signed = signing::sign_headers(&parts, &opts)?;
            req.headers.extend(signed.into_iter().map(|(k, v)| (k.to_string(), v)));
            let result = self.transport.send(&req).await;
            attempt += 1;
            if let Ok(resp) = &result {
                // A wrong local clock (more than 15 minutes off): re-sign once with the server's time.
                if attempt == 1 && self.learn_skew(resp) {
                    continue;
                }
            }
            let transient = match &result {
                Ok(resp) => matches!(resp.status, 500 | 502 | 503 | 504),
                Err(Error::Network { .. }) => true,
                Err(_) => false,
            };
            if !transient || attempt >= self.policy.request_tries.max(1) {
                return result;
            }
            self.backoff(attempt + 2, &mut jitter).await;
        }
    }

    /// GETs an object: `None` when the key does not exist (but not when the bucket does not).
    pub(crate) async fn get(&self, key: &str) -> Result<Fetched> {
        let resp = self.execute(s3::get_object(&self.endpoint, key)).await?;
        if resp.is_success() {
            let etag = resp.etag().map(str::to_string);
            return Ok(Some((resp.body, etag)));
        }
        let err = s3::parse_error(&resp);
        match &err {
            Error::S3 { status: 404, code, .. } if code == "NoSuchKey" || code == "NotFound" => Ok(None),
            _ => Err(err),
        }
    }

    /// PUTs a JSON document under a condition.
    pub(crate) async fn put(&self, key: &str, body: Vec<u8>, condition: &Condition) -> Result<Put> {
        let condition = if self.policy.conditional { condition } else { &Condition::None };
        let resp = self.execute(s3::put_json(&self.endpoint, key, body, condition)).await?;
        match resp.status {
            200..=299 => Ok(Put::Written),
            // 409 ConditionalRequestConflict: AWS's answer to two conditional writes in flight.
            412 | 409 if *condition != Condition::None => Ok(Put::PreconditionFailed),
            _ => Err(s3::parse_error(&resp)),
        }
    }

    /// Creates an object only if its key is free (`If-None-Match: *`); false if it exists.
    ///
    /// The PUT carries a random token in its metadata: when a retried PUT meets 412 because its
    /// own first try landed (the answer was lost), the stored token is ours and the create counts
    /// as done; anyone else's object, even with identical bytes, means the key was taken.
    pub(crate) async fn create_object(&self, key: &str, body: Vec<u8>) -> Result<bool> {
        const TOKEN: &str = "x-amz-meta-create-token";
        let token = format!("{:x}-{:x}", transport::unique_time_ns(1), Jitter::new().below(u64::MAX));
        let mut req = s3::put_json(&self.endpoint, key, body, &Condition::Absent);
        req.headers.push((TOKEN.into(), token.clone()));
        let resp = self.execute(req).await?;
        match resp.status {
            200..=299 => Ok(true),
            412 | 409 => {
                let existing = self.execute(s3::get_object(&self.endpoint, key)).await?;
                Ok(existing.is_success() && existing.header(TOKEN) == Some(token.as_str()))
            }
            _ => Err(s3::parse_error(&resp)),
        }
    }

    /// Sleeps a jittered, growing delay before attempt `attempt + 1`.
    pub(crate) async fn backoff(&self, attempt: u32, jitter: &mut Jitter) {
        let ceiling = self.policy.base_delay.saturating_mul(1 << attempt.min(16)).min(self.policy.max_delay);
        let ms = jitter.below(ceiling.as_millis() as u64 + 1);
        transport::sleep(Duration::from_millis(ms)).await;
    }

    /// Read-modify-write of one JSON object with optimistic concurrency: `change` runs on the
    /// freshly read value each attempt; the PUT only lands if nobody wrote in between.
    ///
    /// Not generic (trait objects): one copy of this loop serves every caller in the wasm.
    pub(crate) async fn update_object<V>(
        &self,
        key: &str,
        missing: &dyn Fn() -> Error,
        parse: fn(&[u8]) -> Result<V>,
        encode: fn(&V) -> Vec<u8>,
        change: &mut dyn FnMut(&mut V) -> Result<()>,
    ) -> Result<V> {
        let mut jitter = Jitter::new();
        for attempt in 0..self.policy.max_attempts {
            let (bytes, etag) = self.get(key).await?.ok_or_else(missing)?;
            let mut value = parse(&bytes)?;
            change(&mut value)?;
            let condition = match etag {
                Some(e) => Condition::Matches(e),
                None => {
                    return Err(Error::S3 {
                        status: 200,
                        code: "MissingETag".into(),
                        message: format!("GET {key} returned no ETag, so a safe conditional write is impossible"),
                        request_id: None,
                    })
                }
            };
            match self.put(key, encode(&value), &condition).await? {
                Put::Written => return Ok(value),
                Put::PreconditionFailed => self.backoff(attempt, &mut jitter).await,
            }
        }
        Err(Error::Conflict { key: key.to_string(), attempts: self.policy.max_attempts })
    }

    /// Read-modify-write of the run's document (single) or header (chunked).
    async fn modify(&self, run_id: &str, change: &mut dyn FnMut(&mut RunLog) -> Result<()>) -> Result<RunLog> {
        if self.config.layout == Layout::Chunked {
            return self.chunked_modify_header(run_id, change).await;
        }
        let key = self.config.run_key(run_id)?;
        let missing = || Error::RunLogNotFound { run_id: run_id.to_string() };
        self.update_object(&key, &missing, RunLog::from_json_bytes, RunLog::to_json_bytes, change)
            .await
            .map_err(|e| e.with_run_id(run_id))
    }

    // ----- the magnus API -----

    /// Creates and stores a new run log; [`Error::RunLogExists`] if the id is taken (atomic:
    /// `If-None-Match: *`).
    pub async fn create_run_log(&self, run_id: &str, new: NewRunLog) -> Result<RunLog> {
        let key = self.config.run_key(run_id)?;
        let mut log = RunLog::new(run_id);
        log.dag_hash = Some(new.dag_hash.unwrap_or_default());
        log.use_cached = new.use_cached;
        log.tag = Some(new.tag.unwrap_or_default());
        log.original_run_id = Some(new.original_run_id.unwrap_or_default());
        log.status = new.status.unwrap_or_else(|| status::CREATED.into());
        if self.config.layout == Layout::Chunked {
            return self.chunked_create(log).await;
        }
        if self.create_object(&key, log.to_json_bytes()).await? {
            Ok(log)
        } else {
            Err(Error::RunLogExists { run_id: run_id.into() })
        }
    }

    /// Reads a run log: one GET (single layout). Chunked: `full` lists and GETs every chunk (in
    /// parallel) and assembles the whole document; otherwise the header only, as magnus does.
    pub async fn get_run_log_by_id(&self, run_id: &str, full: bool) -> Result<RunLog> {
        if self.config.layout == Layout::Chunked {
            return self.chunked_read(run_id, full).await;
        }
        RunLog::from_json_bytes(&self.get_run_log_bytes(run_id).await?)
    }

    /// Reads a run log's stored bytes exactly as they are (single layout; for byte-level checks).
    pub async fn get_run_log_bytes(&self, run_id: &str) -> Result<Vec<u8>> {
        let key = self.config.run_key(run_id)?;
        if self.config.layout == Layout::Chunked {
            return Err(Error::invalid_argument("layout", "a chunked run log has no single object to read bytes from"));
        }
        let (bytes, _) = self.get(&key).await?.ok_or_else(|| Error::RunLogNotFound { run_id: run_id.into() })?;
        Ok(bytes)
    }

    /// Overwrites the whole run log (magnus's `put_run_log`: last writer wins by design).
    /// Chunked: writes every chunk of the document (existing step/branch objects are reused).
    pub async fn put_run_log(&self, run_log: &RunLog) -> Result<()> {
        let key = self.config.run_key(&run_log.run_id)?;
        if self.config.layout == Layout::Chunked {
            return self.chunked_put(run_log).await;
        }
        self.put(&key, run_log.to_json_bytes(), &Condition::None).await.map(|_| ())
    }

    /// Sets the run's status.
    pub async fn update_run_log_status(&self, run_id: &str, status: &str) -> Result<()> {
        let status = status.to_string();
        self.modify(run_id, &mut |log| {
            log.status.clone_from(&status);
            Ok(())
        })
        .await
        .map(|_| ())
    }

    /// The run's parameters.
    pub async fn get_parameters(&self, run_id: &str) -> Result<Map> {
        if self.config.layout == Layout::Chunked {
            return self.chunked_get_parameters(run_id).await;
        }
        Ok(self.get_run_log_by_id(run_id, false).await?.parameters)
    }

    /// Merges `parameters` into the run's (Python `dict.update`: existing keys keep their place).
    pub async fn set_parameters(&self, run_id: &str, parameters: &Map) -> Result<()> {
        if self.config.layout == Layout::Chunked {
            return self.chunked_set_parameters(run_id, parameters).await;
        }
        self.modify(run_id, &mut |log| {
            for (k, v) in parameters {
                log.parameters.insert(k.clone(), v.clone());
            }
            Ok(())
        })
        .await
        .map(|_| ())
    }

    /// The run's config snapshot.
    pub async fn get_run_config(&self, run_id: &str) -> Result<Map> {
        Ok(self.get_run_log_by_id(run_id, false).await?.run_config)
    }

    /// Merges `run_config` into the run's (`dict.update`).
    pub async fn set_run_config(&self, run_id: &str, run_config: &Map) -> Result<()> {
        self.modify(run_id, &mut |log| {
            for (k, v) in run_config {
                log.run_config.insert(k.clone(), v.clone());
            }
            Ok(())
        })
        .await
        .map(|_| ())
    }

    /// A new step log in memory, status CREATED.
    pub fn create_step_log(&self, name: &str, internal_name: &str) -> StepLog {
        let mut s = StepLog::new(name, internal_name);
        s.status = status::CREATED.into();
        s
    }

    /// The step log at `internal_name`; [`Error::StepLogNotFound`] naming the missing prefix.
    pub async fn get_step_log(&self, internal_name: &str, run_id: &str) -> Result<StepLog> {
        names::check(internal_name, Kind::Step)?;
        if self.config.layout == Layout::Chunked {
            return StepLog::from_value(self.chunked_get_one(run_id, Kind::Step, internal_name).await?);
        }
        let log = self.get_run_log_by_id(run_id, false).await?;
        names::step(&log, internal_name).cloned()
    }

    /// Stores `step_log` at its internal name (inserted or replaced); in the single layout its
    /// parent branch must exist (chunked, like magnus, stores it and links it on assembly).
    pub async fn add_step_log(&self, step_log: &StepLog, run_id: &str) -> Result<()> {
        names::check(&step_log.internal_name, Kind::Step)?;
        if self.config.layout == Layout::Chunked {
            return self.chunked_add_step(step_log, run_id).await;
        }
        self.modify(run_id, &mut |log| names::add_step(log, step_log.clone())).await.map(|_| ())
    }

    /// A new branch log in memory, status CREATED.
    pub fn create_branch_log(&self, internal_branch_name: &str) -> BranchLog {
        let mut b = BranchLog::new(internal_branch_name);
        b.status = status::CREATED.into();
        b
    }

    /// The branch log at `internal_branch_name`.
    pub async fn get_branch_log(&self, internal_branch_name: &str, run_id: &str) -> Result<BranchLog> {
        names::check(internal_branch_name, Kind::Branch)?;
        if self.config.layout == Layout::Chunked {
            return BranchLog::from_value(self.chunked_get_one(run_id, Kind::Branch, internal_branch_name).await?);
        }
        let log = self.get_run_log_by_id(run_id, false).await?;
        names::branch(&log, internal_branch_name).cloned()
    }

    /// Stores `branch_log` under its parent step (inserted or replaced).
    pub async fn add_branch_log(&self, branch_log: &BranchLog, run_id: &str) -> Result<()> {
        names::check(&branch_log.internal_name, Kind::Branch)?;
        if self.config.layout == Layout::Chunked {
            return self.chunked_add_branch(branch_log, run_id).await;
        }
        self.modify(run_id, &mut |log| names::add_branch(log, branch_log.clone())).await.map(|_| ())
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
        let limit = options.limit.unwrap_or(1000).clamp(1, 1000) as usize;
        let base = self.config.prefixed("");
        let start_after = match &options.start_after {
            Some(id) => {
                check_run_id(id)?;
                // `<id>.json` sorts before `<id>/` (a chunked run of the same id, dropped below).
                // Servers differ on start-after (SeaweedFS compares path-wise), so results are
                // also filtered to keys strictly after it.
                Some(format!("{base}{id}.json"))
            }
            None => None,
        };
        let mut out: Vec<RunLogSummary> = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let req = s3::list_objects_v2(
                &self.endpoint,
                &base,
                Some("/"),
                start_after.as_deref(),
                token.as_deref(),
                (limit - out.len()).max(1) as u32,
            );
            let resp = self.execute(req).await?;
            if !resp.is_success() {
                return Err(s3::parse_error(&resp));
            }
            let page = s3::parse_list(&resp.body)?;
            let mut found: Vec<RunLogSummary> = page
                .objects
                .into_iter()
                .filter_map(|o| {
                    let id = o.key.strip_prefix(&base)?.strip_suffix(".json")?.to_string();
                    (check_run_id(&id).is_ok()).then_some(RunLogSummary {
                        run_id: id,
                        key: o.key,
                        last_modified: Some(o.last_modified),
                        size: Some(o.size),
                        etag: Some(o.etag),
                        layout: Layout::Single,
                    })
                })
                .chain(page.common_prefixes.into_iter().filter_map(|p| {
                    let id = p.strip_prefix(&base)?.strip_suffix('/')?.to_string();
                    (check_run_id(&id).is_ok()).then_some(RunLogSummary {
                        run_id: id,
                        key: p,
                        last_modified: None,
                        size: None,
                        etag: None,
                        layout: Layout::Chunked,
                    })
                }))
                .collect();
            if let (Some(after), Some(id)) = (&start_after, &options.start_after) {
                found.retain(|r| r.key.as_str() > after.as_str() && &r.run_id != id);
            }
            found.sort_unstable_by(|a, b| a.key.cmp(&b.key));
            out.extend(found);
            let next = page.next_continuation_token;
            if out.len() >= limit || next.is_none() || next == token {
                break;
            }
            token = next;
        }
        out.truncate(limit);
        Ok(out)
    }

    /// A presigned URL a browser can GET the run log from (single layout), valid
    /// `expires_in_seconds`.
    pub async fn presign_get_run_log(&self, run_id: &str, expires_in_seconds: u64) -> Result<String> {
        if self.config.layout == Layout::Chunked {
            return Err(Error::invalid_argument(
                "layout",
                "a chunked run log is many objects; presigned GETs need the single layout",
            ));
        }
        let url = self.endpoint.object_url(&self.config.run_key(run_id)?);
        let credentials = self.credentials().await?;
        let mut opts = SignOptions::new(&credentials, &self.config.region, "s3", self.now());
        opts.unsigned_payload = true;
        opts.payload_hash_header = false;
        signing::presign_url(
            &RequestParts { method: "GET", url: &url, headers: &[], body: b"" },
            &opts,
            expires_in_seconds,
        )
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))] // tokio
mod tests;

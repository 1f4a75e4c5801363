//! Every request the store makes, in one place: signed with the right credentials (the
//! configured ones, or the role's from STS), sent through the host with the request timeout,
//! retried on transient failures, re-signed once with the server's clock when ours is off;
//! conditional writes and the read-modify-write loop over them; the one ListObjectsV2
//! paginator; and upstream text scrubbed of secrets before it becomes an error.

use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use super::S3RunLogStore;
use crate::credentials::Credentials;
use crate::error::{Error, Result};
use crate::host::{Host, HttpRequest, HttpResponse, Jitter};
use crate::index::RunMeta;
use crate::model::RunLog;
use crate::s3::{self, Condition, ObjectInfo};
use crate::signing::{self, RequestParts, SignOptions};

/// An assumed role: the STS endpoint, and the temporary credentials with their expiry (shared by
/// clones of the store, refreshed by whichever call finds them near expiry).
#[derive(Debug)]
pub(super) struct Role {
    pub(super) sts_url: String,
    pub(super) session: Mutex<Option<(Arc<Credentials>, SystemTime)>>,
}

/// Assumed-role credentials are replaced this long before they expire.
const REFRESH_BEFORE_EXPIRY: Duration = Duration::from_secs(300);

/// The largest clock correction the store accepts from a server's `Date` (ten years either way):
/// enough for a device whose clock was never set, and keeps every signing time in range.
pub(super) const MAX_SKEW_MS: i64 = 10 * 366 * 24 * 3600 * 1000;

/// An object's body and ETag, or `None` when the key does not exist.
pub(super) type Fetched = Option<(Vec<u8>, Option<String>)>;

/// The outcome of a conditional PUT.
#[derive(Debug)]
pub(super) enum Put {
    /// Written; the new ETag where the server gave one.
    Written(Option<String>),
    PreconditionFailed,
}

/// The run logs (or chunked headers) this store wrote last, by key, with the ETag each write
/// got: the base of the next read-modify-write of that key, instead of a GET and a parse.
/// Bounded in count and in size; any other write of the key forgets it.
#[derive(Debug, Default)]
pub(super) struct Written(Vec<(String, String, RunLog, RunMeta)>);

impl Written {
    const KEYS: usize = 4;
    /// Documents bigger than this (as written) are read again instead of kept.
    const MAX_BYTES: usize = 1 << 20;

    /// Takes out what was written at `key` (a base is used once).
    fn take(&mut self, key: &str) -> Option<(RunLog, String, RunMeta)> {
        let i = self.0.iter().position(|(k, ..)| k == key)?;
        let (_, etag, log, meta) = self.0.remove(i);
        Some((log, etag, meta))
    }

    fn forget(&mut self, key: &str) {
        self.0.retain(|(k, ..)| k != key);
    }

    fn keep(&mut self, key: &str, etag: String, log: RunLog, meta: RunMeta) {
        self.forget(key);
        if self.0.len() == Self::KEYS {
            self.0.remove(0);
        }
        self.0.push((key.to_string(), etag, log, meta));
    }
}

/// What one listing call found: objects and (with a delimiter) common prefixes, in key order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Listing {
    /// Objects.
    pub objects: Vec<ObjectInfo>,
    /// Common prefixes.
    pub prefixes: Vec<String>,
    /// True when the listing stopped at the wanted count with more to come.
    pub more: bool,
}

impl<H: Host> S3RunLogStore<H> {
    /// The credentials S3 requests are signed with: the configured ones, or with `role_arn` the
    /// role's temporary ones, assumed through STS on first use and again shortly before they
    /// expire. The one place credentials come from, so other sources can join here.
    pub(super) async fn credentials(&self) -> Result<Arc<Credentials>> {
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
            return Err(self.scrub(crate::sts::parse_error(&resp, &self.config.role_arn)));
        }
        let (creds, expires) = crate::sts::parse_assume_role(&resp.body)?;
        let creds = Arc::new(creds);
        if let Ok(mut session) = role.session.lock() {
            *session = Some((creds.clone(), expires));
        }
        Ok(creds)
    }

    /// The host's clock corrected by the skew learned from the server.
    pub(super) fn now(&self) -> SystemTime {
        let skew = self.clock_skew_ms.load(Ordering::Relaxed);
        let now = self.host.now();
        if skew >= 0 {
            now + Duration::from_millis(skew as u64)
        } else {
            now.checked_sub(Duration::from_millis(skew.unsigned_abs())).unwrap_or(SystemTime::UNIX_EPOCH)
        }
    }

    /// On RequestTimeTooSkewed, learns the offset from the answer's `Date` (bounded); true if it
    /// changed.
    fn learn_skew(&self, resp: &HttpResponse) -> bool {
        let Some(server) = s3::skewed_server_time(resp) else { return false };
        let local = self.host.now();
        let skew = match server.duration_since(local) {
            Ok(ahead) => ahead.as_millis() as i64,
            Err(e) => -(e.duration().as_millis() as i64),
        };
        if skew.abs() > MAX_SKEW_MS {
            return false;
        }
        self.clock_skew_ms.swap(skew, Ordering::Relaxed) != skew
    }

    /// A strictly increasing nanosecond timestamp for chunk names (the host clock may have only
    /// millisecond resolution); `count` consecutive values are reserved, the first returned.
    pub(super) fn unique_time_ns(&self, count: usize) -> u64 {
        let now = self.host.now().duration_since(SystemTime::UNIX_EPOCH).unwrap_or_default().as_nanos() as u64;
        let count = count.max(1) as u64;
        let mut prev = self.last_time_ns.load(Ordering::Relaxed);
        loop {
            let start = now.max(prev + 1);
            match self.last_time_ns.compare_exchange_weak(prev, start + count - 1, Ordering::Relaxed, Ordering::Relaxed)
            {
                Ok(_) => return start,
                Err(p) => prev = p,
            }
        }
    }

    /// A random jitter source for one retry loop.
    fn jitter(&self) -> Jitter {
        Jitter::new(self.host.random())
    }

    /// Upstream text (an answer's message, a network error) with this store's secrets, session
    /// token and any signature taken out.
    pub(super) fn scrub(&self, e: Error) -> Error {
        let mut secrets: Vec<String> = vec![self.credentials.secret_access_key.clone()];
        secrets.extend(self.credentials.session_token.clone());
        if let Some((creds, _)) = self.role.as_ref().and_then(|r| r.session.lock().ok().and_then(|s| s.clone())) {
            secrets.push(creds.secret_access_key.clone());
            secrets.extend(creds.session_token.clone());
        }
        e.scrubbed(&secrets)
    }

    /// An error answer as [`Error::S3`], scrubbed.
    pub(super) fn error_from(&self, resp: &HttpResponse) -> Error {
        self.scrub(s3::parse_error(resp))
    }

    /// Signs and sends one request to S3.
    ///
    /// Transient failures (500/502/503/504, network errors) are retried with jittered backoff, up
    /// to `request_tries`; each try is signed anew (fresh date).
    pub(super) async fn execute(&self, req: HttpRequest) -> Result<HttpResponse> {
        let credentials = self.credentials().await?;
        self.execute_as(req, &credentials, "s3").await
    }

    /// [`Self::execute`] with given credentials, for `service` (S3, or STS for the role itself).
    async fn execute_as(&self, mut req: HttpRequest, credentials: &Credentials, service: &str) -> Result<HttpResponse> {
        let mut jitter = self.jitter();
        let mut attempt = 0;
        let unsigned = req.headers.len();
        let timeout = Duration::from_secs(self.config.request_timeout_seconds.into());
        // A large body is hashed once, by the host where it can do it faster.
        let payload_hash =
            if req.body.len() >= crate::host::HOST_HASH_MIN { self.host.sha256(&req.body).await } else { None };
        loop {
            // Signed headers go on in place (no copy of the body); a new try drops them first.
            req.headers.truncate(unsigned);
            let parts = RequestParts { method: req.method, url: &req.url, headers: &req.headers, body: &req.body };
            let mut opts = SignOptions::new(credentials, &self.config.region, service, self.now());
            opts.payload_hash = payload_hash.as_deref();
            let signed = signing::sign_headers(&parts, &opts)?;
            req.headers.extend(signed.into_iter().map(|(k, v)| (k.to_string(), v)));
            let result = self.host.send(&req, timeout).await.map_err(|e| self.scrub(e));
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
    pub(super) async fn get(&self, key: &str) -> Result<Fetched> {
        Ok(self.get_with_meta(key).await?.map(|(body, etag, _)| (body, etag)))
    }

    /// [`Self::get`], with what the object's metadata says of the run ([`RunMeta`]).
    pub(super) async fn get_with_meta(&self, key: &str) -> Result<Option<(Vec<u8>, Option<String>, RunMeta)>> {
        let resp = self.execute(s3::get_object(&self.endpoint, key)).await?;
        if resp.is_success() {
            let etag = resp.etag().map(str::to_string);
            let meta = RunMeta::from_headers(|n| resp.header(n));
            return Ok(Some((resp.body, etag, meta)));
        }
        self.absent(&resp)
    }

    /// HEADs an object: its metadata, or `None` when the key does not exist.
    pub(super) async fn head(&self, key: &str) -> Result<Option<RunMeta>> {
        let resp = self.execute(s3::head_object(&self.endpoint, key)).await?;
        if resp.is_success() {
            return Ok(Some(RunMeta::from_headers(|n| resp.header(n))));
        }
        if resp.status == 404 {
            return Ok(None); // a HEAD answer has no body to tell NoSuchKey from NoSuchBucket
        }
        Err(self.error_from(&resp))
    }

    /// DELETEs an object (S3 answers 204 whether or not it existed).
    pub(super) async fn delete(&self, key: &str) -> Result<()> {
        self.lock_written().forget(key);
        let resp = self.execute(s3::delete_object(&self.endpoint, key)).await?;
        if resp.is_success() || resp.status == 404 {
            return Ok(());
        }
        Err(self.error_from(&resp))
    }

    /// `None` for a 404 of a missing key; the error otherwise.
    fn absent<T>(&self, resp: &HttpResponse) -> Result<Option<T>> {
        match self.error_from(resp) {
            Error::S3 { status: 404, code, .. } if code == "NoSuchKey" || code == "NotFound" => Ok(None),
            err => Err(err),
        }
    }

    /// PUTs a JSON document under a condition (none at all with `unsafe_last_writer_wins`).
    pub(super) async fn put(&self, key: &str, body: Vec<u8>, condition: &Condition) -> Result<Put> {
        self.put_with(key, body, condition, Vec::new()).await
    }

    /// [`Self::put`] with extra headers (a run log object's metadata).
    pub(super) async fn put_with(
        &self,
        key: &str,
        body: Vec<u8>,
        condition: &Condition,
        headers: Vec<(String, String)>,
    ) -> Result<Put> {
        let condition = if self.config.unsafe_last_writer_wins { &Condition::None } else { condition };
        self.lock_written().forget(key);
        let mut req = s3::put_json(&self.endpoint, key, body, condition);
        req.headers.extend(headers);
        let resp = self.execute(req).await?;
        match resp.status {
            200..=299 => Ok(Put::Written(resp.etag().map(str::to_string))),
            // 409 ConditionalRequestConflict: AWS's answer to two conditional writes in flight.
            412 | 409 if *condition != Condition::None => Ok(Put::PreconditionFailed),
            _ => Err(self.error_from(&resp)),
        }
    }

    /// Creates an object only if its key is free (`If-None-Match: *`); false if it exists.
    ///
    /// The PUT carries a random token in its metadata: when a retried PUT meets 412 because its
    /// own first try landed (the answer was lost), the stored token is ours and the create counts
    /// as done; anyone else's object, even with identical bytes, means the key was taken.
    pub(super) async fn create_object(&self, key: &str, body: Vec<u8>, headers: Vec<(String, String)>) -> Result<bool> {
        const TOKEN: &str = "x-amz-meta-create-token";
        let token = format!("{:x}-{:x}", self.unique_time_ns(1), self.host.random());
        self.lock_written().forget(key);
        let mut req = s3::put_json(&self.endpoint, key, body, &Condition::Absent);
        req.headers.push((TOKEN.into(), token.clone()));
        req.headers.extend(headers);
        let resp = self.execute(req).await?;
        match resp.status {
            200..=299 => Ok(true),
            412 | 409 => {
                let existing = self.execute(s3::get_object(&self.endpoint, key)).await?;
                if !existing.is_success() {
                    // Not readable now: neither "ours" nor "taken" can be told.
                    return Err(self.error_from(&existing));
                }
                Ok(existing.header(TOKEN) == Some(token.as_str()))
            }
            _ => Err(self.error_from(&resp)),
        }
    }

    /// Sleeps a jittered, growing delay before attempt `attempt + 1`.
    pub(super) async fn backoff(&self, attempt: u32, jitter: &mut Jitter) {
        let ceiling = self.policy.base_delay.saturating_mul(1 << attempt.min(16)).min(self.policy.max_delay);
        let ms = jitter.below(ceiling.as_millis() as u64 + 1);
        self.host.sleep(Duration::from_millis(ms)).await;
    }

    /// Read-modify-write of a run log (single layout) or a chunked header with optimistic
    /// concurrency: `change` runs on the freshly read document each attempt; the PUT only lands
    /// if nobody wrote in between. The read is skipped when this store wrote the document last
    /// ([`Written`]); a 412 on that base sends the change back to a fresh read, at once.
    pub(super) async fn update_run_log(
        &self,
        key: &str,
        missing: &dyn Fn() -> Error,
        change: &mut dyn FnMut(&mut RunLog) -> Result<()>,
    ) -> Result<()> {
        let mut jitter = self.jitter();
        // Without conditional writes a stale base would go unnoticed: every change reads then.
        let keep = !self.config.unsafe_last_writer_wins;
        let mut base = if keep { self.lock_written().take(key) } else { None };
        let mut attempt = 0;
        while attempt < self.policy.max_attempts {
            let cached = base.is_some();
            let (mut log, etag, mut meta) = match base.take() {
                Some((log, etag, meta)) => (log, Some(etag), meta),
                None => {
                    let (bytes, etag, meta) = self.get_with_meta(key).await?.ok_or_else(missing)?;
                    (RunLog::from_json_bytes(&bytes)?, etag, meta)
                }
            };
            let before = crate::index::run_level(&log);
            // Recorded on the first write that has none (a run magnus created), from the document
            // as `reindex` sees it.
            if meta.created_ms.is_none() {
                let timed = Some(&log); // a chunked header holds no steps: its Last-Modified counts
                meta.created_ms = crate::index::created_ms(timed, &meta).or(Some(crate::index::ms_of(self.now())));
            }
            if let Err(e) = change(&mut log) {
                // A kept base may lack what another writer added since (a parent step or
                // branch): only a fresh read can say the change is impossible.
                if cached {
                    continue;
                }
                return Err(e);
            }
            let Some(etag) = etag else {
                return Err(Error::S3 {
                    status: 200,
                    code: "MissingETag".into(),
                    message: format!("GET {key} returned no ETag, so a safe conditional write is impossible"),
                    request_id: None,
                });
            };
            // A run-level change counts in the metadata, under this same conditional write, so
            // index entries of one run are ordered by the run log's own history.
            let run_level = crate::index::run_level(&log) != before;
            if run_level {
                meta.seq = crate::index::next_seq(meta.seq);
            }
            let body = log.to_json_bytes();
            let small = body.len() <= Written::MAX_BYTES;
            match self.put_with(key, body, &Condition::Matches(etag), meta.headers(&log)).await {
                Ok(Put::Written(etag)) => {
                    if run_level {
                        let replaced = (before.0.as_str(), before.1.as_deref().unwrap_or(""));
                        self.index_after_write(key, &log, &meta, Some(replaced), etag.clone(), true).await;
                    }
                    if let (true, true, Some(etag)) = (keep, small, etag) {
                        self.lock_written().keep(key, etag, log, meta);
                    }
                    return Ok(());
                }
                // Someone else wrote (or deleted) it since this store did: read afresh, no wait,
                // and the try does not count.
                Ok(Put::PreconditionFailed) | Err(Error::S3 { status: 404, .. }) if cached => {}
                Ok(Put::PreconditionFailed) => {
                    self.backoff(attempt, &mut jitter).await;
                    attempt += 1;
                }
                Err(e) => return Err(e),
            }
        }
        Err(Error::Conflict { key: key.to_string(), attempts: self.policy.max_attempts })
    }

    fn lock_written(&self) -> std::sync::MutexGuard<'_, Written> {
        // A poisoned lock only means a panic elsewhere; the cache is still consistent.
        self.written.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Lists under `prefix` (grouped by `delimiter`), after `start_after`, page by page until
    /// `want` entries (objects plus prefixes) are found or the listing ends. At most
    /// `max_list_pages` pages per call: a server that keeps answering "truncated" cannot hold a
    /// caller forever.
    pub(super) async fn list(
        &self,
        prefix: &str,
        delimiter: Option<&str>,
        start_after: Option<&str>,
        want: usize,
    ) -> Result<Listing> {
        let mut out = Listing::default();
        let mut token: Option<String> = None;
        for _ in 0..self.config.max_list_pages {
            let left = want.saturating_sub(out.objects.len() + out.prefixes.len()).clamp(1, 1000) as u32;
            let req = s3::list_objects_v2(&self.endpoint, prefix, delimiter, start_after, token.as_deref(), left);
            let resp = self.execute(req).await?;
            if !resp.is_success() {
                return Err(self.error_from(&resp));
            }
            let page = s3::parse_list(&resp.body)?;
            out.objects.extend(page.objects);
            out.prefixes.extend(page.common_prefixes);
            match page.next_continuation_token {
                Some(next) if Some(&next) != token.as_ref() => {
                    if out.objects.len() + out.prefixes.len() >= want {
                        out.more = true;
                        return Ok(out);
                    }
                    token = Some(next);
                }
                _ => return Ok(out),
            }
        }
        Err(self.listing_too_long(prefix))
    }

    /// A listing that took more than `max_list_pages` pages.
    pub(super) fn listing_too_long(&self, prefix: &str) -> Error {
        Error::S3 {
            status: 200,
            code: "ListingTooLong".into(),
            message: format!(
                "listing {} took more than {} pages (config key max_list_pages); the server keeps answering that more follows",
                crate::error::quoted(prefix),
                self.config.max_list_pages
            ),
            request_id: None,
        }
    }
}

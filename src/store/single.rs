//! magnus's `s3` layout: one object per run, `<prefix>/<run_id>.json`, every change a
//! read-modify-write of the whole document with `If-Match` (in `mod.rs`'s `modify_header`).

use super::{ListOptions, RunLogSummary, S3RunLogStore};
use crate::config::{check_run_id, Layout};
use crate::error::{Error, Result};
use crate::host::Host;
use crate::model::RunLog;
use crate::signing::{self, RequestParts, SignOptions};

impl<H: Host> S3RunLogStore<H> {
    pub(super) async fn single_create(&self, log: RunLog) -> Result<RunLog> {
        let key = self.config.run_key(&log.run_id)?;
        let meta = self.meta_of_new();
        if self.create_object(&key, log.to_json_bytes(), meta.headers(&log)).await? {
            self.index_after_write(&key, &log, &meta, None, None, true).await;
            Ok(log)
        } else {
            Err(Error::RunLogExists { run_id: log.run_id })
        }
    }

    pub(super) async fn single_bytes(&self, run_id: &str) -> Result<Vec<u8>> {
        let key = self.config.run_key(run_id)?;
        let (bytes, _) = self.get(&key).await?.ok_or_else(|| Error::RunLogNotFound { run_id: run_id.into() })?;
        Ok(bytes)
    }

    pub(super) async fn single_put(&self, log: &RunLog) -> Result<()> {
        self.single_put_bytes(&log.run_id, log.to_json_bytes(), log, true).await
    }

    /// Writes the bytes of run `run_id` (last writer wins); `log` is what they hold, for the
    /// index: the whole run log, or (`whole` false) its header only.
    pub(super) async fn single_put_bytes(&self, run_id: &str, bytes: Vec<u8>, log: &RunLog, whole: bool) -> Result<()> {
        let key = self.config.run_key(run_id)?;
        self.put_run_object(&key, bytes, log, whole).await
    }

    pub(super) async fn single_presign(&self, run_id: &str, expires_in_seconds: u64) -> Result<String> {
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

    /// Runs under the prefix in key order, both layouts: `<id>.json` objects (single) and
    /// `<id>/` folders (chunked), from one delimited listing.
    pub(super) async fn list_runs_by_key(&self, options: &ListOptions) -> Result<Vec<RunLogSummary>> {
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
        // One more than asked: the run index's folder may be among them (dropped below).
        let listing = self.list(&base, Some("/"), start_after.as_deref(), limit + 1).await?;
        let mut found: Vec<RunLogSummary> = listing
            .objects
            .into_iter()
            .filter_map(|o| {
                let id = o.key.strip_prefix(&base)?.strip_suffix(".json")?.to_string();
                check_run_id(&id).is_ok().then_some(RunLogSummary {
                    run_id: id,
                    key: o.key,
                    last_modified: Some(o.last_modified),
                    size: Some(o.size),
                    etag: Some(o.etag),
                    layout: Layout::Single,
                })
            })
            .chain(listing.prefixes.into_iter().filter_map(|p| {
                let id = p.strip_prefix(&base)?.strip_suffix('/')?.to_string();
                check_run_id(&id).is_ok().then_some(RunLogSummary {
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
        found.truncate(limit);
        Ok(found)
    }
}

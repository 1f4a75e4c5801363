//! The run index's IO (the scheme is [`crate::index`]): entries written after run-level
//! changes, pages merged from one listing per status, counts, and reindexing from the run logs.
//!
//! After a run-level write with `seq = n` the writer (1) PUTs its entry, (2) DELETEs the entry of
//! change `n - 1`, whose key it knows exactly (the status, tag and creation time it replaced, and
//! `n - 1`), (3) HEADs the run log object and deletes its own entry if the run has moved past
//! `n`. For two consecutive changes `n` and `n + 1`, either writer `n`'s HEAD sees `n + 1`, or
//! its entry was written before writer `n + 1`'s DELETE of it (which follows that writer's run
//! log write): entries converge to one per run, whatever order the writers' index requests land
//! in. Only per-key consistency is assumed (a listing may lag behind writes; SeaweedFS's does).
//! A writer that dies between its run log write and its entry leaves the entry stale; `reindex`
//! repairs it.
//!
//! One case escapes `seq`: S3's ETag is the body's MD5, and the metadata is not in the body. A
//! writer whose base document was replaced by byte-identical bytes (a status set to X, then to
//! Y, then back to X by other writers while it held the X version) passes its `If-Match` with a
//! stale `seq`. The run log stays right (the change applies to identical content); the index can
//! keep an extra entry of that run under an earlier status until `reindex` (readers show the run
//! once, but possibly with that status, since its stale `seq` may be the higher).

use super::S3RunLogStore;
use crate::error::{Error, Result};
use crate::host::{join_all, Host, LocalBoxFuture};
use crate::index::{self, Entry, IndexedRun, ReindexReport, RunMeta, RunPage, RunQuery, Summary};
use crate::model::RunLog;
use crate::pyjson;

impl<H: Host> S3RunLogStore<H> {
    fn index_root(&self) -> String {
        index::root(&self.config.prefix)
    }

    fn layout_name(&self) -> &'static str {
        self.config.layout.as_str()
    }

    /// The metadata of a run created now.
    pub(super) fn meta_of_new(&self) -> RunMeta {
        RunMeta { seq: 1, created_ms: Some(index::ms_of(self.now())), ..RunMeta::default() }
    }

    /// An unconditional write of a run log object (`put_run_log`): with the index on, the
    /// object's metadata is read first so the write counts on from it, and the index follows.
    pub(super) async fn put_run_object(&self, key: &str, bytes: Vec<u8>, log: &RunLog, whole: bool) -> Result<()> {
        if !self.config.run_index {
            self.put(key, bytes, &crate::s3::Condition::None).await?;
            return Ok(());
        }
        // A HEAD of a missing key is a 403 to a writer without s3:ListBucket: no metadata then.
        let mut meta = match self.head(key).await {
            Ok(found) => found.unwrap_or_default(),
            Err(Error::S3 { status: 403, .. }) => RunMeta::default(),
            Err(e) => return Err(e),
        };
        let replaced = meta.status.take().map(|status| (status, meta.tag.take().unwrap_or_default()));
        meta.seq = index::next_seq(meta.seq);
        if meta.created_ms.is_none() {
            let timed = (self.config.layout == crate::Layout::Single && whole).then_some(log);
            meta.created_ms = index::created_ms(timed, &meta).or(Some(index::ms_of(self.now())));
        }
        let etag = match self.put_with(key, bytes, &crate::s3::Condition::None, meta.headers(log)).await? {
            super::request::Put::Written(etag) => etag,
            super::request::Put::PreconditionFailed => None,
        };
        let replaced = replaced.as_ref().map(|(s, t)| (s.as_str(), t.as_str()));
        self.index_after_write(key, log, &meta, replaced, etag, whole).await;
        Ok(())
    }

    /// Keeps the index after a run-level write of `log` (object `object_key`, metadata `meta`,
    /// replacing the run-level `(status, tag)` of change `meta.seq - 1`). Best effort: the run log is the truth, and a failed index
    /// request must not fail a write that landed; `reindex` repairs what is left stale.
    pub(super) async fn index_after_write(
        &self,
        object_key: &str,
        log: &RunLog,
        meta: &RunMeta,
        replaced: Option<(&str, &str)>,
        etag: Option<String>,
        whole: bool,
    ) {
        if !self.config.run_index {
            return;
        }
        let root = self.index_root();
        let now = index::ms_of(self.now());
        let created = meta.created_ms.unwrap_or(now);
        let mut summary = Summary::of(log, created, now, meta.seq, self.layout_name(), etag);
        if self.config.layout == crate::Layout::Chunked || !whole {
            summary.steps_known = false; // only the header was at hand; reindex reads the steps
        }
        let mine = summary.entry().key(&root);
        if self.put(&mine, pyjson::to_vec(&summary), &crate::s3::Condition::None).await.is_err() {
            return;
        }
        // Change 0 is an entry `reindex` made for a run magnus wrote.
        if let (Some((status, tag)), true) = (replaced, meta.seq >= 1) {
            let before = Entry {
                run_id: log.run_id.clone(),
                status: status.to_string(),
                tag: tag.to_string(),
                tag_cut: false,
                created_ms: created,
                seq: meta.seq - 1,
            };
            // A failed delete must not skip the check below.
            let _ = self.delete(&before.key(&root)).await;
        }
        let _ = self.drop_if_moved(object_key, meta.seq, &mine).await;
    }

    /// Deletes entry `key`, written for change `seq`, if the run log object has moved past it.
    async fn drop_if_moved(&self, object_key: &str, seq: u64, key: &str) -> Result<()> {
        if self.head(object_key).await?.is_some_and(|now| now.seq > seq) {
            self.delete(key).await?;
        }
        Ok(())
    }

    /// Runs from the index, newest first, filtered; one page. Each status folder is listed from
    /// the cursor (or `until`) until it holds a page of runs the key can admit, or reaches
    /// `since`; with no status given, one more listing finds the folders.
    pub async fn list_runs(&self, query: &RunQuery) -> Result<RunPage> {
        let limit = query.limit.unwrap_or(50).clamp(1, 1000) as usize;
        if query.cursor.as_deref().is_some_and(|c| !index::valid_cursor(c)) {
            return Err(Error::invalid_argument("cursor", "not a cursor this store handed out"));
        }
        // One run more than the page: the last run of a page is only certain once a folder was
        // listed past it (see `index::merge`).
        let listed = self.list_folders(query, limit + 1).await?;
        let mut page = index::merge(listed, query, limit);
        if query.details {
            self.fill_details(&mut page.runs).await?;
        }
        Ok(page)
    }

    /// Runs per status among those created in `[since, until]` (newest entry per run), from
    /// listings alone.
    pub async fn count_runs(&self, since_ms: Option<u64>, until_ms: Option<u64>) -> Result<Vec<(String, u64)>> {
        let query = RunQuery { since_ms, until_ms, ..RunQuery::default() };
        let page = index::merge(self.list_folders(&query, usize::MAX).await?, &query, usize::MAX);
        let mut counts: Vec<(String, u64)> = Vec::new();
        for run in page.runs {
            match counts.iter_mut().find(|(s, _)| *s == run.entry.status) {
                Some((_, n)) => *n += 1,
                None => counts.push((run.entry.status, 1)),
            }
        }
        counts.sort();
        Ok(counts)
    }

    /// The entries of each status folder the query reads, in key order, from its start: until
    /// `want` of them pass the key filters, `since` is passed, or the folder ends.
    async fn list_folders(&self, query: &RunQuery, want: usize) -> Result<Vec<index::Listed>> {
        let root = self.index_root();
        let folders = if query.statuses.is_empty() {
            let listing = self.list(&root, Some("/"), None, usize::MAX).await?;
            listing.prefixes.into_iter().filter(|p| index::partition_status(&root, p).is_some()).collect()
        } else {
            query.statuses.iter().map(|s| index::partition(&root, s)).collect::<Vec<_>>()
        };
        let page = if want == usize::MAX || query.tag.is_some() || query.run_id_prefix.is_some() {
            1000
        } else {
            (want + 1).min(1000)
        };
        let mut out = Vec::new();
        for folder in folders {
            // Entries created after `until` sort before `rts(until)`; a cursor's run, all of it,
            // before `<cursor>~`.
            let mut after = query.until_ms.map(|u| format!("{folder}{}", index::rts(u))).unwrap_or_default();
            if let Some(c) = &query.cursor {
                after = after.max(format!("{folder}{c}~"));
            }
            let mut listed = index::Listed::default();
            let mut admitted = 0;
            let mut pages = 0;
            loop {
                pages += 1;
                if pages > self.config.max_list_pages {
                    return Err(self.listing_too_long(&folder));
                }
                let start = (!after.is_empty()).then_some(after.as_str());
                let listing = self.list(&folder, None, start, page).await?;
                let before = after.clone();
                listed.more = listing.more;
                for o in listing.objects {
                    // Servers differ on start-after (SeaweedFS compares path-wise).
                    if o.key <= after {
                        continue;
                    }
                    after.clone_from(&o.key);
                    let Some(e) = Entry::parse(&root, &o.key) else { continue };
                    if query.since_ms.is_some_and(|s| e.created_ms < s) {
                        listed.more = false;
                        break;
                    }
                    admitted += usize::from(query.admits(&e));
                    listed.entries.push((o.key, e, o.last_modified));
                }
                if !listed.more || admitted >= want {
                    break;
                }
                if after == before {
                    // A server that does not move past `start-after` must not hold the caller.
                    return Err(Error::S3 {
                        status: 200,
                        code: "ListingStuck".into(),
                        message: format!("listing {folder} did not move past {after}"),
                        request_id: None,
                    });
                }
            }
            out.push(listed);
        }
        Ok(out)
    }

    async fn fill_details(&self, runs: &mut [IndexedRun]) -> Result<()> {
        for batch in runs.chunks_mut(16) {
            let keys: Vec<String> = batch.iter().map(|r| r.key.clone()).collect();
            let gets: Vec<LocalBoxFuture<'_, Result<super::request::Fetched>>> =
                keys.iter().map(|k| -> LocalBoxFuture<'_, _> { Box::pin(self.get(k)) }).collect();
            for (r, got) in batch.iter_mut().zip(join_all(gets).await) {
                if let Some((body, _)) = got? {
                    r.summary = pyjson::parse(&body).ok();
                }
            }
        }
        Ok(())
    }

    /// Rebuilds the index from the run logs of both layouts (runs magnus wrote have no entries;
    /// entries a crash left stale are replaced), reading `concurrency` runs at a time;
    /// `progress(done, total)` after each batch.
    pub async fn reindex(&self, concurrency: usize, progress: &mut dyn FnMut(u64, u64)) -> Result<ReindexReport> {
        let mut runs = Vec::new();
        let mut after = None;
        let mut complete = false;
        for _ in 0..self.config.max_list_pages {
            let page =
                self.list_runs_by_key(&super::ListOptions { limit: Some(1000), start_after: after.clone() }).await?;
            // Only an empty page ends the listing: a page may hold fewer runs than asked (other
            // objects under the prefix are dropped from it).
            let Some(last) = page.last() else {
                complete = true;
                break;
            };
            if after.as_deref() == Some(last.run_id.as_str()) {
                break; // a server that does not move past `start-after`
            }
            after = Some(last.run_id.clone());
            runs.extend(page);
        }
        let mut entries: Vec<(String, Entry, String)> = Vec::new();
        for listed in self.list_folders(&RunQuery::default(), usize::MAX).await? {
            entries.extend(listed.entries);
        }
        entries.sort_by(|a, b| a.1.run_id.cmp(&b.1.run_id));
        let of_run = |id: &str| {
            let start = entries.partition_point(|(_, e, _)| e.run_id.as_str() < id);
            let end = entries.partition_point(|(_, e, _)| e.run_id.as_str() <= id);
            &entries[start..end]
        };
        let mut report = ReindexReport::default();
        let total = runs.len() as u64;
        for batch in runs.chunks(concurrency.clamp(1, 64)) {
            let reads: Vec<LocalBoxFuture<'_, Result<Option<Summary>>>> =
                batch.iter().map(|r| -> LocalBoxFuture<'_, _> { Box::pin(self.summary_of_stored(r)) }).collect();
            for (run, summary) in batch.iter().zip(join_all(reads).await) {
                report.runs += 1;
                // One run that cannot be read or indexed is counted, not the end of the reindex.
                match summary {
                    Ok(Some(summary)) => {
                        match self.reindex_run(run, &summary, of_run(&run.run_id), &mut report).await {
                            Ok(()) => {}
                            Err(_) => report.failed += 1,
                        }
                    }
                    Ok(None) => report.unreadable += 1,
                    Err(_) => report.failed += 1,
                }
            }
            progress(report.runs, total);
        }
        // Entries of runs that are gone: only when the run listing was complete, and only when
        // neither layout's object of the run exists now (it may have been created meanwhile).
        if complete {
            let mut known: Vec<&str> = runs.iter().map(|r| r.run_id.as_str()).collect();
            known.sort_unstable();
            for (k, e, _) in &entries {
                if known.binary_search(&e.run_id.as_str()).is_ok() {
                    continue;
                }
                let single = self.config.run_key(&e.run_id);
                let chunked = self.header_key(&e.run_id);
                let mut exists = false;
                for key in [single, chunked].into_iter().flatten() {
                    exists |= !matches!(self.head(&key).await, Ok(None));
                }
                if !exists {
                    self.delete(k).await?;
                    report.deleted += 1;
                }
            }
        }
        Ok(report)
    }

    /// Makes `summary`'s entry the run's only one: written if missing (or, chunked, refreshed
    /// with step counts), every other listed entry deleted (a listed entry was written before
    /// the listing, which came before the read, so whatever its `seq` it is not newer), and the
    /// written entry deleted again if the run moved on while this ran (as a writer does).
    async fn reindex_run(
        &self,
        run: &super::RunLogSummary,
        summary: &Summary,
        listed: &[(String, Entry, String)],
        report: &mut ReindexReport,
    ) -> Result<()> {
        let root = self.index_root();
        let key = summary.entry().key(&root);
        if key.len() > index::MAX_KEY {
            return Err(Error::invalid_argument("run id", "too long for an index entry key"));
        }
        let present = listed.iter().any(|(k, ..)| *k == key);
        let chunked = run.layout == crate::Layout::Chunked;
        if !present || chunked {
            self.put(&key, pyjson::to_vec(summary), &crate::s3::Condition::None).await?;
            if present {
                report.refreshed += 1; // a chunked writer's entry has no step counts
            } else {
                report.written += 1;
            }
        }
        for (k, ..) in listed.iter().filter(|(k, ..)| *k != key) {
            self.delete(k).await?;
            report.deleted += 1;
        }
        if !present || chunked {
            let object = if chunked { self.header_key(&run.run_id)? } else { run.key.clone() };
            self.drop_if_moved(&object, summary.seq, &key).await?;
        }
        Ok(())
    }

    /// The summary of a stored run, read whole (both layouts); `None` if it is not a run log.
    async fn summary_of_stored(&self, run: &super::RunLogSummary) -> Result<Option<Summary>> {
        let (log, meta, etag) = match run.layout {
            crate::Layout::Single => {
                let Some((body, etag, meta)) = self.get_with_meta(&run.key).await? else { return Ok(None) };
                let Ok(log) = RunLog::from_json_bytes(&body) else { return Ok(None) };
                (log, meta, etag)
            }
            crate::Layout::Chunked => {
                let header = format!("{}{}", run.key, crate::layout::chunked::RUN_LOG);
                let Some(meta) = self.head(&header).await? else { return Ok(None) };
                let Ok(log) = self.chunked_read(&run.run_id, true).await else { return Ok(None) };
                (log, meta, None)
            }
        };
        let now = index::ms_of(self.now());
        // Chunked: from the header alone, as a writer of the header sees it (it holds no steps).
        let timed = (run.layout == crate::Layout::Single).then_some(&log);
        let created = index::created_ms(timed, &meta).unwrap_or(now);
        Ok(Some(Summary::of(&log, created, now, meta.seq, run.layout.as_str(), etag)))
    }
}

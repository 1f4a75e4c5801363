//! The run index, as data: where entries live, what their keys say, what their bodies hold, and
//! how listings of them merge into pages. No IO here; `store/index.rs` sends the requests.
//!
//! One small object per run, under a reserved folder beside the runs:
//!
//! ```text
//! <prefix>/.magnus-index/v1/status=<STATUS>/<rts>~<run_id>~<seq>~<tag>.json
//! ```
//!
//! - `status=` partitions: the newest runs of one status are the first keys of one listing, and
//!   engines read the folder with hive partitioning (`status` becomes a column);
//! - `rts`: 13 digits, `9999999999999 - created_ms`, so key order is newest first;
//! - `seq`: 10 digits, the run's count of run-level changes (kept in the run log object's
//!   metadata, written under the run log's own conditional write): of two entries of one run the
//!   higher `seq` is the newer, whatever the writers' clocks say;
//! - `run_id` and `tag` percent-encoded where they hold `%`, `~`, `/`, `*` or a control character,
//!   so a listing alone yields id, status, tag, creation time and order, without a GET.
//!
//! The folder cannot collide with a run: `.magnus-index` is refused as a run id
//! ([`crate::config::check_run_id`]), and index keys are three levels below the prefix where a
//! run's objects are one (`<id>.json`) or two (`<id>/<chunk>`).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::model::{RunLog, StepLog};
use crate::pyjson::{ToJson, Writer};

/// The reserved folder under the store's prefix.
pub const ROOT: &str = ".magnus-index";
/// The scheme's version folder (a later scheme writes beside it).
pub const VERSION: &str = "v1";
/// The largest creation time a key can order (year 2286).
pub const MAX_MS: u64 = 9_999_999_999_999;
/// Longest failure message kept in an entry.
pub const MESSAGE_CHARS: usize = 500;

/// Object metadata of a run log object (`x-amz-meta-*`): what the index needs of a run without
/// reading it, carried by every write of the object.
pub mod meta {
    /// Run-level changes so far.
    pub const SEQ: &str = "x-amz-meta-magnus-seq";
    /// Creation time, ISO 8601 UTC.
    pub const CREATED: &str = "x-amz-meta-magnus-created";
    /// The run's status (percent-encoded).
    pub const STATUS: &str = "x-amz-meta-magnus-status";
    /// The run's tag (percent-encoded).
    pub const TAG: &str = "x-amz-meta-magnus-tag";
}

/// What the run log object's metadata says of the run's index state.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunMeta {
    /// Run-level changes so far (0: none recorded, e.g. a run magnus wrote).
    pub seq: u64,
    /// Creation time in ms since the epoch, where recorded.
    pub created_ms: Option<u64>,
    /// The status the object was written with (read from metadata; writes take the document's).
    pub status: Option<String>,
    /// The tag the object was written with (read from metadata; writes take the document's).
    pub tag: Option<String>,
    /// The object's `Last-Modified`, whole seconds as every S3 keeps it (the creation time of
    /// last resort for a run without one).
    pub modified_ms: Option<u64>,
}

impl RunMeta {
    /// Reads the metadata headers of a response.
    pub fn from_headers<'a>(header: impl Fn(&str) -> Option<&'a str>) -> Self {
        RunMeta {
            seq: header(meta::SEQ).and_then(|s| s.trim().parse::<u64>().ok()).unwrap_or(0).min(MAX_SEQ),
            created_ms: header(meta::CREATED).and_then(|s| crate::dates::parse_iso8601(s.trim())).map(ms_of),
            status: header(meta::STATUS).and_then(decode),
            tag: header(meta::TAG).and_then(decode),
            modified_ms: header("last-modified")
                .and_then(crate::dates::parse_http_date)
                .map(|t| ms_of(t) / 1000 * 1000),
        }
    }

    /// The headers a write of `log` carries.
    pub fn headers(&self, log: &RunLog) -> Vec<(String, String)> {
        let mut h = vec![
            (meta::SEQ.to_string(), self.seq.to_string()),
            (meta::STATUS.to_string(), encode_ascii(&log.status)),
            (meta::TAG.to_string(), encode_ascii(log.tag.as_deref().unwrap_or(""))),
        ];
        if let Some(ms) = self.created_ms {
            h.push((meta::CREATED.to_string(), iso(ms)));
        }
        h
    }
}

/// The run-level fields whose change makes a new index entry.
pub fn run_level(log: &RunLog) -> (String, Option<String>, Option<String>) {
    (log.status.clone(), log.tag.clone(), log.dag_hash.clone())
}

/// Milliseconds since the epoch (0 before it).
pub fn ms_of(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64).min(MAX_MS)
}

/// ISO 8601 UTC with milliseconds.
pub fn iso(ms: u64) -> String {
    crate::dates::format_iso8601(UNIX_EPOCH + Duration::from_millis(ms))
}

/// Parses an ISO 8601 UTC time (`Date.prototype.toISOString`'s form) to ms.
pub fn parse_time(text: &str) -> Option<u64> {
    crate::dates::parse_iso8601(text).map(ms_of)
}

/// A magnus attempt time (`str(datetime.now())`: `2024-01-31 12:00:00.123456`, local time
/// without a zone, read as UTC) to ms.
fn magnus_time(text: &str) -> Option<u64> {
    if text.len() < 19 || text.as_bytes()[10] != b' ' {
        return None;
    }
    parse_time(&format!("{}T{}Z", &text[..10], &text[11..]))
}

/// Percent-encodes what would break a key field: `%`, `~` (the separator), `/`, `*` (the
/// truncation mark), `=` and control characters. Everything else stays as it is.
pub fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '%' | '~' | '/' | '*' | '=') || c.is_control() {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Percent-encodes all but printable ASCII other than `%` (metadata values travel as HTTP
/// header values, which must be ASCII).
pub fn encode_ascii(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if (0x20..0x7F).contains(&b) && b != b'%' {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The inverse of [`encode`] and [`encode_ascii`]; `None` for a malformed escape.
pub fn decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = std::str::from_utf8(b.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// Where the index of a store with key prefix `prefix` lives (ends in `/`).
pub fn root(prefix: &str) -> String {
    if prefix.is_empty() {
        format!("{ROOT}/{VERSION}/")
    } else {
        format!("{prefix}/{ROOT}/{VERSION}/")
    }
}

/// The folder of one status.
pub fn partition(root: &str, status: &str) -> String {
    format!("{root}status={}/", encode(status))
}

/// The status a partition folder (`…/status=X/`) names.
pub fn partition_status(root: &str, folder: &str) -> Option<String> {
    decode(folder.strip_prefix(root)?.strip_prefix("status=")?.strip_suffix('/')?)
}

/// 13 digits that order creation times newest first.
pub fn rts(created_ms: u64) -> String {
    format!("{:013}", MAX_MS - created_ms.min(MAX_MS))
}

/// The start of every entry name of one run: `<rts>~<run_id>~` (also the paging cursor).
pub fn group(created_ms: u64, run_id: &str) -> String {
    format!("{}~{}~", rts(created_ms), encode(run_id))
}

/// S3 keys are at most 1024 bytes; names past this are cut in their tag.
pub const MAX_KEY: usize = 1024;

/// What an entry's key says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The run id.
    pub run_id: String,
    /// The run's status.
    pub status: String,
    /// The run's tag (`""` for none); cut to fit the key when `tag_cut`.
    pub tag: String,
    /// True when the key holds only the start of a long tag.
    pub tag_cut: bool,
    /// Creation time, ms since the epoch.
    pub created_ms: u64,
    /// Run-level changes up to this entry.
    pub seq: u64,
}

impl Entry {
    /// The entry's full key under `root`.
    pub fn key(&self, root: &str) -> String {
        let folder = partition(root, &self.status);
        let head = format!("{}{:010}~", group(self.created_ms, &self.run_id), self.seq);
        let mut tag = encode(&self.tag);
        let room = MAX_KEY.saturating_sub(folder.len() + head.len() + ".json".len() + 1);
        let mut cut = self.tag_cut;
        if tag.len() > room {
            // Cut on a character boundary that does not split an escape.
            let mut end = room;
            while end > 0 && (!tag.is_char_boundary(end) || tag[..end].rfind('%').is_some_and(|p| p + 3 > end)) {
                end -= 1;
            }
            tag.truncate(end);
            cut = true;
        }
        format!("{folder}{head}{tag}{}.json", if cut { "*" } else { "" })
    }

    /// Reads an entry from its key under `root`; `None` for anything else.
    pub fn parse(root: &str, key: &str) -> Option<Entry> {
        let rest = key.strip_prefix(root)?.strip_prefix("status=")?;
        let (status, name) = rest.split_once('/')?;
        let name = name.strip_suffix(".json")?;
        if name.contains('/') {
            return None;
        }
        let mut parts = name.split('~');
        let (r, id, seq, tag) = (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() || r.len() != 13 || seq.len() != 10 {
            return None;
        }
        let (tag, tag_cut) = match tag.strip_suffix('*') {
            Some(t) => (t, true),
            None => (tag, false),
        };
        Some(Entry {
            run_id: decode(id)?,
            status: decode(status)?,
            tag: decode(tag)?,
            tag_cut,
            created_ms: MAX_MS - r.parse::<u64>().ok()?.min(MAX_MS),
            seq: seq.parse().ok()?,
        })
    }

    /// Whether this entry has tag `tag` (a cut tag matches every tag it begins).
    pub fn has_tag(&self, tag: &str) -> bool {
        if self.tag_cut {
            tag.starts_with(&self.tag)
        } else {
            self.tag == tag
        }
    }
}

/// The group of an entry name (the part of the key after the partition folder).
pub fn group_of(name: &str) -> Option<&str> {
    let first = name.find('~')?;
    let second = name[first + 1..].find('~')? + first + 1;
    Some(&name[..=second])
}

/// The creation time of a run: recorded in its metadata, else its earliest attempt, else the
/// object's last modification. Writers and `reindex` derive the same time for a run magnus
/// wrote, so an entry `reindex` made is the one the next change replaces.
pub fn created_ms(log: Option<&RunLog>, meta: &RunMeta) -> Option<u64> {
    meta.created_ms.or_else(|| log.and_then(first_start)).or(meta.modified_ms)
}

/// The largest `seq` a key can hold (10 digits).
pub const MAX_SEQ: u64 = 9_999_999_999;

/// The change count after `seq` (a hostile or broken header cannot overflow it).
pub fn next_seq(seq: u64) -> u64 {
    seq.saturating_add(1).min(MAX_SEQ)
}

fn each_step<'a>(steps: impl Iterator<Item = &'a StepLog>, f: &mut dyn FnMut(&'a StepLog)) {
    // Depth is bounded by the names (64 segments), so recursion is safe here.
    for s in steps {
        f(s);
        for b in s.branches.values() {
            each_step(b.steps.values(), f);
        }
    }
}

/// The first failed step whose branches hold no failure (children before parents): where a run
/// failed, not the composite steps that failed with it.
fn first_failure(steps: &crate::model::Map<StepLog>) -> Option<&StepLog> {
    for s in steps.values() {
        for b in s.branches.values() {
            if let Some(f) = first_failure(&b.steps) {
                return Some(f);
            }
        }
        if s.status == crate::model::status::FAIL {
            return Some(s);
        }
    }
    None
}

fn first_start(log: &RunLog) -> Option<u64> {
    let mut first: Option<u64> = None;
    each_step(log.steps.values(), &mut |s| {
        for a in &s.attempts {
            if let Some(t) = magnus_time(&a.start_time) {
                first = Some(first.map_or(t, |f| f.min(t)));
            }
        }
    });
    first
}

/// An entry's body: the run's summary, for engines and for `details`.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    /// The run id.
    pub run_id: String,
    /// Run status.
    pub status: String,
    /// Tag (`""` for none).
    pub tag: String,
    /// dag hash (`""` for none).
    pub dag_hash: String,
    /// Creation time, ms.
    pub created_ms: u64,
    /// When this entry was written, ms.
    pub updated_ms: u64,
    /// From the earliest attempt start to the latest attempt end, ms (attempt times as UTC).
    pub duration_ms: Option<u64>,
    /// Whether the step counts are known (a chunked header alone has no steps).
    pub steps_known: bool,
    /// Steps at every depth.
    pub steps_total: u64,
    /// Steps whose status is FAIL.
    pub steps_failed: u64,
    /// The first failed step (document order) and its message, cut to [`MESSAGE_CHARS`].
    pub first_failed: Option<(String, String)>,
    /// `single` or `chunked`.
    pub layout: &'static str,
    /// The run log object's ETag after the write this entry follows.
    pub etag: Option<String>,
    /// Run-level changes up to this entry.
    pub seq: u64,
    /// The run this one re-runs (`""` for none).
    pub original_run_id: String,
}

impl Summary {
    /// The summary of `log`.
    pub fn of(
        log: &RunLog,
        created_ms: u64,
        updated_ms: u64,
        seq: u64,
        layout: &'static str,
        etag: Option<String>,
    ) -> Self {
        let (mut total, mut failed) = (0, 0);
        let first_failed = first_failure(&log.steps).map(|s| {
            let message =
                s.attempts.iter().rev().map(|a| a.message.as_str()).find(|m| !m.is_empty()).unwrap_or(&s.message);
            (s.internal_name.clone(), message.chars().take(MESSAGE_CHARS).collect())
        });
        let (mut start, mut end): (Option<u64>, Option<u64>) = (None, None);
        each_step(log.steps.values(), &mut |s| {
            total += 1;
            if s.status == crate::model::status::FAIL {
                failed += 1;
            }
            for a in &s.attempts {
                if let Some(t) = magnus_time(&a.start_time) {
                    start = Some(start.map_or(t, |v| v.min(t)));
                }
                if let Some(t) = magnus_time(&a.end_time) {
                    end = Some(end.map_or(t, |v| v.max(t)));
                }
            }
        });
        Summary {
            run_id: log.run_id.clone(),
            status: log.status.clone(),
            tag: log.tag.clone().unwrap_or_default(),
            dag_hash: log.dag_hash.clone().unwrap_or_default(),
            created_ms,
            updated_ms,
            duration_ms: match (start, end) {
                (Some(s), Some(e)) if e >= s => Some(e - s),
                _ => None,
            },
            steps_known: true,
            steps_total: total,
            steps_failed: failed,
            first_failed,
            layout,
            etag,
            seq,
            original_run_id: log.original_run_id.clone().unwrap_or_default(),
        }
    }

    /// The key of this summary's entry.
    pub fn entry(&self) -> Entry {
        Entry {
            run_id: self.run_id.clone(),
            status: self.status.clone(),
            tag: self.tag.clone(),
            tag_cut: false,
            created_ms: self.created_ms,
            seq: self.seq,
        }
    }
}

impl ToJson for Summary {
    fn write_json(&self, w: &mut Writer) {
        w.begin_object();
        w.entry("run_id", &self.run_id);
        w.entry("status", &self.status);
        w.entry("tag", &self.tag);
        w.entry("dag_hash", &self.dag_hash);
        w.entry("created", &iso(self.created_ms));
        w.entry("updated", &iso(self.updated_ms));
        w.entry("duration_ms", &self.duration_ms);
        w.entry("steps_total", &self.steps_known.then_some(self.steps_total));
        w.entry("steps_failed", &self.steps_known.then_some(self.steps_failed));
        w.key("first_failed_step");
        match &self.first_failed {
            Some((name, message)) => {
                w.begin_object();
                w.entry("name", name);
                w.entry("message", message);
                w.end_object();
            }
            None => w.null(),
        }
        w.entry("original_run_id", &self.original_run_id);
        w.entry("format", "magnus");
        w.entry("layout", self.layout);
        w.entry("etag", &self.etag);
        w.entry("seq", &self.seq);
        w.end_object();
    }
}

/// A query of the index ([`crate::S3RunLogStore::list_runs`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunQuery {
    /// Only these statuses (all when empty).
    pub statuses: Vec<String>,
    /// Only this tag.
    pub tag: Option<String>,
    /// Created at or after (ms).
    pub since_ms: Option<u64>,
    /// Created at or before (ms).
    pub until_ms: Option<u64>,
    /// Only run ids beginning so.
    pub run_id_prefix: Option<String>,
    /// Runs per page (1 to 1000; default 50).
    pub limit: Option<u32>,
    /// Where the previous page ended ([`RunPage::cursor`]).
    pub cursor: Option<String>,
    /// Also GET each entry's body ([`IndexedRun::summary`]): one request per run.
    pub details: bool,
}

impl RunQuery {
    /// Whether `e` passes the filters the key can decide.
    pub fn admits(&self, e: &Entry) -> bool {
        self.tag.as_deref().is_none_or(|t| e.has_tag(t))
            && self.run_id_prefix.as_deref().is_none_or(|p| e.run_id.starts_with(p))
            && self.since_ms.is_none_or(|s| e.created_ms >= s)
            && self.until_ms.is_none_or(|u| e.created_ms <= u)
    }
}

/// Checks a cursor is one this store handed out (`<13 digits>~<run id>~`).
pub fn valid_cursor(c: &str) -> bool {
    c.len() > 15
        && c.as_bytes()[..13].iter().all(u8::is_ascii_digit)
        && c.as_bytes()[13] == b'~'
        && c.ends_with('~')
        && !c[14..c.len() - 1].contains('~')
        && decode(&c[14..c.len() - 1]).is_some()
}

/// What a listing of one status folder found, in key order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Listed {
    /// Key, what it says, last modification.
    pub entries: Vec<(String, Entry, String)>,
    /// True when the folder holds more after the last entry.
    pub more: bool,
}

/// Merges folder listings into a page: runs in key order (newest first), one per run (its
/// highest `seq`), those `query` admits, at most `limit`. A run is only placed once every folder
/// that stopped early has been listed past it, so no run is cut from its newer entries.
pub fn merge(folders: Vec<Listed>, query: &RunQuery, limit: usize) -> RunPage {
    let name = |k: &str| k.rsplit('/').next().unwrap_or_default().to_string();
    // The last name listed of each folder that has more: nothing after the smallest is certain.
    let bound = folders.iter().filter(|f| f.more).filter_map(|f| f.entries.last()).map(|(k, ..)| name(k)).min();
    let mut all: Vec<(String, (String, Entry, String))> =
        folders.into_iter().flat_map(|f| f.entries).map(|e| (name(&e.0), e)).collect();
    all.sort_by(|a, b| a.0.cmp(&b.0));
    let mut runs: Vec<IndexedRun> = Vec::new();
    let mut more = bound.is_some();
    let mut last: Option<String> = None;
    let mut i = 0;
    while i < all.len() {
        let group = group_of(&all[i].0).unwrap_or_default().to_string();
        // A run is placed only when every folder that stopped early was listed past all of it
        // (`<group>~` sorts after each of its names); the very first one at least by its first
        // name, so a page always moves on.
        let end = if last.is_none() { all[i].0.clone() } else { format!("{group}~") };
        if bound.as_ref().is_some_and(|b| end > *b) {
            break;
        }
        let mut best = i;
        while i < all.len() && all[i].0.starts_with(&group) {
            if all[i].1 .1.seq > all[best].1 .1.seq {
                best = i;
            }
            i += 1;
        }
        let (key, entry, updated) = all[best].1.clone();
        if !query.admits(&entry) {
            last = Some(group);
            continue;
        }
        if runs.len() == limit {
            more = true;
            break;
        }
        last = Some(group);
        runs.push(IndexedRun { entry, updated, key, summary: None });
    }
    RunPage { cursor: if more { last } else { None }, runs }
}

/// One run of a page.
#[derive(Debug, Clone, PartialEq)]
pub struct IndexedRun {
    /// What its newest entry's key says.
    pub entry: Entry,
    /// The entry's last modification (when it was written), ISO 8601.
    pub updated: String,
    /// The entry's key.
    pub key: String,
    /// The entry's body, with `details`.
    pub summary: Option<crate::Value>,
}

impl ToJson for IndexedRun {
    fn write_json(&self, w: &mut Writer) {
        w.begin_object();
        if let Some(crate::Value::Object(m)) = &self.summary {
            for (k, v) in m {
                if !matches!(k.as_str(), "run_id" | "status" | "tag" | "created" | "updated" | "seq") {
                    w.entry(k, v);
                }
            }
        }
        w.entry("run_id", &self.entry.run_id);
        w.entry("status", &self.entry.status);
        w.entry("tag", &self.entry.tag);
        w.entry("created", &iso(self.entry.created_ms));
        w.entry("updated", &self.updated);
        w.entry("seq", &self.entry.seq);
        w.end_object();
    }
}

/// A page of [`crate::S3RunLogStore::list_runs`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RunPage {
    /// Newest first.
    pub runs: Vec<IndexedRun>,
    /// Where the next page starts; `None` on the last page.
    pub cursor: Option<String>,
}

impl ToJson for RunPage {
    fn write_json(&self, w: &mut Writer) {
        w.begin_object();
        w.key("runs");
        w.begin_array();
        for r in &self.runs {
            w.item();
            r.write_json(w);
        }
        w.end_array();
        if let Some(c) = &self.cursor {
            w.entry("cursor", c);
        }
        w.end_object();
    }
}

/// What [`crate::S3RunLogStore::reindex`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReindexReport {
    /// Runs read.
    pub runs: u64,
    /// Entries written (missing or stale).
    pub written: u64,
    /// Entries of chunked runs rewritten in place with their step counts (a chunked writer's
    /// entry has none: the run's header holds no steps).
    pub refreshed: u64,
    /// Entries deleted (superseded, or of runs that no longer exist).
    pub deleted: u64,
    /// Runs that are not run logs; their entries are left as they are.
    pub unreadable: u64,
    /// Runs whose read or entry failed (a request error, an id too long for a key); counted,
    /// and the reindex goes on.
    pub failed: u64,
}

impl ToJson for ReindexReport {
    fn write_json(&self, w: &mut Writer) {
        w.begin_object();
        w.entry("runs", &self.runs);
        w.entry("written", &self.written);
        w.entry("refreshed", &self.refreshed);
        w.entry("deleted", &self.deleted);
        w.entry("unreadable", &self.unreadable);
        w.entry("failed", &self.failed);
        w.end_object();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(run_id: &str, tag: &str, created_ms: u64, seq: u64) -> Entry {
        Entry { run_id: run_id.into(), status: "FAIL".into(), tag: tag.into(), tag_cut: false, created_ms, seq }
    }

    #[test]
    fn keys_round_trip_and_order_newest_first() {
        let root = root("runs");
        assert_eq!(root, "runs/.magnus-index/v1/");
        for e in [
            entry("plain-run", "nightly", 1_700_000_000_000, 3),
            entry("odd~id%/*=x\u{1}", "a~b/c ü", 5, 0),
            entry("ünï cödé", "", MAX_MS, 9_999_999_999),
        ] {
            let key = e.key(&root);
            assert!(key.starts_with("runs/.magnus-index/v1/status=FAIL/"), "{key}");
            assert_eq!(Entry::parse(&root, &key).as_ref(), Some(&e), "{key}");
        }
        let older = entry("a", "", 1_000, 1).key(&root);
        let newer = entry("b", "", 2_000, 1).key(&root);
        assert!(newer < older, "newest first");
        assert_eq!(Entry::parse(&root, "runs/.magnus-index/v1/status=FAIL/x.json"), None);
    }

    #[test]
    fn a_long_tag_is_cut_to_fit_the_key_and_still_matches() {
        let root = root("p");
        let e = entry(&"r".repeat(300), &"ü".repeat(600), 1, 1);
        let key = e.key(&root);
        assert!(key.len() <= MAX_KEY, "{}", key.len());
        let back = Entry::parse(&root, &key).unwrap();
        assert!(back.tag_cut && e.tag.starts_with(&back.tag) && !back.tag.is_empty());
        assert!(back.has_tag(&e.tag) && !back.has_tag("other"));
    }

    #[test]
    fn groups_and_cursors() {
        let root = root("");
        let key = entry("r1", "t", 42, 7).key(&root);
        let name = key.rsplit('/').next().unwrap();
        let g = group_of(name).unwrap();
        assert_eq!(g, group(42, "r1"));
        assert!(valid_cursor(g));
        assert!(!valid_cursor("nonsense") && !valid_cursor("0000000000001~a~b~"));
        // Every name of a group sorts before `<group>~`, and the next group after it.
        assert!(name < format!("{g}~").as_str());
        assert!(format!("{g}~") < group(41, "r0"));
    }

    #[test]
    fn summary_counts_steps_at_every_depth_and_finds_the_first_failure() {
        let mut log = RunLog::new("r");
        log.status = "FAIL".into();
        let mut a = StepLog::new("a", "a");
        a.status = "SUCCESS".into();
        let mut attempt =
            crate::model::StepAttempt { start_time: "2024-01-31 12:00:00.000000".into(), ..Default::default() };
        attempt.end_time = "2024-01-31 12:00:02.500000".into();
        a.attempts.push(attempt);
        let mut fan = StepLog::new("fan", "fan"); // magnus's default status: FAIL
        let mut b = crate::model::BranchLog::new("fan.x");
        let mut f = StepLog::new("f", "fan.x.f");
        f.status = "FAIL".into();
        f.attempts.push(crate::model::StepAttempt { message: "boom".into(), ..Default::default() });
        b.steps.insert("fan.x.f".into(), f);
        fan.branches.insert("fan.x".into(), b);
        log.steps.insert("a".into(), a);
        log.steps.insert("fan".into(), fan);
        let s = Summary::of(&log, 1, 2, 3, "single", None);
        assert_eq!((s.steps_total, s.steps_failed), (3, 2));
        assert_eq!(s.first_failed, Some(("fan.x.f".into(), "boom".into())));
        assert_eq!(s.duration_ms, Some(2_500));
        assert_eq!(created_ms(Some(&log), &RunMeta::default()), parse_time("2024-01-31T12:00:00Z"));
        assert_eq!(created_ms(Some(&log), &RunMeta { seq: 0, created_ms: Some(9), ..RunMeta::default() }), Some(9));
        let modified = RunMeta { modified_ms: Some(7_000), ..RunMeta::default() };
        assert_eq!(created_ms(Some(&RunLog::new("r")), &modified), Some(7_000));
        assert_eq!(created_ms(None, &modified), Some(7_000));
        assert_eq!(next_seq(u64::MAX), MAX_SEQ);
    }

    #[test]
    fn metadata_round_trips() {
        let mut log = RunLog::new("r");
        log.status = "SUCCESS".into();
        log.tag = Some("a/b ü".into());
        let m = RunMeta {
            seq: 4,
            created_ms: Some(1_700_000_000_123),
            status: Some("SUCCESS".into()),
            tag: Some("a/b ü".into()),
            modified_ms: None,
        };
        let h = m.headers(&log);
        assert!(h.iter().all(|(_, v)| v.is_ascii()));
        assert_eq!(decode(&h[2].1).as_deref(), Some("a/b ü"));
        let back = RunMeta::from_headers(|n| h.iter().find(|(k, _)| k == n).map(|(_, v)| v.as_str()));
        assert_eq!(back, m);
        let dated = RunMeta::from_headers(|n| (n == "last-modified").then_some("Sun, 06 Nov 1994 08:49:37 GMT"));
        assert_eq!(dated.modified_ms, Some(784_111_777_000));
    }
}

//! The store's IO for the chunked layout (names and assembly: [`crate::layout::chunked`]).
//!
//! Parallel writers touch different objects (each step, branch and parameter is its own), and
//! the one shared object, the `RunLog` header, changes only through conditional writes. A step
//! update is one PUT of that step's object once its name is known (the store caches the object
//! names it found or made). A step or branch is only written under a parent that exists, as in
//! the single layout, so a run never holds a chunk that makes it unreadable.

use super::request::{Fetched, Put};
use super::S3RunLogStore;
use crate::error::{Error, Result};
use crate::host::{join_all, Host, LocalBoxFuture};
use crate::layout::chunked::{self, Chunk, Parts};
use crate::model::{BranchLog, Map, RunLog, StepLog, Value};
use crate::names::{self, Kind};
use crate::pyjson;
use crate::reconcile::Reconcile;
use crate::s3::{Condition, ObjectInfo};

/// What a store has learned about a chunked bucket, so later calls skip the lookups.
#[derive(Debug, Default)]
pub(super) struct ChunkNames {
    /// Run folders (`<prefix>/<run_id>/`) whose header is known to exist.
    runs: Map<()>,
    /// A step's or branch's listing prefix -> the key of its object.
    objects: Map<String>,
}

/// How many GETs/PUTs of one run are in flight at once.
const PARALLEL: usize = 16;

impl<H: Host> S3RunLogStore<H> {
    /// `<prefix>/<run_id>/`.
    fn run_dir(&self, run_id: &str) -> Result<String> {
        crate::config::check_run_id(run_id)?;
        Ok(self.config.prefixed(&format!("{run_id}/")))
    }

    /// `<prefix>/<run_id>/RunLog`.
    pub(super) fn header_key(&self, run_id: &str) -> Result<String> {
        Ok(format!("{}{}", self.run_dir(run_id)?, chunked::RUN_LOG))
    }

    /// Every object under `prefix` (all pages).
    async fn list_all(&self, prefix: &str) -> Result<Vec<ObjectInfo>> {
        Ok(self.list(prefix, None, None, usize::MAX).await?.objects)
    }

    fn cached(&self, prefix: &str) -> Option<String> {
        self.chunk_names.lock().ok()?.objects.get(prefix).cloned()
    }

    fn remember(&self, prefix: String, key: String) {
        if let Ok(mut names) = self.chunk_names.lock() {
            names.objects.insert(prefix, key);
        }
    }

    fn run_known(&self, dir: &str) -> bool {
        self.chunk_names.lock().is_ok_and(|names| names.runs.contains_key(dir))
    }

    fn remember_run(&self, dir: String) {
        if let Ok(mut names) = self.chunk_names.lock() {
            names.runs.insert(dir, ());
        }
    }

    /// Fails with RunLogNotFound unless the run's header exists (checked once per run and store).
    async fn require_run(&self, run_id: &str) -> Result<String> {
        let dir = self.run_dir(run_id)?;
        if !self.run_known(&dir) {
            if self.get(&format!("{dir}{}", chunked::RUN_LOG)).await?.is_none() {
                return Err(Error::RunLogNotFound { run_id: run_id.into() });
            }
            self.remember_run(dir.clone());
        }
        Ok(dir)
    }

    /// The existing object of a step or branch (the oldest if there are several).
    async fn find_chunk(&self, dir: &str, kind: Kind, name: &str) -> Result<Option<String>> {
        let prefix = format!("{dir}{}", chunked::list_prefix(kind, name));
        if let Some(k) = self.cached(&prefix) {
            return Ok(Some(k));
        }
        let found = self
            .list_all(&prefix)
            .await?
            .into_iter()
            .filter_map(|o| match chunked::parse_name(o.key.strip_prefix(dir)?)? {
                Chunk::StepLog(n, t) | Chunk::BranchLog(n, t) if n == name => Some((t, o.key)),
                _ => None,
            })
            .min();
        if let Some((_, key)) = &found {
            self.remember(prefix, key.clone());
        }
        Ok(found.map(|(_, k)| k))
    }

    /// Fails unless the parent of a step (its branch) or of a branch (its step) is stored; a
    /// top-level step's parent is the run itself.
    async fn require_parent(&self, run_id: &str, dir: &str, kind: Kind, name: &str) -> Result<()> {
        let (parent_kind, parent) = match kind {
            Kind::Step => match names::parent_branch(name) {
                None => return Ok(()),
                Some(b) => (Kind::Branch, b),
            },
            Kind::Branch => (Kind::Step, names::parent_step(name)),
        };
        if self.find_chunk(dir, parent_kind, parent).await?.is_some() {
            return Ok(());
        }
        let (run_id, name, missing) = (run_id.to_string(), parent.to_string(), parent.to_string());
        Err(match parent_kind {
            Kind::Step => Error::StepLogNotFound { run_id, name, missing },
            Kind::Branch => Error::BranchLogNotFound { run_id, name, missing },
        })
    }

    /// Writes a step or branch object: replaces the existing one, or creates it.
    ///
    /// Creation is decided by a claim: a conditional PUT (`If-None-Match: *`) of
    /// `<run>/_claims/<StepLog|BranchLog>-<name>` holding the chosen object name. The first
    /// writer's claim names the object for good; a writer that loses reads the claim and writes
    /// there. So two writers creating the same step at once still make one object, with no
    /// clean-up and nothing a reader could pick wrongly.
    ///
    /// `body` makes the bytes from the object as stored, when there is one (to keep its number
    /// text and key order: see [`crate::reconcile`]).
    async fn put_chunk(
        &self,
        run_id: &str,
        kind: Kind,
        name: &str,
        body: &dyn Fn(Option<&[u8]>) -> Vec<u8>,
    ) -> Result<()> {
        let dir = self.require_run(run_id).await?;
        let mut stored = None;
        let key = match self.find_chunk(&dir, kind, name).await? {
            Some(key) => {
                stored = self.get(&key).await?.map(|(b, _)| b);
                key
            }
            None => {
                self.require_parent(run_id, &dir, kind, name).await?;
                let mine = format!("{dir}{}", chunked::object_name(kind, name, self.unique_time_ns(1)));
                let claim =
                    format!("{dir}{}{}", chunked::CLAIMS, chunked::list_prefix(kind, name).trim_end_matches('-'));
                match self.put(&claim, mine.clone().into_bytes(), &Condition::Absent).await? {
                    Put::Written(_) => mine,
                    Put::PreconditionFailed => {
                        let (owner, _) = self.get(&claim).await?.ok_or_else(|| Error::S3 {
                            status: 404,
                            code: "NoSuchKey".into(),
                            message: format!("claim {claim} vanished"),
                            request_id: None,
                        })?;
                        String::from_utf8(owner).ok().filter(|k| k.starts_with(&dir)).ok_or_else(|| {
                            Error::invalid_run_log(format!("claim {claim}"), "does not name an object of this run")
                        })?
                    }
                }
            }
        };
        self.remember(format!("{dir}{}", chunked::list_prefix(kind, name)), key.clone());
        self.put(&key, body(stored.as_deref()), &Condition::None).await.map(|_| ())
    }

    fn get_boxed<'a>(&'a self, key: &'a str) -> LocalBoxFuture<'a, Result<Fetched>> {
        Box::pin(self.get(key))
    }

    fn put_boxed<'a>(&'a self, key: &'a str, body: Vec<u8>) -> LocalBoxFuture<'a, Result<Put>> {
        Box::pin(async move { self.put(key, body, &Condition::None).await })
    }

    /// GETs objects in bounded parallel batches.
    async fn get_many(&self, keys: &[String]) -> Result<Vec<Option<Vec<u8>>>> {
        let mut out = Vec::with_capacity(keys.len());
        for batch in keys.chunks(PARALLEL) {
            for r in join_all(batch.iter().map(|k| self.get_boxed(k)).collect()).await {
                out.push(r?.map(|(body, _)| body));
            }
        }
        Ok(out)
    }

    /// PUTs objects in bounded parallel batches.
    async fn put_many(&self, objects: Vec<(String, Vec<u8>)>) -> Result<()> {
        for batch in objects.chunks(PARALLEL) {
            for r in join_all(batch.iter().map(|(k, b)| self.put_boxed(k, b.clone())).collect()).await {
                r?;
            }
        }
        Ok(())
    }

    pub(super) async fn chunked_create(&self, log: RunLog) -> Result<RunLog> {
        let key = self.header_key(&log.run_id)?;
        let meta = self.meta_of_new();
        if self.create_object(&key, chunked::header(&log).to_json_bytes(), meta.headers(&log)).await? {
            self.index_after_write(&key, &log, &meta, None, None, true).await;
            Ok(log)
        } else {
            Err(Error::RunLogExists { run_id: log.run_id })
        }
    }

    pub(super) async fn chunked_read(&self, run_id: &str, full: bool) -> Result<RunLog> {
        let dir = self.run_dir(run_id)?;
        if !full {
            let (bytes, _) = self
                .get(&format!("{dir}{}", chunked::RUN_LOG))
                .await?
                .ok_or_else(|| Error::RunLogNotFound { run_id: run_id.into() })?;
            return RunLog::from_json_bytes(&bytes);
        }
        let mut named = Vec::new();
        for o in self.list_all(&dir).await? {
            if let Some(c) = o.key.strip_prefix(&dir).and_then(chunked::parse_name) {
                named.push((c, o.key));
            }
        }
        if !named.iter().any(|(c, _)| *c == Chunk::RunLog) {
            return Err(Error::RunLogNotFound { run_id: run_id.into() });
        }
        let keys: Vec<String> = named.iter().map(|(_, k)| k.clone()).collect();
        let bodies = self.get_many(&keys).await?;
        let mut parts = Parts::default();
        for ((chunk, key), body) in named.into_iter().zip(bodies) {
            // An object deleted between LIST and GET (a duplicate resolved) is skipped.
            let Some(body) = body else { continue };
            let at = |e: Error| match e {
                Error::InvalidRunLog { path, message } => {
                    Error::InvalidRunLog { path: format!("{key}: {path}"), message }
                }
                other => other,
            };
            match chunk {
                Chunk::RunLog => parts.header = Some(RunLog::from_json_bytes(&body).map_err(at)?),
                Chunk::Parameter(k) => {
                    parts.parameters.push(chunked::parameter_value(pyjson::parse(&body).map_err(at)?, &k)?)
                }
                Chunk::StepLog(_, t) => {
                    parts.steps.push((t, StepLog::from_value(pyjson::parse(&body).map_err(at)?).map_err(at)?))
                }
                Chunk::BranchLog(_, t) => {
                    parts.branches.push((t, BranchLog::from_value(pyjson::parse(&body).map_err(at)?).map_err(at)?))
                }
            }
        }
        chunked::assemble(run_id, parts)
    }

    /// Writes a whole run log as chunks (header, every parameter, step and branch).
    pub(super) async fn chunked_put(&self, log: &RunLog) -> Result<()> {
        let dir = self.run_dir(&log.run_id)?;
        let (steps, branches) = chunked::split(log)?;
        self.put_run_object(&format!("{dir}{}", chunked::RUN_LOG), chunked::header(log).to_json_bytes(), log, true)
            .await?;
        // Listing prefix of a step or branch -> its existing object: the first listed, which is
        // the oldest (time_ns values have the same number of digits, so key order is time order).
        let mut existing = Map::<String>::new();
        for o in self.list_all(&dir).await? {
            let prefix = match o.key.strip_prefix(&dir).and_then(chunked::parse_name) {
                Some(Chunk::StepLog(n, _)) => chunked::list_prefix(Kind::Step, &n),
                Some(Chunk::BranchLog(n, _)) => chunked::list_prefix(Kind::Branch, &n),
                _ => continue,
            };
            if !existing.contains_key(&prefix) {
                existing.insert(prefix, o.key);
            }
        }
        let mut objects: Vec<(String, Vec<u8>)> =
            log.parameters.iter().map(|(k, v)| (format!("{dir}{}", chunked::parameter_name(k)), one(k, v))).collect();
        let base = self.unique_time_ns(steps.len() + branches.len());
        let new_key = |kind: Kind, name: &str, i: usize| match existing.get(&chunked::list_prefix(kind, name)) {
            Some(k) => k.clone(),
            None => format!("{dir}{}", chunked::object_name(kind, name, base + i as u64)),
        };
        for (i, step) in steps.iter().enumerate() {
            objects.push((new_key(Kind::Step, &step.internal_name, i), pyjson::to_vec(step)));
        }
        for (i, b) in branches.iter().enumerate() {
            objects.push((new_key(Kind::Branch, &b.internal_name, steps.len() + i), pyjson::to_vec(b)));
        }
        self.remember_run(dir);
        self.put_many(objects).await
    }

    /// One `Parameter-<key>` object per key: writers of different keys never meet.
    /// One `Parameter-<key>` object per key: writers of different keys never meet. Each is read
    /// first, so a value that is unchanged keeps its stored text.
    pub(super) async fn chunked_set_parameters(&self, run_id: &str, parameters: &Map) -> Result<()> {
        let dir = self.require_run(run_id).await?;
        let keys: Vec<String> = parameters.keys().map(|k| format!("{dir}{}", chunked::parameter_name(k))).collect();
        let stored = self.get_many(&keys).await?;
        let objects = keys
            .into_iter()
            .zip(stored)
            .zip(parameters.iter())
            .map(|((key, old), (k, v))| {
                let mut v = v.clone();
                if let Some(Value::Object(m)) = old.and_then(|b| pyjson::parse(&b).ok()) {
                    if let Some(o) = m.get(k) {
                        v.reconcile(o);
                    }
                }
                (key, one(k, &v))
            })
            .collect();
        self.put_many(objects).await
    }

    pub(super) async fn chunked_get_parameters(&self, run_id: &str) -> Result<Map> {
        let dir = self.require_run(run_id).await?;
        let objects = self.list_all(&format!("{dir}Parameter-")).await?;
        let keys: Vec<String> = objects.into_iter().map(|o| o.key).collect();
        let mut out = Map::new();
        for (key, body) in keys.iter().zip(self.get_many(&keys).await?) {
            let Some(body) = body else { continue };
            let name = key.strip_prefix(&dir).unwrap_or(key);
            let param = name.strip_prefix("Parameter-").unwrap_or(name);
            out.extend(chunked::parameter_value(pyjson::parse(&body)?, param)?);
        }
        Ok(out)
    }

    pub(super) async fn chunked_add_step(&self, step: &StepLog, run_id: &str) -> Result<()> {
        let body = |stored: Option<&[u8]>| {
            let mut chunk = chunked::step_chunk(step);
            if let Some(old) = stored.and_then(|b| StepLog::from_value(pyjson::parse(b).ok()?).ok()) {
                chunk.reconcile(&old);
            }
            pyjson::to_vec(&chunk)
        };
        self.put_chunk(run_id, Kind::Step, &step.internal_name, &body).await
    }

    pub(super) async fn chunked_add_branch(&self, branch: &BranchLog, run_id: &str) -> Result<()> {
        let body = |stored: Option<&[u8]>| {
            let mut chunk = chunked::branch_chunk(branch);
            if let Some(old) = stored.and_then(|b| BranchLog::from_value(pyjson::parse(b).ok()?).ok()) {
                chunk.reconcile(&old);
            }
            pyjson::to_vec(&chunk)
        };
        self.put_chunk(run_id, Kind::Branch, &branch.internal_name, &body).await
    }

    /// The stored object of a step or branch (as stored: a step's branches are separate objects).
    pub(super) async fn chunked_get_one(&self, run_id: &str, kind: Kind, name: &str) -> Result<Value> {
        let dir = self.require_run(run_id).await?;
        let missing = || {
            let (run_id, name, missing) = (run_id.to_string(), name.to_string(), name.to_string());
            match kind {
                Kind::Step => Error::StepLogNotFound { run_id, name, missing },
                Kind::Branch => Error::BranchLogNotFound { run_id, name, missing },
            }
        };
        let key = self.find_chunk(&dir, kind, name).await?.ok_or_else(missing)?;
        let (body, _) = self.get(&key).await?.ok_or_else(missing)?;
        pyjson::parse(&body)
    }
}

/// `{"<key>": value}` in magnus's bytes.
fn one(key: &str, value: &Value) -> Vec<u8> {
    let mut m = Map::new();
    m.insert(key.to_string(), value.clone());
    pyjson::to_vec(&m)
}

//! The chunked layout: one object per run header, parameter, step and branch under
//! `<prefix>/<run_id>/`, with magnus-extensions' `chunked-s3` object names, so each side reads the
//! other's runs:
//!
//! | object | holds |
//! |---|---|
//! | `RunLog` | the RunLog with empty `steps` and `parameters` (status, run_config live here) |
//! | `Parameter-<key>` | `{"<key>": value}` |
//! | `StepLog-<internal_name>-<time_ns>` | a StepLog with empty `branches` |
//! | `BranchLog-<internal_name>-<time_ns>` | a BranchLog with empty `steps` |
//!
//! Unlike magnus (which globs `StepLog-<name>*`), names are matched exactly: the part after the
//! name must be `-` and digits only, so step `a` never picks up `StepLog-a-b-<ns>`. `<time_ns>`
//! (nanoseconds since the epoch, as Python's `time.time_ns()`; a u64 until the year 2554)
//! orders steps and branches on assembly, as in magnus. Two of our writers creating the same new
//! step at once agree on one object through a claim (`_claims/StepLog-<name>`, see
//! `store::chunked`); if duplicates exist anyway (written by other tools), readers keep the one
//! with the smallest `<time_ns>`.

use crate::error::{Error, Result};
use crate::model::{BranchLog, Map, RunLog, StepLog, Value};
use crate::names::{self, parent_branch, parent_step, Kind};

/// The kinds of chunk object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Chunk {
    /// `RunLog`.
    RunLog,
    /// `Parameter-<key>`.
    Parameter(String),
    /// `StepLog-<internal_name>-<time_ns>`.
    StepLog(String, u64),
    /// `BranchLog-<internal_name>-<time_ns>`.
    BranchLog(String, u64),
}

/// Object name of the run header.
pub const RUN_LOG: &str = "RunLog";

/// Folder (inside a run's) of the creation claims of steps and branches: `_claims/StepLog-<name>`
/// holds the object name the first creator chose. Not a chunk: readers (ours and magnus's glob)
/// skip it.
pub const CLAIMS: &str = "_claims/";

/// `Parameter-<key>`.
pub fn parameter_name(key: &str) -> String {
    format!("Parameter-{key}")
}

/// `StepLog-<name>-` or `BranchLog-<name>-`: the listing prefix of one step or branch.
pub fn list_prefix(kind: Kind, internal_name: &str) -> String {
    let what = match kind {
        Kind::Step => "StepLog",
        Kind::Branch => "BranchLog",
    };
    format!("{what}-{internal_name}-")
}

/// `StepLog-<name>-<ns>` / `BranchLog-<name>-<ns>`.
pub fn object_name(kind: Kind, internal_name: &str, time_ns: u64) -> String {
    format!("{}{time_ns}", list_prefix(kind, internal_name))
}

/// What an object name (relative to `<prefix>/<run_id>/`) is, matched exactly; `None` for
/// anything else.
pub fn parse_name(name: &str) -> Option<Chunk> {
    if name == RUN_LOG {
        return Some(Chunk::RunLog);
    }
    if let Some(key) = name.strip_prefix("Parameter-") {
        return Some(Chunk::Parameter(key.to_string()));
    }
    let timed = |rest: &str| -> Option<(String, u64)> {
        let (n, ns) = rest.rsplit_once('-')?;
        if n.is_empty() || ns.is_empty() || !ns.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        Some((n.to_string(), ns.parse().ok()?))
    };
    if let Some(rest) = name.strip_prefix("StepLog-") {
        return timed(rest).map(|(n, t)| Chunk::StepLog(n, t));
    }
    if let Some(rest) = name.strip_prefix("BranchLog-") {
        return timed(rest).map(|(n, t)| Chunk::BranchLog(n, t));
    }
    None
}

// The chunk builders copy the node's own fields only: cloning the node and then emptying its
// children would copy the whole subtree below it once per level.

/// The run header as stored: the run log without steps and parameters.
pub fn header(log: &RunLog) -> RunLog {
    RunLog {
        run_id: log.run_id.clone(),
        dag_hash: log.dag_hash.clone(),
        use_cached: log.use_cached,
        tag: log.tag.clone(),
        original_run_id: log.original_run_id.clone(),
        status: log.status.clone(),
        steps: Map::new(),
        parameters: Map::new(),
        run_config: log.run_config.clone(),
        extra: log.extra.clone(),
    }
}

/// A step as stored: without its branches.
pub fn step_chunk(step: &StepLog) -> StepLog {
    StepLog {
        name: step.name.clone(),
        internal_name: step.internal_name.clone(),
        status: step.status.clone(),
        step_type: step.step_type.clone(),
        message: step.message.clone(),
        mock: step.mock,
        code_identities: step.code_identities.clone(),
        attempts: step.attempts.clone(),
        user_defined_metrics: step.user_defined_metrics.clone(),
        branches: Map::new(),
        data_catalog: step.data_catalog.clone(),
        extra: step.extra.clone(),
    }
}

/// A branch as stored: without its steps.
pub fn branch_chunk(branch: &BranchLog) -> BranchLog {
    BranchLog {
        internal_name: branch.internal_name.clone(),
        status: branch.status.clone(),
        steps: Map::new(),
        extra: branch.extra.clone(),
    }
}

/// Every step and branch of a run log, flattened into chunks (depth first, document order).
/// Iterative, so no document depth can exhaust the stack; a step or branch whose internal name
/// is malformed (or deeper than [`names::MAX_SEGMENTS`]) is refused, as a write of it would be.
pub fn split(log: &RunLog) -> Result<(Vec<StepLog>, Vec<BranchLog>)> {
    let (mut steps_out, mut branches_out) = (Vec::new(), Vec::new());
    // Work list of step maps still to visit, deepest last, each as an iterator.
    let mut stack = vec![log.steps.values()];
    while let Some(top) = stack.last_mut() {
        let Some(step) = top.next() else {
            stack.pop();
            continue;
        };
        names::check(&step.internal_name, Kind::Step)?;
        steps_out.push(step_chunk(step));
        // Branches are pushed in reverse so the first branch's steps are visited first.
        let before = stack.len();
        for b in step.branches.values() {
            names::check(&b.internal_name, Kind::Branch)?;
            branches_out.push(branch_chunk(b));
            stack.push(b.steps.values());
        }
        stack[before..].reverse();
    }
    Ok((steps_out, branches_out))
}

/// The parts of a chunked run, as read.
#[derive(Debug, Default)]
pub struct Parts {
    /// The `RunLog` object.
    pub header: Option<RunLog>,
    /// `Parameter-*` objects, in key order.
    pub parameters: Vec<Map>,
    /// Step chunks with their `<time_ns>`.
    pub steps: Vec<(u64, StepLog)>,
    /// Branch chunks with their `<time_ns>`.
    pub branches: Vec<(u64, BranchLog)>,
}

/// Assembles the whole run log as magnus's `get_run_log_by_id(full=True)` does: parameters merged,
/// steps and branches ordered by `<time_ns>` and nested under their parents. Duplicates of a name
/// keep the smallest `<time_ns>`; a chunk whose parent is missing, or whose name is malformed or
/// nested deeper than [`names::MAX_SEGMENTS`], is an error naming it (so the recursion below is
/// bounded whatever the bucket holds).
pub fn assemble(run_id: &str, parts: Parts) -> Result<RunLog> {
    for (_, s) in &parts.steps {
        names::check(&s.internal_name, Kind::Step).map_err(|e| bad_chunk_name("StepLog", &s.internal_name, e))?;
    }
    for (_, b) in &parts.branches {
        names::check(&b.internal_name, Kind::Branch).map_err(|e| bad_chunk_name("BranchLog", &b.internal_name, e))?;
    }
    let mut log = parts.header.ok_or_else(|| Error::RunLogNotFound { run_id: run_id.into() })?;
    for p in parts.parameters {
        for (k, v) in p {
            log.parameters.insert(k, v);
        }
    }
    let mut steps = parts.steps;
    steps.sort_by_key(|(t, _)| *t);
    let mut branches = parts.branches;
    branches.sort_by_key(|(t, _)| *t);

    // name -> chunk, first (oldest) wins; children lists in time order.
    let mut step_by_name: Map<StepLog> = Map::new();
    for (_, s) in steps {
        if !step_by_name.contains_key(&s.internal_name) {
            step_by_name.insert(s.internal_name.clone(), s);
        }
    }
    let mut branch_by_name: Map<BranchLog> = Map::new();
    for (_, b) in branches {
        if !branch_by_name.contains_key(&b.internal_name) {
            branch_by_name.insert(b.internal_name.clone(), b);
        }
    }
    let mut step_children: Map<Vec<String>> = Map::new(); // branch -> steps
    let mut top = Vec::new();
    for name in step_by_name.keys() {
        match parent_branch(name) {
            None => top.push(name.clone()),
            Some(b) => push(&mut step_children, b, name),
        }
    }
    let mut branch_children: Map<Vec<String>> = Map::new(); // step -> branches
    for name in branch_by_name.keys() {
        push(&mut branch_children, parent_step(name), name);
    }
    for (parent, kids) in &step_children {
        if !branch_by_name.contains_key(parent) {
            return Err(orphan(&kids[0], "BranchLog", parent));
        }
    }
    for (parent, kids) in &branch_children {
        if !step_by_name.contains_key(parent) {
            return Err(orphan(&kids[0], "StepLog", parent));
        }
    }

    struct Tree {
        steps: Map<StepLog>,
        branches: Map<BranchLog>,
        step_children: Map<Vec<String>>,
        branch_children: Map<Vec<String>>,
    }
    // Each node is taken out of its map once (left empty behind: taking is O(1), removing from
    // an ordered map is not).
    impl Tree {
        fn step(&mut self, name: &str) -> StepLog {
            let mut s = self.steps.get_mut(name).map_or_else(|| StepLog::new("", name), std::mem::take);
            for b in self.branch_children.get_mut(name).map(std::mem::take).unwrap_or_default() {
                let built = self.branch(&b);
                s.branches.insert(b, built);
            }
            s
        }
        fn branch(&mut self, name: &str) -> BranchLog {
            let mut b = self.branches.get_mut(name).map_or_else(|| BranchLog::new(name), std::mem::take);
            for s in self.step_children.get_mut(name).map(std::mem::take).unwrap_or_default() {
                let built = self.step(&s);
                b.steps.insert(s, built);
            }
            b
        }
    }
    let mut tree = Tree { steps: step_by_name, branches: branch_by_name, step_children, branch_children };
    for name in top {
        let built = tree.step(&name);
        log.steps.insert(name, built);
    }
    Ok(log)
}

/// Appends `child` to the list of `parent`.
fn push(children: &mut Map<Vec<String>>, parent: &str, child: &str) {
    match children.get_mut(parent) {
        Some(list) => list.push(child.to_string()),
        None => {
            children.insert(parent.to_string(), vec![child.to_string()]);
        }
    }
}

fn bad_chunk_name(kind: &str, name: &str, e: Error) -> Error {
    let why = match e {
        Error::InvalidArgument { message, .. } => message,
        other => other.to_string(),
    };
    Error::invalid_run_log(format!("chunk {kind} {}", crate::error::quoted(name)), why)
}

fn orphan(chunk: &str, kind: &str, parent: &str) -> Error {
    Error::invalid_run_log(format!("chunk {chunk}"), format!("its parent {kind} {parent} is not in the run"))
}

/// Parses a `Parameter-<key>` object: a one-key object (magnus writes `{"<key>": value}`).
pub fn parameter_value(map: Value, key: &str) -> Result<Map> {
    match map {
        Value::Object(m) => Ok(m),
        _ => Err(Error::invalid_run_log(format!("chunk {}", parameter_name(key)), "expected an object")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_exactly() {
        assert_eq!(parse_name("RunLog"), Some(Chunk::RunLog));
        assert_eq!(parse_name("Parameter-x-y"), Some(Chunk::Parameter("x-y".into())));
        assert_eq!(parse_name("StepLog-a-b-123"), Some(Chunk::StepLog("a-b".into(), 123)));
        assert_eq!(parse_name("StepLog-fan.a.task-9"), Some(Chunk::StepLog("fan.a.task".into(), 9)));
        assert_eq!(
            parse_name("BranchLog-fan.a-1795612588857227699"),
            Some(Chunk::BranchLog("fan.a".into(), 1795612588857227699))
        );
        for bad in ["StepLog-a", "StepLog--1", "StepLog-a-", "StepLog-a-1x", "RunLog.json", "Other", "BranchLog-"] {
            assert_eq!(parse_name(bad), None, "{bad}");
        }
        // magnus's glob `StepLog-a*` would match step a-b's object; ours does not
        assert!(object_name(Kind::Step, "a-b", 5).starts_with(&list_prefix(Kind::Step, "a")));
        assert_ne!(parse_name(&object_name(Kind::Step, "a-b", 5)), Some(Chunk::StepLog("a".into(), 5)));
    }

    #[test]
    fn split_then_assemble_is_identity() {
        let text =
            std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/fixtures/magnus-0.5.1/deep-nesting.json"));
        let text = text.expect("the shared fixtures are beside the repository");
        let log = RunLog::from_json_bytes(&text).unwrap();
        let (steps, branches) = split(&log).unwrap();
        let parts = Parts {
            header: Some(header(&log)),
            parameters: log.parameters.iter().map(|(k, v)| [(k.clone(), v.clone())].into_iter().collect()).collect(),
            steps: steps.into_iter().enumerate().map(|(i, s)| (i as u64, s)).collect(),
            branches: branches.into_iter().enumerate().map(|(i, b)| (i as u64, b)).collect(),
        };
        assert_eq!(assemble(&log.run_id, parts).unwrap(), log);
    }

    #[test]
    fn orphans_and_missing_header_are_errors() {
        let parts = Parts {
            header: Some(RunLog::new("r")),
            steps: vec![(1, StepLog::new("t", "fan.a.t"))],
            ..Default::default()
        };
        assert!(matches!(assemble("r", parts), Err(Error::InvalidRunLog { .. })));
        assert!(matches!(assemble("r", Parts::default()), Err(Error::RunLogNotFound { .. })));
    }

    #[test]
    fn duplicates_keep_the_oldest() {
        let mut old = StepLog::new("a", "a");
        old.status = "SUCCESS".into();
        let parts = Parts {
            header: Some(RunLog::new("r")),
            steps: vec![(9, StepLog::new("a", "a")), (3, old)],
            ..Default::default()
        };
        assert_eq!(assemble("r", parts).unwrap().steps["a"].status, "SUCCESS");
    }
}

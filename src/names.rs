//! Internal names (RUNLOG-FORMAT.md §3): dotted paths that alternate step and branch.
//!
//! `fan` (step) → `fan.a` (branch) → `fan.a.task` (step) → ... A step name has an odd number
//! of segments, a branch name an even number. Lookups walk the prefixes; a miss names the
//! shortest missing prefix. Names of the wrong shape are rejected, not half-resolved as
//! magnus's search helpers do.

use crate::error::{quoted, Error, Result};
use crate::model::{BranchLog, Map, RunLog, StepLog};

/// What an internal name denotes, by its number of segments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Odd number of segments.
    Step,
    /// Even number of segments.
    Branch,
}

/// The deepest nesting an internal name may have: 64 segments (32 levels of steps within
/// branches; magnus's own deepest runs use a handful). Lookups, chunk assembly and documents
/// stay bounded by it, whatever a caller or a bucket holds.
pub const MAX_SEGMENTS: usize = 64;

/// The longest internal name, in bytes (S3 keys are at most 1024 bytes, and a chunk's key holds
/// the prefix, the run id and the name).
pub const MAX_LEN: usize = 512;

/// Checks that `name` is a well-formed internal name of `kind`.
pub fn check(name: &str, kind: Kind) -> Result<()> {
    let argument = match kind {
        Kind::Step => "step internal name",
        Kind::Branch => "branch internal name",
    };
    if name.is_empty() {
        return Err(Error::invalid_argument(argument, "the name is empty"));
    }
    if name.len() > MAX_LEN {
        return Err(Error::invalid_argument(argument, format!("the name is longer than {MAX_LEN} bytes")));
    }
    if name.bytes().filter(|&b| b == b'.').count() >= MAX_SEGMENTS {
        return Err(Error::invalid_argument(
            argument,
            format!("the name has more than {MAX_SEGMENTS} segments (steps nest at most {} deep)", MAX_SEGMENTS / 2),
        ));
    }
    if name.split('.').any(str::is_empty) {
        return Err(Error::invalid_argument(
            argument,
            format!("{} has an empty segment (leading, trailing or doubled '.')", quoted(name)),
        ));
    }
    if name.chars().any(char::is_control) {
        return Err(Error::invalid_argument(argument, format!("{} contains a control character", quoted(name))));
    }
    let segments = name.split('.').count();
    match (kind, segments % 2) {
        (Kind::Step, 1) | (Kind::Branch, 0) => Ok(()),
        (Kind::Step, _) => Err(Error::invalid_argument(
            argument,
            format!(
                "{} has {segments} segments, so it names a branch; step names have an odd number (e.g. \"fan.a.task\")",
                quoted(name)
            ),
        )),
        (Kind::Branch, _) => Err(Error::invalid_argument(
            argument,
            format!(
                "{} has {segments} segment(s), so it names a step; branch names have an even number (e.g. \"fan.a\")",
                quoted(name)
            ),
        )),
    }
}

/// The branch that holds a step: `None` for a top-level step.
pub fn parent_branch(step: &str) -> Option<&str> {
    step.rsplit_once('.').map(|(parent, _)| parent)
}

/// The step that holds a branch.
pub fn parent_step(branch: &str) -> &str {
    branch.rsplit_once('.').map_or("", |(parent, _)| parent)
}

// The walkers return the shortest missing prefix on failure. They assume checked names, and
// walk the name's prefixes in a loop (no recursion per segment).

/// The step at `name` and, on failure, the shortest missing prefix.
fn find_step<'a>(run: &'a RunLog, name: &str) -> Result<&'a StepLog, String> {
    let mut steps = &run.steps;
    let mut ends = name.match_indices('.').map(|(i, _)| i).chain([name.len()]);
    loop {
        // A step prefix, then (if the name goes on) a branch prefix.
        let Some(end) = ends.next() else { return Err(name.to_string()) };
        let step = steps.get(&name[..end]).ok_or_else(|| name[..end].to_string())?;
        if end == name.len() {
            return Ok(step);
        }
        let Some(end) = ends.next() else { return Err(name.to_string()) };
        steps = &step.branches.get(&name[..end]).ok_or_else(|| name[..end].to_string())?.steps;
    }
}

fn find_branch<'a>(run: &'a RunLog, name: &str) -> Result<&'a BranchLog, String> {
    find_step(run, parent_step(name))?.branches.get(name).ok_or_else(|| name.to_string())
}

fn find_step_mut<'a>(run: &'a mut RunLog, name: &str) -> Result<&'a mut StepLog, String> {
    let mut steps = &mut run.steps;
    let mut ends = name.match_indices('.').map(|(i, _)| i).chain([name.len()]);
    loop {
        let Some(end) = ends.next() else { return Err(name.to_string()) };
        let step = steps.get_mut(&name[..end]).ok_or_else(|| name[..end].to_string())?;
        if end == name.len() {
            return Ok(step);
        }
        let Some(end) = ends.next() else { return Err(name.to_string()) };
        steps = &mut step.branches.get_mut(&name[..end]).ok_or_else(|| name[..end].to_string())?.steps;
    }
}

fn find_branch_mut<'a>(run: &'a mut RunLog, name: &str) -> Result<&'a mut BranchLog, String> {
    find_step_mut(run, parent_step(name))?.branches.get_mut(name).ok_or_else(|| name.to_string())
}

fn step_missing(name: &str, missing: String) -> Error {
    Error::StepLogNotFound { run_id: String::new(), name: name.into(), missing }
}

fn branch_missing(name: &str, missing: String) -> Error {
    Error::BranchLogNotFound { run_id: String::new(), name: name.into(), missing }
}

/// The step log at `name`, anywhere in the tree.
pub fn step<'a>(run: &'a RunLog, name: &str) -> Result<&'a StepLog> {
    check(name, Kind::Step)?;
    find_step(run, name).map_err(|m| step_missing(name, m).with_run_id(&run.run_id))
}

/// The step log at `name`, mutable.
pub fn step_mut<'a>(run: &'a mut RunLog, name: &str) -> Result<&'a mut StepLog> {
    check(name, Kind::Step)?;
    let id = run.run_id.clone();
    find_step_mut(run, name).map_err(|m| step_missing(name, m).with_run_id(&id))
}

/// The branch log at `name`, anywhere in the tree.
pub fn branch<'a>(run: &'a RunLog, name: &str) -> Result<&'a BranchLog> {
    check(name, Kind::Branch)?;
    find_branch(run, name).map_err(|m| branch_missing(name, m).with_run_id(&run.run_id))
}

/// The steps map a step named `name` belongs in (the run's, or its parent branch's).
pub fn steps_for_mut<'a>(run: &'a mut RunLog, name: &str) -> Result<&'a mut Map<StepLog>> {
    check(name, Kind::Step)?;
    let id = run.run_id.clone();
    match parent_branch(name) {
        None => Ok(&mut run.steps),
        Some(b) => {
            find_branch_mut(run, b).map(|branch| &mut branch.steps).map_err(|m| branch_missing(b, m).with_run_id(&id))
        }
    }
}

/// Places `step` by its internal name: inserted, or replaced in place (magnus's `add_step_log`).
/// The parent branch must exist. Unlike magnus, branches already stored under the step that the
/// given step does not mention are kept (a stale step object must not wipe branches that parallel
/// writers added; the chunked layout behaves the same, as branches are separate objects there).
pub fn add_step(run: &mut RunLog, mut step: StepLog) -> Result<()> {
    let steps = steps_for_mut(run, &step.internal_name)?;
    if let Some(old) = steps.get_mut(&step.internal_name) {
        let mut branches = std::mem::take(&mut old.branches);
        for (k, b) in std::mem::take(&mut step.branches) {
            branches.insert(k, b);
        }
        step.branches = branches;
    }
    steps.insert(step.internal_name.clone(), step);
    Ok(())
}

/// Places `branch` under its parent step (`add_branch_log`): inserted, or replaced in place,
/// keeping stored steps the given branch does not mention (as [`add_step`] keeps branches).
pub fn add_branch(run: &mut RunLog, mut branch: BranchLog) -> Result<()> {
    check(&branch.internal_name, Kind::Branch)?;
    let parent = parent_step(&branch.internal_name);
    let id = run.run_id.clone();
    let step = find_step_mut(run, parent).map_err(|m| step_missing(parent, m).with_run_id(&id))?;
    if let Some(old) = step.branches.get_mut(&branch.internal_name) {
        let mut steps = std::mem::take(&mut old.steps);
        for (k, s) in std::mem::take(&mut branch.steps) {
            steps.insert(k, s);
        }
        branch.steps = steps;
    }
    step.branches.insert(branch.internal_name.clone(), branch);
    Ok(())
}

/// Every step of the run, depth first in document order (iterative: any depth).
pub fn all_steps(run: &RunLog) -> Vec<&StepLog> {
    let mut out = Vec::new();
    let mut stack = vec![run.steps.values()];
    while let Some(top) = stack.last_mut() {
        let Some(s) = top.next() else {
            stack.pop();
            continue;
        };
        out.push(s);
        let before = stack.len();
        stack.extend(s.branches.values().map(|b| b.steps.values()));
        stack[before..].reverse();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn deep() -> RunLog {
        // outer (parallel) → outer.left (branch) → outer.left.inner (map) → outer.left.inner.beta → .process
        let mut run = RunLog::new("r");
        add_step(&mut run, StepLog::new("outer", "outer")).unwrap();
        add_branch(&mut run, BranchLog::new("outer.left")).unwrap();
        add_step(&mut run, StepLog::new("inner", "outer.left.inner")).unwrap();
        add_branch(&mut run, BranchLog::new("outer.left.inner.beta")).unwrap();
        add_step(&mut run, StepLog::new("process", "outer.left.inner.beta.process")).unwrap();
        run
    }

    #[test]
    fn finds_nested_steps_and_branches() {
        let run = deep();
        assert_eq!(step(&run, "outer.left.inner.beta.process").unwrap().name, "process");
        assert_eq!(branch(&run, "outer.left.inner.beta").unwrap().internal_name, "outer.left.inner.beta");
        assert_eq!(all_steps(&run).len(), 3);
    }

    #[test]
    fn misses_name_the_shortest_missing_prefix() {
        let run = deep();
        match step(&run, "outer.nope.x") {
            Err(Error::StepLogNotFound { run_id, name, missing }) => {
                assert_eq!((run_id.as_str(), name.as_str(), missing.as_str()), ("r", "outer.nope.x", "outer.nope"));
            }
            other => panic!("{other:?}"),
        }
        match branch(&run, "outer.left.inner.gamma") {
            Err(Error::BranchLogNotFound { missing, .. }) => {
                assert_eq!(missing, "outer.left.inner.gamma")
            }
            other => panic!("{other:?}"),
        }
        let mut run = run;
        match add_step(&mut run, StepLog::new("x", "ghost.b.x")) {
            Err(Error::BranchLogNotFound { name, missing, .. }) => {
                assert_eq!((name.as_str(), missing.as_str()), ("ghost.b", "ghost"))
            }
            other => panic!("{other:?}"),
        }
        match add_branch(&mut run, BranchLog::new("outer.left.ghost.b")) {
            Err(Error::StepLogNotFound { name, missing, .. }) => {
                assert_eq!((name.as_str(), missing.as_str()), ("outer.left.ghost", "outer.left.ghost"))
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn wrong_shapes_are_rejected_not_half_resolved() {
        let run = deep();
        // magnus returns (step outer, branch outer.left) here; we say it is a branch name.
        assert!(matches!(step(&run, "outer.left"), Err(Error::InvalidArgument { .. })));
        assert!(matches!(branch(&run, "outer"), Err(Error::InvalidArgument { .. })));
        assert!(matches!(branch(&run, "outer.left.inner"), Err(Error::InvalidArgument { .. })));
        for bad in ["", ".a", "a.", "a..b.c", "a\nb"] {
            assert!(matches!(step(&run, bad), Err(Error::InvalidArgument { .. })), "{bad:?}");
        }
        // depth and length are bounded (a 13,000-segment name once recursed per segment)
        let deep = vec!["s"; 13_001].join(".");
        assert!(matches!(step(&run, &deep), Err(Error::InvalidArgument { .. })));
        let ok_depth = vec!["s"; MAX_SEGMENTS - 1].join(".");
        assert!(matches!(step(&run, &ok_depth), Err(Error::StepLogNotFound { .. })));
        assert!(matches!(
            check(&vec!["s"; MAX_SEGMENTS + 1].join("."), Kind::Step),
            Err(Error::InvalidArgument { .. })
        ));
        assert!(matches!(check(&"x".repeat(MAX_LEN + 1), Kind::Step), Err(Error::InvalidArgument { .. })));
    }

    #[test]
    fn add_replaces_in_place_keeping_order() {
        let mut run = deep();
        add_step(&mut run, StepLog::new("second", "second")).unwrap();
        let mut again = StepLog::new("outer", "outer");
        again.status = "SUCCESS".into();
        add_step(&mut run, again).unwrap();
        let keys: Vec<_> = run.steps.keys().cloned().collect();
        assert_eq!(keys, ["outer", "second"]);
        assert_eq!(run.steps["outer"].status, "SUCCESS");
        assert_eq!(run.steps["outer"].branches.len(), 1, "a step written without its branches keeps them");
        let mut left = BranchLog::new("outer.left");
        left.status = "SUCCESS".into();
        add_branch(&mut run, left).unwrap();
        let b = &run.steps["outer"].branches["outer.left"];
        assert_eq!((b.status.as_str(), b.steps.len()), ("SUCCESS", 1), "a branch written without its steps keeps them");
    }
}

//! The tasks JS drives: each async store call is a boxed future in a slot, advanced only by
//! `poll`. There is no waker to speak of: JS polls a task after every outcome it delivers for it,
//! which is exactly when it can make progress.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use wasm_bindgen::prelude::*;

use crate::pyjson::Writer;

/// A task's future: it ends with the call's outcome as JSON (`{"ok": ...}` / `{"error": ...}`).
pub(super) type Task = Pin<Box<dyn Future<Output = String>>>;

/// Where a task reports `(done, total)`.
pub(super) type Progress = Rc<Cell<Option<(u64, u64)>>>;

thread_local! {
    static TASKS: RefCell<Vec<Option<Task>>> = const { RefCell::new(Vec::new()) };
    /// Progress a task reported since its last poll (`reindex`), by task id.
    static PROGRESS: RefCell<Vec<(u32, Progress)>> = const { RefCell::new(Vec::new()) };
}

/// Where task `id` reports progress: `poll` hands the latest report to JS once.
pub(super) fn watch(id: u32, progress: Progress) {
    PROGRESS.with(|p| p.borrow_mut().push((id, progress)));
}

/// The progress task `id` reported since it was last asked (and forgets it once the task ends).
fn progress_of(id: u32, ended: bool) -> Option<(u64, u64)> {
    PROGRESS.with(|p| {
        let mut p = p.borrow_mut();
        let i = p.iter().position(|(t, _)| *t == id)?;
        let report = p[i].1.take();
        if ended {
            p.remove(i);
        }
        report
    })
}

/// Stores `task` in a free slot; its id for `poll`.
pub(super) fn spawn(task: Task) -> u32 {
    TASKS.with(|t| {
        let mut t = t.borrow_mut();
        match t.iter().position(Option::is_none) {
            Some(i) => {
                t[i] = Some(task);
                i as u32
            }
            None => {
                t.push(Some(task));
                (t.len() - 1) as u32
            }
        }
    })
}

/// Advances task `id`: its outcome (`{"ok": ...}` / `{"error": ...}`) when it is done, else
/// `{"io": [...]}` with the IO it started since the last poll (possibly none).
#[wasm_bindgen]
pub fn poll(id: u32) -> String {
    // Taken out while it runs, so nothing can poll it re-entrantly.
    let Some(mut task) = TASKS.with(|t| t.borrow_mut().get_mut(id as usize).and_then(Option::take)) else {
        return r#"{"error":{"name":"InternalError","message":"no such task"}}"#.into();
    };
    let mut cx = Context::from_waker(Waker::noop());
    match task.as_mut().poll(&mut cx) {
        Poll::Ready(outcome) => match progress_of(id, true) {
            // The last report, made on the way to the end, goes out with the outcome.
            Some((done, total)) if outcome.starts_with('{') => {
                format!("{{\"progress\":[{done},{total}],{}", &outcome[1..])
            }
            _ => outcome,
        },
        Poll::Pending => {
            TASKS.with(|t| t.borrow_mut()[id as usize] = Some(task));
            let mut w = Writer::new(false);
            w.begin_object();
            w.key("io");
            super::host::write_issued(&mut w);
            if let Some((done, total)) = progress_of(id, false) {
                w.key("progress");
                w.begin_array();
                w.item();
                w.int(done as i64);
                w.item();
                w.int(total as i64);
                w.end_array();
            }
            w.end_object();
            String::from_utf8(w.into_bytes()).unwrap_or_default()
        }
    }
}

/// Drops task `id` (its caller gave up); its pending IO is forgotten.
#[wasm_bindgen]
pub fn cancel(id: u32) {
    progress_of(id, true);
    let task = TASKS.with(|t| t.borrow_mut().get_mut(id as usize).and_then(Option::take));
    drop(task);
}

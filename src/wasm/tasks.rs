//! The tasks JS drives: each async store call is a boxed future in a slot, advanced only by
//! `poll`. There is no waker to speak of: JS polls a task after every outcome it delivers for it,
//! which is exactly when it can make progress.

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use wasm_bindgen::prelude::*;

use crate::pyjson::Writer;

/// A task's future: it ends with the call's outcome as JSON (`{"ok": ...}` / `{"error": ...}`).
pub(super) type Task = Pin<Box<dyn Future<Output = String>>>;

thread_local! {
    static TASKS: RefCell<Vec<Option<Task>>> = const { RefCell::new(Vec::new()) };
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
        Poll::Ready(outcome) => outcome,
        Poll::Pending => {
            TASKS.with(|t| t.borrow_mut()[id as usize] = Some(task));
            let mut w = Writer::new(false);
            w.begin_object();
            w.key("io");
            super::host::write_issued(&mut w);
            w.end_object();
            String::from_utf8(w.into_bytes()).unwrap_or_default()
        }
    }
}

/// Drops task `id` (its caller gave up); its pending IO is forgotten.
#[wasm_bindgen]
pub fn cancel(id: u32) {
    let task = TASKS.with(|t| t.borrow_mut().get_mut(id as usize).and_then(Option::take));
    drop(task);
}

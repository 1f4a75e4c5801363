//! Parallel writers on one run (magnus's whole-document store loses updates). N writers at once
//! each add their own branch, a step in it, a parameter and a run_config key, and flip the run
//! status, in both layouts. With conditional writes nothing is lost and nothing is duplicated; the
//! same workload in magnus's last-writer-wins mode loses updates, which shows the test can fail.
//! N is MAGNUS_STRESS_WRITERS (default 64).
#![cfg(not(target_arch = "wasm32"))] // native: tokio; the JS suite runs the same scenario in Node

mod common;

use futures_util::future::join_all;
use magnus_s3::model::status;
use magnus_s3::{NewRunLog, RunLog, S3RunLogStore};
use serde_json::json;

fn writers() -> usize {
    std::env::var("MAGNUS_STRESS_WRITERS").ok().and_then(|v| v.parse().ok()).unwrap_or(64)
}

/// Runs the workload; returns (updates lost, the final run log).
async fn run_workload(store: &S3RunLogStore, n: usize) -> (usize, RunLog) {
    let id = "stress";
    store
        .create_run_log(id, NewRunLog { status: Some(status::PROCESSING.into()), ..Default::default() })
        .await
        .unwrap();
    let mut fan = store.create_step_log("fan", "fan").unwrap();
    fan.step_type = "map".into();
    store.add_step_log(&fan, id).await.unwrap();

    let results = join_all((0..n).map(|i| async move {
        let branch = format!("fan.b{i:02}");
        let mut b = store.create_branch_log(&branch).unwrap();
        b.status = status::PROCESSING.into();
        store.add_branch_log(&b, id).await?;
        let mut step = store.create_step_log("task", &format!("{branch}.task")).unwrap();
        step.status = status::SUCCESS.into();
        let mut attempt = store.create_attempt_log();
        attempt.attempt_number = 1;
        attempt.status = status::SUCCESS.into();
        step.attempts.push(attempt);
        store.add_step_log(&step, id).await?;
        store.set_parameters(id, common::value!({ format!("p{i:02}"): i }).as_object().unwrap()).await?;
        store.set_run_config(id, common::value!({ format!("w{i:02}"): i }).as_object().unwrap()).await?;
        store.update_run_log_status(id, &format!("W{i:02}")).await
    }))
    .await;
    for r in &results {
        if let Err(e) = r {
            // A branch that vanished (overwritten) makes the next add fail: that is a lost update too.
            assert!(matches!(e, magnus_s3::Error::BranchLogNotFound { .. }), "unexpected error: {e}");
        }
    }

    let log = store.get_run_log_by_id(id, true).await.unwrap();
    let fan = &log.steps["fan"];
    let mut lost = 0;
    for i in 0..n {
        let branch = format!("fan.b{i:02}");
        match fan.branches.get(&branch) {
            None => lost += 2, // the branch and its step
            Some(b) => {
                if b.steps.get(&format!("{branch}.task")).map(|s| s.status.as_str()) != Some(status::SUCCESS) {
                    lost += 1;
                }
            }
        }
        if log.parameters.get(&format!("p{i:02}")) != Some(&common::value!(i)) {
            lost += 1;
        }
        if log.run_config.get(&format!("w{i:02}")) != Some(&common::value!(i)) {
            lost += 1;
        }
    }
    (lost, log)
}

fn store(test: &str, layout: &str, conditional: bool) -> S3RunLogStore {
    let config = common::config(
        &common::unique_prefix(test),
        json!({ "layout": layout, "unsafe_last_writer_wins": !conditional }),
    );
    S3RunLogStore::new(config, &common::env()).unwrap()
}

async fn nothing_lost(layout: &str) {
    let n = writers();
    let store = store("stress-safe", layout, true);
    let (lost, log) = run_workload(&store, n).await;
    assert_eq!(lost, 0, "{layout}: {lost} updates lost");
    let fan = &log.steps["fan"];
    assert_eq!(fan.branches.len(), n);
    assert!(fan.branches.values().all(|b| b.steps.len() == 1 && b.status == status::PROCESSING));
    assert_eq!((log.parameters.len(), log.run_config.len()), (n, n));
    // One writer's status landed last; the run's initial status cannot have survived them all.
    let written: Vec<String> = (0..n).map(|i| format!("W{i:02}")).collect();
    assert!(written.contains(&log.status), "final status {} was written by no writer", log.status);
    // field by field: every branch holds exactly its own step, attempt recorded
    for (name, b) in &fan.branches {
        let step = &b.steps[&format!("{name}.task")];
        assert_eq!((step.name.as_str(), step.attempts.len(), step.attempts[0].attempt_number), ("task", 1, 1));
    }
    eprintln!("{layout}, {n} writers: 0 of {} updates lost", 4 * n);
}

async fn naive_loses(layout: &str) {
    let n = writers();
    let (lost, _) = run_workload(&store("stress-naive", layout, false), n).await;
    assert!(lost > 0, "{layout}: the naive mode lost nothing, so the stress test could not fail");
    eprintln!("{layout}, {n} writers, magnus's last-writer-wins: {lost} of {} updates lost", 4 * n);
}

#[tokio::test]
async fn single_layout_loses_nothing_under_parallel_writers() {
    nothing_lost("single").await;
}

#[tokio::test]
async fn chunked_layout_loses_nothing_under_parallel_writers() {
    nothing_lost("chunked").await;
}

#[tokio::test]
async fn single_layout_last_writer_wins_demonstrably_loses() {
    naive_loses("single").await;
}

#[tokio::test]
async fn chunked_layout_last_writer_wins_demonstrably_loses() {
    naive_loses("chunked").await;
}

/// No step or branch object exists twice, even when many writers create the same step at once.
#[tokio::test]
async fn chunked_layout_never_keeps_duplicates() {
    let n = writers().min(16);
    let store = store("dupes", "chunked", true);
    store.create_run_log("d", NewRunLog::default()).await.unwrap();
    let results = join_all((0..n).map(|i| {
        let store = &store;
        async move {
            let mut s = store.create_step_log("same", "same").unwrap();
            s.message = format!("writer {i}");
            // separate stores: no shared cache of object names, as separate processes
            let other = S3RunLogStore::new(store.config().clone(), &common::env()).unwrap();
            other.add_step_log(&s, "d").await
        }
    }))
    .await;
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    let log = store.get_run_log_by_id("d", true).await.unwrap();
    assert_eq!(log.steps.len(), 1);
    let dir = format!("{}/d/", store.config().prefix);
    let listed = list_keys(&store, &dir).await;
    let step_objects = listed.iter().filter(|k| k.contains("/StepLog-same-")).count();
    assert_eq!(step_objects, 1, "{listed:?}");
}

async fn list_keys(store: &S3RunLogStore, prefix: &str) -> Vec<String> {
    // The public listing groups by run; count raw objects with a signed ListObjectsV2 instead.
    let ep = store.config().endpoint(&common::env()).unwrap();
    let req = magnus_s3::s3::list_objects_v2(&ep, prefix, None, None, None, 1000);
    let (status, body) = common::signed("GET", &req.url, b"").await;
    assert_eq!(status, 200);
    magnus_s3::s3::parse_list(&body).unwrap().objects.into_iter().map(|o| o.key).collect()
}

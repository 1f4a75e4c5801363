//! The chunked layout against the real S3 server: the whole API, magnus's own chunked-s3 objects
//! read back assembled, exact name matching where magnus's glob collides, and a full document
//! written as chunks and read back equal.
#![cfg(not(target_arch = "wasm32"))] // native: tokio, files

mod common;

use magnus_s3::layout::chunked;
use magnus_s3::model::status;
use magnus_s3::{Error, ListOptions, NewRunLog, RunLog, S3RunLogStore};
use serde_json::json;

fn chunked_store(test: &str) -> S3RunLogStore {
    S3RunLogStore::new(common::config(&common::unique_prefix(test), json!({"layout": "chunked"})), &common::env())
        .unwrap()
}

async fn put_raw(key: &str, body: &[u8]) {
    assert_eq!(common::signed("PUT", &common::key_url(key), body).await.0, 200);
}

#[tokio::test]
async fn whole_api_in_the_chunked_layout() {
    let store = chunked_store("chunked-api");
    let id = "run 1";
    store
        .create_run_log(id, NewRunLog { status: Some(status::PROCESSING.into()), ..Default::default() })
        .await
        .unwrap();
    assert!(matches!(store.create_run_log(id, NewRunLog::default()).await, Err(Error::RunLogExists { .. })));
    store.create_run_log("same", NewRunLog::default()).await.unwrap();
    assert!(matches!(store.create_run_log("same", NewRunLog::default()).await, Err(Error::RunLogExists { .. })));
    store.set_parameters(id, common::value!({"x": 1, "y": [1.5]}).as_object().unwrap()).await.unwrap();
    store.set_parameters(id, common::value!({"x": 2}).as_object().unwrap()).await.unwrap();
    assert_eq!(store.get_parameters(id).await.unwrap(), *common::value!({"x": 2, "y": [1.5]}).as_object().unwrap());
    store.set_run_config(id, common::value!({"executor": "local"}).as_object().unwrap()).await.unwrap();

    let mut fan = store.create_step_log("fan", "fan").unwrap();
    fan.step_type = "parallel".into();
    store.add_step_log(&fan, id).await.unwrap();
    store.add_branch_log(&store.create_branch_log("fan.a").unwrap(), id).await.unwrap();
    let mut task = store.create_step_log("task", "fan.a.task").unwrap();
    task.status = status::PROCESSING.into();
    store.add_step_log(&task, id).await.unwrap();
    task.status = status::SUCCESS.into();
    task.attempts.push(store.create_attempt_log());
    store.add_step_log(&task, id).await.unwrap(); // an update: same object
                                                  // a step whose name is a prefix-with-dash of another: magnus's glob would collide
    store.add_step_log(&store.create_step_log("a-b", "a-b").unwrap(), id).await.unwrap();
    store.add_step_log(&store.create_step_log("a", "a").unwrap(), id).await.unwrap();
    store.update_run_log_status(id, status::SUCCESS).await.unwrap();

    assert_eq!(store.get_step_log("fan.a.task", id).await.unwrap(), task);
    assert_eq!(store.get_branch_log("fan.a", id).await.unwrap().internal_name, "fan.a");
    assert!(matches!(store.get_step_log("nope", id).await, Err(Error::StepLogNotFound { .. })));
    assert!(matches!(store.get_step_log("x", "no-run").await, Err(Error::RunLogNotFound { .. })));
    assert!(matches!(store.set_parameters("no-run", &Default::default()).await, Err(Error::RunLogNotFound { .. })));

    let header = store.get_run_log_by_id(id, false).await.unwrap();
    assert!(header.steps.is_empty() && header.parameters.is_empty());
    assert_eq!(header.status, status::SUCCESS);
    let log = store.get_run_log_by_id(id, true).await.unwrap();
    assert_eq!(log.steps.keys().collect::<Vec<_>>(), ["fan", "a-b", "a"]);
    assert_eq!(log.steps["fan"].branches["fan.a"].steps["fan.a.task"], task);
    assert_eq!(log.run_config["executor"], "local");
    assert_eq!(log.parameters["x"], 2);

    let runs = store.list_run_logs(&ListOptions::default()).await.unwrap();
    let listed: Vec<_> = runs.iter().map(|r| (r.run_id.as_str(), r.layout)).collect();
    assert_eq!(listed, [(id, magnus_s3::Layout::Chunked), ("same", magnus_s3::Layout::Chunked)]);
    assert!(matches!(store.presign_get_run_log(id, Some(60)).await, Err(Error::InvalidArgument { .. })));
}

#[tokio::test]
async fn a_whole_document_written_as_chunks_reads_back_equal() {
    let store = chunked_store("chunked-put");
    for f in ["deep-nesting.json", "linear-success.json", "unicode-params.json", "map-int-items.json"] {
        let bytes = std::fs::read(common::shared().join("fixtures/magnus-0.5.1").join(f)).unwrap();
        let log = RunLog::from_json_bytes(&bytes).unwrap();
        store.put_run_log(&log).await.unwrap();
        let back = store.get_run_log_by_id(&log.run_id, true).await.unwrap();
        // parameters come back in key order (one object each, listed in key order), like magnus
        let mut want = log.clone();
        want.parameters.sort_keys();
        assert_eq!(back, want, "{f}");
        store.put_run_log(&log).await.unwrap(); // again: reuses the objects, no duplicates
        assert_eq!(store.get_run_log_by_id(&log.run_id, true).await.unwrap(), want, "{f} rewritten");
    }
}

#[tokio::test]
async fn magnus_chunked_s3_objects_are_read_and_assembled() {
    let prefix = common::unique_prefix("chunked-magnus");
    let dir = common::shared().join("fixtures/magnus-0.4.22-s3/chunked-s3/objects/chunked/chunked-s3-parallel");
    let mut n = 0;
    for e in std::fs::read_dir(&dir).unwrap() {
        let p = e.unwrap().path();
        let key = format!("{prefix}/chunked-s3-parallel/{}", p.file_name().unwrap().to_string_lossy());
        put_raw(&key, &std::fs::read(&p).unwrap()).await;
        n += 1;
    }
    assert_eq!(n, 16);
    let store = S3RunLogStore::new(common::config(&prefix, json!({"layout": "chunked"})), &common::env()).unwrap();
    let log = store.get_run_log_by_id("chunked-s3-parallel", true).await.unwrap();
    assert_eq!(log.steps.keys().collect::<Vec<_>>(), ["prepare", "fan", "after", "success"]);
    assert_eq!(log.steps["fan"].branches["fan.branch_b"].steps.len(), 3);
    assert_eq!(log.parameters.keys().collect::<Vec<_>>(), ["from_branch_a", "from_branch_b", "greeting", "x"]);
    // and we can keep writing it with magnus's names
    let mut step = store.get_step_log("after", "chunked-s3-parallel").await.unwrap();
    step.message = "touched".into();
    store.add_step_log(&step, "chunked-s3-parallel").await.unwrap();
    let again = store.get_run_log_by_id("chunked-s3-parallel", true).await.unwrap();
    assert_eq!(again.steps["after"].message, "touched");
    assert_eq!(again.steps.len(), 4, "the update reused magnus's object");
    let _ = chunked::RUN_LOG;
}

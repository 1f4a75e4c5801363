//! Our store writing a run of N steps in magnus's executor order (the same sequence as
//! bench/magnus_store.py): create, parameters, run_config; per step: PROCESSING, parameters,
//! SUCCESS; final status. Counts requests and bytes; prints a JSON line. Run by bench/executor.sh.
//!
//!   cargo run --release --example bench_executor -- N LAYOUT

#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    use magnus_s3::host::counting::Counting;
    use magnus_s3::host::native::NativeHost;
    use magnus_s3::{Config, Env, NewRunLog, S3RunLogStore};
    /// `serde_json::json!` as magnus_s3's own value type.
    macro_rules! json {
        ($($t:tt)+) => {
            <magnus_s3::Value as serde::Deserialize>::deserialize(serde_json::json!($($t)+)).unwrap()
        };
    }

    let args: Vec<String> = std::env::args().skip(1).collect();
    let n: usize = args.first().and_then(|a| a.parse().ok()).unwrap_or(100);
    let layout = args.get(1).cloned().unwrap_or("single".into());
    let env: Env = std::env::vars().collect();
    let prefix = format!("bench/executor-{layout}-{}", std::process::id());
    let config = Config::from_value(
        &json!({"s3_bucket": "magnus-runlogs", "prefix": prefix, "region": "us-east-1", "layout": layout}),
    )
    .unwrap();
    let store = S3RunLogStore::with_host(config, &env, Counting::new(NativeHost::new())).unwrap();
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let id = "executor-order";
        let t = std::time::Instant::now();
        store.create_run_log(id, NewRunLog { dag_hash: Some("0".repeat(40)), tag: Some("bench".into()), status: Some("PROCESSING".into()), ..Default::default() }).await.unwrap();
        store.set_parameters(id, json!({"x": 0, "greeting": "hello"}).as_object().unwrap()).await.unwrap();
        store.set_run_config(id, json!({"executor": {"type": "local"}}).as_object().unwrap()).await.unwrap();
        for i in 0..n {
            let mut step = store.create_step_log(&format!("step {i}"), &format!("step {i}")).unwrap();
            step.status = "PROCESSING".into();
            let mut code = store.create_code_identity();
            code.code_identifier = Some("edc24f933ebc1e00b9e8f86c3955c1259c196946".into());
            step.code_identities.push(code);
            store.add_step_log(&step, id).await.unwrap();
            store.set_parameters(id, json!({"x": i + 1}).as_object().unwrap()).await.unwrap();
            let mut attempt = store.create_attempt_log();
            attempt.attempt_number = 1;
            attempt.status = "SUCCESS".into();
            step.attempts.push(attempt);
            step.status = "SUCCESS".into();
            store.add_step_log(&step, id).await.unwrap();
        }
        store.update_run_log_status(id, "SUCCESS").await.unwrap();
        let secs = t.elapsed().as_secs_f64();
        let log = store.get_run_log_by_id(id, true).await.unwrap();
        assert!(log.steps.len() == n && log.status == "SUCCESS");
        let c = store.host().counts();
        println!("{}", json!({"store": format!("magnus-s3 (Rust, native), {layout} layout"), "steps": n, "seconds": (secs * 100.0).round() / 100.0,
            "requests": c.requests(), "bytes_uploaded": c.sent}));
    });
}

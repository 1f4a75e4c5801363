//! Requests and bytes uploaded to write a map run of N branches in magnus's executor order,
//! single vs chunked layout (issue: chunked <= 1/100 of the single layout's bytes).
//!
//!   cargo run --release --example bench_layouts -- [branches=1000] [--real]
//!
//! Counts come from a counting wrapper around the transport. By default the store talks to an
//! in-memory S3 (exact S3 semantics for GET/PUT/DELETE/ListObjectsV2 and conditional writes):
//! the single layout re-uploads a multi-megabyte document thousands of times at N = 1000, which
//! measures the network, not the layout. `--real` runs against the local SeaweedFS
//! (`scripts/s3-server.sh start; source .work/s3.env`) and also reports wall time; both give the
//! same counts.

#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    native::main()
}

#[cfg(not(target_arch = "wasm32"))]
mod native {
    use std::time::Instant;

    use magnus_s3::host::counting::Counting;
    use magnus_s3::host::memory::MemoryHost;
    use magnus_s3::host::native::NativeHost;
    use magnus_s3::host::Host;
    use magnus_s3::{Config, Env, NewRunLog, Result, S3RunLogStore};
    /// `serde_json::json!` as magnus_s3's own value type.
    macro_rules! json {
        ($($t:tt)+) => {
            <magnus_s3::Value as serde::Deserialize>::deserialize(serde_json::json!($($t)+)).unwrap()
        };
    }

    /// magnus's executor order for a map step of `n` branches (RUNLOG-FORMAT.md §4).
    async fn write_map_run<H: Host>(store: &S3RunLogStore<H>, n: usize) -> Result<()> {
        let id = "map-run";
        store
            .create_run_log(
                id,
                NewRunLog { status: Some("PROCESSING".into()), dag_hash: Some("0".repeat(40)), ..Default::default() },
            )
            .await?;
        store.set_parameters(id, json!({"chunks": n, "greeting": "hello"}).as_object().unwrap()).await?;
        store
            .set_run_config(
                id,
                json!({"executor": {"type": "local", "config": {}}, "run_log_store": {"type": "s3"}})
                    .as_object()
                    .unwrap(),
            )
            .await?;
        let mut map = store.create_step_log("map_chunks", "map_chunks").unwrap();
        map.step_type = "map".into();
        map.status = "PROCESSING".into();
        store.add_step_log(&map, id).await?;
        for i in 0..n {
            let bname = format!("map_chunks.{i}");
            let mut branch = store.create_branch_log(&bname).unwrap();
            branch.status = "PROCESSING".into();
            store.add_branch_log(&branch, id).await?;
            for (name, ty) in [("process", "task"), ("success", "success")] {
                let mut step = store.create_step_log(name, &format!("{bname}.{name}")).unwrap();
                step.step_type = ty.into();
                step.status = "PROCESSING".into();
                let mut code = store.create_code_identity();
                code.code_identifier = Some("edc24f933ebc1e00b9e8f86c3955c1259c196946".into());
                code.code_identifier_type = Some("git".into());
                step.code_identities.push(code);
                store.add_step_log(&step, id).await?;
                if ty == "task" {
                    store.set_parameters(id, json!({ format!("processed_{i}"): i }).as_object().unwrap()).await?;
                }
                let mut attempt = store.create_attempt_log();
                attempt.attempt_number = 1;
                attempt.start_time = "2026-11-25 13:17:27.051145".into();
                attempt.end_time = "2026-11-25 13:17:27.056195".into();
                attempt.duration = "0:00:00.005050".into();
                attempt.status = "SUCCESS".into();
                attempt.parameters = json!({"chunk": i, "greeting": "hello"}).as_object().unwrap().clone();
                step.attempts.push(attempt);
                let mut catalog = store.create_data_catalog(&format!("{name}.execution.log_{i}"));
                catalog.stage = "put".into();
                catalog.data_hash = "0bf3afaebb682066b74a00b1e93a62c460d6bae541d34976f926775caf6ed0d6".into();
                step.data_catalog.push(catalog);
                step.status = "SUCCESS".into();
                store.add_step_log(&step, id).await?;
            }
            branch.status = "SUCCESS".into();
            store.add_branch_log(&branch, id).await?;
        }
        map.status = "SUCCESS".into();
        store.add_step_log(&map, id).await?;
        store.update_run_log_status(id, "SUCCESS").await?;
        let log = store.get_run_log_by_id(id, true).await?;
        assert_eq!(log.steps["map_chunks"].branches.len(), n, "the run must be complete");
        Ok(())
    }

    async fn measure<H: Host>(label: &str, layout: &str, n: usize, env: &Env, host: H) -> (u64, u64) {
        let prefix = format!("bench/{label}-{layout}-{}", std::process::id());
        let config = Config::from_value(
            &json!({"s3_bucket": env.get("MAGNUS_TEST_S3_BUCKET").cloned().unwrap_or("bench".into()),
            "prefix": prefix, "layout": layout, "region": "us-east-1",
            "endpoint_url": env.get("MAGNUS_TEST_S3_ENDPOINT").cloned().unwrap_or("http://memory".into())}),
        )
        .unwrap();
        let store = S3RunLogStore::with_host(config, env, Counting::new(host)).unwrap();
        let t = Instant::now();
        write_map_run(&store, n).await.unwrap();
        let secs = t.elapsed().as_secs_f64();
        let c = store.host().counts();
        let (reqs, up) = (c.requests(), c.sent);
        let mut by_method: Vec<String> = c.by_method.iter().map(|(m, k)| format!("{m} {k}")).collect();
        by_method.sort();
        println!("| {label} | {layout} | {n} | {reqs} ({}) | {up} | {secs:.1} s |", by_method.join(", "));
        (reqs, up)
    }

    pub fn main() {
        let args: Vec<String> = std::env::args().skip(1).collect();
        let n: usize = args.iter().find_map(|a| a.parse().ok()).unwrap_or(1000);
        let real = args.iter().any(|a| a == "--real");
        let mut env: Env = std::env::vars().collect();
        if !env.contains_key("AWS_ACCESS_KEY_ID") {
            env.insert("AWS_ACCESS_KEY_ID".into(), std::env::var("MAGNUS_TEST_S3_KEY").unwrap_or("AKIDBENCH".into()));
        }
        if !env.contains_key("AWS_SECRET_ACCESS_KEY") {
            env.insert(
                "AWS_SECRET_ACCESS_KEY".into(),
                std::env::var("MAGNUS_TEST_S3_SECRET").unwrap_or("bench".into()),
            );
        }
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async {
            println!("| server | layout | branches | requests | bytes uploaded | wall time |\n|---|---|---|---|---|---|");
            let (label, single, chunked) = if real {
                ("SeaweedFS", measure("SeaweedFS", "single", n, &env, NativeHost::new()).await, measure("SeaweedFS", "chunked", n, &env, NativeHost::new()).await)
            } else {
                env.remove("MAGNUS_TEST_S3_ENDPOINT");
                ("memory", measure("memory", "single", n, &env, MemoryHost::new()).await, measure("memory", "chunked", n, &env, MemoryHost::new()).await)
            };
            println!(
                "\n{label}, {n} branches: chunked uploads 1/{:.0} of the single layout's bytes, with {:.2}x its requests",
                single.1 as f64 / chunked.1 as f64,
                chunked.0 as f64 / single.0 as f64
            );
        });
    }
}

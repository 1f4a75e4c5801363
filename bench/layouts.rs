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
    use std::cell::RefCell;
    use std::collections::BTreeMap;
    use std::time::Instant;

    use magnus_s3::transport::{HttpRequest, HttpResponse};
    use magnus_s3::transport::{HttpTransport, Transport};
    use magnus_s3::{Config, Env, NewRunLog, Result, S3RunLogStore};
    /// `serde_json::json!` as magnus_s3's own value type.
    macro_rules! json {
        ($($t:tt)+) => {
            <magnus_s3::Value as serde::Deserialize>::deserialize(serde_json::json!($($t)+)).unwrap()
        };
    }

    /// Counts what goes through a transport.
    struct Counting<T> {
        inner: T,
        requests: RefCell<BTreeMap<&'static str, u64>>,
        uploaded: RefCell<u64>,
    }

    impl<T: Transport> Transport for Counting<T> {
        async fn send(&self, req: &HttpRequest) -> Result<HttpResponse> {
            *self.requests.borrow_mut().entry(req.method).or_default() += 1;
            *self.uploaded.borrow_mut() += req.body.len() as u64;
            self.inner.send(req).await
        }
    }

    /// An in-memory S3 bucket: objects with ETags, If-Match / If-None-Match, ListObjectsV2.
    #[derive(Default)]
    struct MemoryS3 {
        objects: RefCell<BTreeMap<String, (Vec<u8>, u64)>>,
        next_etag: RefCell<u64>,
    }

    fn decode(s: &str) -> String {
        percent_encoding::percent_decode_str(s).decode_utf8_lossy().into_owned()
    }

    impl Transport for MemoryS3 {
        async fn send(&self, req: &HttpRequest) -> Result<HttpResponse> {
            let (path, query) = req.url.split_once('?').unwrap_or((&req.url, ""));
            // path style: scheme://host/bucket/key
            let key = decode(path.splitn(5, '/').nth(4).unwrap_or(""));
            let header = |n: &str| req.headers.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone());
            let status = |s: u16| Ok(HttpResponse { status: s, headers: vec![], body: vec![] });
            let mut objects = self.objects.borrow_mut();
            match req.method {
                "GET" if query.contains("list-type=2") => {
                    let q: BTreeMap<String, String> = query
                        .split('&')
                        .filter_map(|kv| kv.split_once('='))
                        .map(|(k, v)| (k.into(), decode(v)))
                        .collect();
                    let prefix = q.get("prefix").cloned().unwrap_or_default();
                    let mut xml = String::from("<ListBucketResult><IsTruncated>false</IsTruncated>");
                    let mut common = std::collections::BTreeSet::new();
                    for (k, (body, etag)) in objects.range(prefix.clone()..).take_while(|(k, _)| k.starts_with(&prefix))
                    {
                        if let Some(d) = q.get("delimiter") {
                            if let Some(i) = k[prefix.len()..].find(d.as_str()) {
                                common.insert(k[..prefix.len() + i + 1].to_string());
                                continue;
                            }
                        }
                        xml += &format!(
                            "<Contents><Key>{k}</Key><ETag>\"{etag}\"</ETag><Size>{}</Size></Contents>",
                            body.len()
                        );
                    }
                    for p in common {
                        xml += &format!("<CommonPrefixes><Prefix>{p}</Prefix></CommonPrefixes>");
                    }
                    xml += "</ListBucketResult>";
                    Ok(HttpResponse { status: 200, headers: vec![], body: xml.into_bytes() })
                }
                "GET" => match objects.get(&key) {
                    Some((body, etag)) => Ok(HttpResponse {
                        status: 200,
                        headers: vec![("etag".into(), format!("\"{etag}\""))],
                        body: body.clone(),
                    }),
                    None => Ok(HttpResponse {
                        status: 404,
                        headers: vec![],
                        body: b"<Error><Code>NoSuchKey</Code></Error>".to_vec(),
                    }),
                },
                "PUT" => {
                    let current = objects.get(&key).map(|(_, e)| format!("\"{e}\""));
                    if header("if-none-match").is_some() && current.is_some() {
                        return status(412);
                    }
                    if let Some(want) = header("if-match") {
                        if current.as_deref() != Some(want.as_str()) {
                            return status(412);
                        }
                    }
                    let mut n = self.next_etag.borrow_mut();
                    *n += 1;
                    objects.insert(key, (req.body.clone(), *n));
                    status(200)
                }
                "DELETE" => {
                    objects.remove(&key);
                    status(204)
                }
                _ => status(405),
            }
        }
    }

    /// magnus's executor order for a map step of `n` branches (RUNLOG-FORMAT.md §4).
    async fn write_map_run<T: Transport>(store: &S3RunLogStore<T>, n: usize) -> Result<()> {
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
        let mut map = store.create_step_log("map_chunks", "map_chunks");
        map.step_type = "map".into();
        map.status = "PROCESSING".into();
        store.add_step_log(&map, id).await?;
        for i in 0..n {
            let bname = format!("map_chunks.{i}");
            let mut branch = store.create_branch_log(&bname);
            branch.status = "PROCESSING".into();
            store.add_branch_log(&branch, id).await?;
            for (name, ty) in [("process", "task"), ("success", "success")] {
                let mut step = store.create_step_log(name, &format!("{bname}.{name}"));
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

    async fn measure<T: Transport>(label: &str, layout: &str, n: usize, env: &Env, transport: T) -> (u64, u64) {
        let prefix = format!("bench/{label}-{layout}-{}", std::process::id());
        let config = Config::from_value(
            &json!({"s3_bucket": env.get("MAGNUS_TEST_S3_BUCKET").cloned().unwrap_or("bench".into()),
            "prefix": prefix, "layout": layout, "region": "us-east-1",
            "endpoint_url": env.get("MAGNUS_TEST_S3_ENDPOINT").cloned().unwrap_or("http://memory".into())}),
        )
        .unwrap();
        let store = S3RunLogStore::with_transport(
            config,
            env,
            Counting { inner: transport, requests: RefCell::default(), uploaded: RefCell::default() },
        )
        .unwrap();
        let t = Instant::now();
        write_map_run(&store, n).await.unwrap();
        let secs = t.elapsed().as_secs_f64();
        let c = store.transport();
        let reqs: u64 = c.requests.borrow().values().sum();
        let up = *c.uploaded.borrow();
        let by_method: Vec<String> = c.requests.borrow().iter().map(|(m, k)| format!("{m} {k}")).collect();
        println!("| {label} | {layout} | {n} | {reqs} ({}) | {up} | {secs:.1} s |", by_method.join(", "));
        (reqs, up)
    }

    pub fn main() {
        let args: Vec<String> = std::env::args().skip(1).collect();
        let n: usize = args.iter().find_map(|a| a.parse().ok()).unwrap_or(1000);
        let real = args.iter().any(|a| a == "--real");
        let mut env: Env = std::env::vars().collect();
        env.entry("AWS_ACCESS_KEY_ID".into())
            .or_insert_with(|| std::env::var("MAGNUS_TEST_S3_KEY").unwrap_or("AKIDBENCH".into()));
        env.entry("AWS_SECRET_ACCESS_KEY".into())
            .or_insert_with(|| std::env::var("MAGNUS_TEST_S3_SECRET").unwrap_or("bench".into()));
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async {
            println!("| server | layout | branches | requests | bytes uploaded | wall time |\n|---|---|---|---|---|---|");
            let (label, single, chunked) = if real {
                ("SeaweedFS", measure("SeaweedFS", "single", n, &env, HttpTransport::new()).await, measure("SeaweedFS", "chunked", n, &env, HttpTransport::new()).await)
            } else {
                env.shift_remove("MAGNUS_TEST_S3_ENDPOINT");
                ("memory", measure("memory", "single", n, &env, MemoryS3::default()).await, measure("memory", "chunked", n, &env, MemoryS3::default()).await)
            };
            println!(
                "\n{label}, {n} branches: chunked uploads 1/{:.0} of the single layout's bytes, with {:.2}x its requests",
                single.1 as f64 / chunked.1 as f64,
                chunked.0 as f64 / single.0 as f64
            );
        });
    }
}

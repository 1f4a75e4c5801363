//! The run index at scale: three questions a dashboard asks, answered from the index and the way
//! without it (list every key, GET run logs), with requests, bytes received and time for each.
//!
//!   cargo run --release --example bench_index -- [runs=100000] [--real]
//!
//! By default the store talks to the in-memory S3 (exact S3 semantics, a fake clock: the runs are
//! created one every 26 s over the 30 days before "now"). `--real` writes the runs to the local
//! SeaweedFS (`scripts/s3-server.sh start; source .work/s3.env`) on the real clock, so every run
//! falls in the last 7 days there. Statuses: 80% SUCCESS, 15% FAIL, 5% PROCESSING; tags: 50%
//! nightly, 30% adhoc, 20% weekly. The run logs are minimal (no steps): real ones are bigger,
//! which only makes the GET-per-run way costlier.

#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    native::main()
}

#[cfg(not(target_arch = "wasm32"))]
mod native {
    use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

    use magnus_s3::host::counting::Counting;
    use magnus_s3::host::memory::MemoryHost;
    use magnus_s3::host::native::NativeHost;
    use magnus_s3::host::Host;
    use magnus_s3::{Config, Env, ListOptions, NewRunLog, RunQuery, S3RunLogStore};

    const DAY_MS: u64 = 86_400_000;

    fn plan(i: usize) -> (&'static str, &'static str) {
        let status = match i % 20 {
            0..=15 => "SUCCESS",
            16..=18 => "FAIL",
            _ => "PROCESSING",
        };
        let tag = match i % 10 {
            0..=4 => "nightly",
            5..=7 => "adhoc",
            _ => "weekly",
        };
        (status, tag)
    }

    /// Run ids not in time order.
    fn id_of(i: usize, n: usize) -> String {
        format!("run-{:06}-{}", (i * 7919) % n, i)
    }

    /// What one way of answering cost.
    struct Cost {
        requests: u64,
        received: u64,
        secs: f64,
    }

    async fn measure<H: Host, T>(
        store: &S3RunLogStore<Counting<H>>,
        f: impl std::future::Future<Output = T>,
    ) -> (T, Cost) {
        store.host().reset();
        let t = Instant::now();
        let out = f.await;
        let c = store.host().counts();
        (out, Cost { requests: c.requests(), received: c.received, secs: t.elapsed().as_secs_f64() })
    }

    /// Every run by key listing, with each object's last modification (ms).
    async fn all_keys<H: Host>(store: &S3RunLogStore<H>) -> Vec<(String, u64)> {
        let mut out = Vec::new();
        let mut after = None;
        loop {
            let page =
                store.list_run_logs(&ListOptions { limit: Some(1000), start_after: after.clone() }).await.unwrap();
            let Some(last) = page.last() else { break };
            after = Some(last.run_id.clone());
            let n = page.len();
            for r in page {
                let ms = r.last_modified.as_deref().and_then(magnus_s3::index::parse_time).unwrap_or(0);
                out.push((r.run_id, ms));
            }
            if n < 1000 {
                break;
            }
        }
        out
    }

    async fn run<H: Host>(label: &str, n: usize, env: &Env, host: H, fake_clock: Option<MemoryHost>) {
        let prefix = format!("bench/index-{label}-{}", std::process::id());
        let config = Config::from_value(
            &magnus_s3::pyjson::parse_str(&format!(
                r#"{{"s3_bucket": "{}", "prefix": "{prefix}", "region": "us-east-1", "endpoint_url": "{}"}}"#,
                env.get("MAGNUS_TEST_S3_BUCKET").cloned().unwrap_or("bench".into()),
                env.get("MAGNUS_TEST_S3_ENDPOINT").cloned().unwrap_or("http://memory".into()),
            ))
            .unwrap(),
        )
        .unwrap();
        let store = S3RunLogStore::with_host(config, env, Counting::new(host)).unwrap();
        let start = SystemTime::now() - Duration::from_millis(30 * DAY_MS);
        if let Some(clock) = &fake_clock {
            clock.set_time(start);
        }
        let t = Instant::now();
        for i in 0..n {
            if let Some(clock) = &fake_clock {
                clock.advance(Duration::from_secs(26));
            }
            let (status, tag) = plan(i);
            let id = id_of(i, n);
            store.create_run_log(&id, NewRunLog { tag: Some(tag.into()), ..Default::default() }).await.unwrap();
            store.update_run_log_status(&id, status).await.unwrap();
        }
        let write = store.host().counts();
        eprintln!("{label}: wrote {n} runs in {:.1} s ({} requests)", t.elapsed().as_secs_f64(), write.requests());
        let now = fake_clock.as_ref().map_or_else(SystemTime::now, |c| c.now());
        let now_ms = now.duration_since(UNIX_EPOCH).unwrap().as_millis() as u64;
        let week = now_ms - 7 * DAY_MS;

        // 1. The 50 newest FAIL runs.
        let (page, idx1) =
            measure(&store, store.list_runs(&RunQuery { statuses: vec!["FAIL".into()], ..Default::default() })).await;
        let page = page.unwrap();
        let (found, raw1) = measure(&store, async {
            // Newest modified first (the creation time is in no key), GET until 50 FAIL.
            let mut keys = all_keys(&store).await;
            keys.sort_by_key(|k| std::cmp::Reverse(k.1));
            let mut found = Vec::new();
            for (id, _) in keys {
                if store.get_run_log_by_id(&id, false).await.unwrap().status == "FAIL" {
                    found.push(id);
                    if found.len() == 50 {
                        break;
                    }
                }
            }
            found
        })
        .await;
        // The truth from the plan: the 50 last-created FAIL runs. (Without the index the order is
        // by modification time, whole seconds on a real S3: it cannot be exact within a second.)
        let truth: Vec<String> = (0..n).rev().filter(|&i| plan(i).0 == "FAIL").take(50).map(|i| id_of(i, n)).collect();
        assert_eq!(page.runs.iter().map(|r| r.entry.run_id.clone()).collect::<Vec<_>>(), truth, "the index is exact");
        assert_eq!(found.len(), 50);

        // 2. Counts per status, runs created in the last 7 days.
        let (counts, idx2) = measure(&store, store.count_runs(Some(week), None)).await;
        let counts = counts.unwrap();
        let (raw_counts, raw2) = measure(&store, async {
            let mut counts: Vec<(String, u64)> = Vec::new();
            for (id, modified) in all_keys(&store).await {
                if modified < week {
                    continue; // modified before the window: created before it too
                }
                let status = store.get_run_log_by_id(&id, false).await.unwrap().status;
                match counts.iter_mut().find(|(s, _)| *s == status) {
                    Some((_, k)) => *k += 1,
                    None => counts.push((status, 1)),
                }
            }
            counts.sort();
            counts
        })
        .await;
        let in_window: u64 = counts.iter().map(|(_, k)| k).sum();
        // The way without an index counts by modification time, which is not creation time: it
        // may count a few runs created just before the window.
        eprintln!("{label}: counts {counts:?} (without the index: {raw_counts:?})");

        // 3. Runs tagged nightly this week, every page.
        let (tagged, idx3) = measure(&store, async {
            let (mut ids, mut cursor) = (0usize, None);
            loop {
                let q = RunQuery {
                    tag: Some("nightly".into()),
                    since_ms: Some(week),
                    limit: Some(1000),
                    cursor,
                    ..Default::default()
                };
                let page = store.list_runs(&q).await.unwrap();
                ids += page.runs.len();
                cursor = page.cursor;
                if cursor.is_none() {
                    break ids;
                }
            }
        })
        .await;
        let (raw_tagged, raw3) = measure(&store, async {
            let mut k = 0;
            for (id, modified) in all_keys(&store).await {
                if modified >= week
                    && store.get_run_log_by_id(&id, false).await.unwrap().tag.as_deref() == Some("nightly")
                {
                    k += 1;
                }
            }
            k
        })
        .await;

        println!("\n{label}: {n} runs, {in_window} created in the last 7 days\n");
        let lists_per_k = idx2.requests as f64 / (in_window.max(1) as f64 / 1000.0);
        println!("| question | index: requests | bytes received | time | without: requests | bytes received | time |");
        println!("|---|---|---|---|---|---|---|");
        for (q, a, b) in [
            ("50 newest FAIL runs".to_string(), idx1, raw1),
            ("runs per status, last 7 days".to_string(), idx2, raw2),
            (format!("tag nightly this week ({tagged} runs; without: {raw_tagged})"), idx3, raw3),
        ] {
            println!(
                "| {q} | {} | {} | {:.2} s | {} | {} | {:.2} s |",
                a.requests, a.received, a.secs, b.requests, b.received, b.secs
            );
        }
        println!("\n7-day counts: {lists_per_k:.2} LIST requests per 1,000 runs in the window (goal: at most 10)");
    }

    pub fn main() {
        let args: Vec<String> = std::env::args().skip(1).collect();
        let real = args.iter().any(|a| a == "--real");
        let n: usize = args.iter().find_map(|a| a.parse().ok()).unwrap_or(if real { 10_000 } else { 100_000 });
        let mut env: Env = std::env::vars().collect();
        for (name, from, default) in [
            ("AWS_ACCESS_KEY_ID", "MAGNUS_TEST_S3_KEY", "AKIDBENCH"),
            ("AWS_SECRET_ACCESS_KEY", "MAGNUS_TEST_S3_SECRET", "bench"),
        ] {
            if env.get(name).is_none() {
                env.insert(name.into(), std::env::var(from).unwrap_or(default.into()));
            }
        }
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async {
            if real {
                run("SeaweedFS", n, &env, NativeHost::new(), None).await;
            } else {
                env.remove("MAGNUS_TEST_S3_ENDPOINT");
                let memory = MemoryHost::new();
                run("in-memory S3", n, &env, memory.clone(), Some(memory)).await;
            }
        });
    }
}

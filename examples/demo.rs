//! The demo job: loads the real magnus run logs of `../shared/fixtures` into an S3 bucket through
//! the store, lists the runs, and prints one run's step tree.
//!
//! `scripts/demo.sh` starts a local SeaweedFS and runs this; against another bucket:
//! `MAGNUS_S3_CONFIG='{"s3_bucket": "...", "prefix": "..."}' cargo run --example demo -- [run_id]`
//! with credentials in the standard `AWS_*` variables.

#[cfg(target_arch = "wasm32")]
fn main() {
    // The demo is a native program (tokio, files); the wasm32 build of the crate is the npm package.
}

#[cfg(not(target_arch = "wasm32"))]
fn main() -> Result<(), Box<dyn std::error::Error>> {
    tokio::runtime::Builder::new_current_thread().enable_all().build()?.block_on(demo::run())
}

#[cfg(not(target_arch = "wasm32"))]
mod demo {
    use std::path::{Path, PathBuf};

    use magnus_s3::{BranchLog, Config, Env, ListOptions, RunLog, RunQuery, S3RunLogStore, StepLog};

    fn fixtures() -> Vec<PathBuf> {
        let root = std::env::var_os("MAGNUS_SHARED")
            .map(PathBuf::from)
            .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared"))
            .join("fixtures");
        let mut out = Vec::new();
        for dir in [
            "magnus-0.5.1",
            "magnus-0.4.22-s3/s3/objects/fixtures/runs",
            "magnus-0.4.22-s3/s3/objects/with-role",
            "magnus-0.4.22-s3/s3/objects",
        ] {
            if let Ok(entries) = std::fs::read_dir(root.join(dir)) {
                out.extend(
                    entries
                        .filter_map(|e| e.ok())
                        .map(|e| e.path())
                        .filter(|p| p.extension().is_some_and(|x| x == "json")),
                );
            }
        }
        out.sort();
        out
    }

    fn print_steps(steps: &magnus_s3::Map<StepLog>, depth: usize) {
        for s in steps.values() {
            let attempt = s
                .attempts
                .last()
                .map(|a| format!("  {} attempt {} ({})", a.start_time, a.attempt_number, a.duration))
                .unwrap_or_default();
            println!("{:indent$}{:<10} {} [{}]{attempt}", "", s.status, s.name, s.step_type, indent = depth * 4);
            for b in s.branches.values() {
                print_branch(b, depth + 1);
            }
        }
    }

    fn print_branch(b: &BranchLog, depth: usize) {
        println!("{:indent$}{:<10} branch {}", "", b.status, b.internal_name, indent = depth * 4);
        print_steps(&b.steps, depth + 1);
    }

    pub async fn run() -> Result<(), Box<dyn std::error::Error>> {
        let env: Env = std::env::vars().collect();
        let config_json = std::env::var("MAGNUS_S3_CONFIG")
            .unwrap_or_else(|_| r#"{"s3_bucket": "magnus-runlogs", "prefix": "demo", "region": "us-east-1"}"#.into());
        let store = S3RunLogStore::new(Config::from_json(&config_json)?, &env)?;

        let mut loaded = 0;
        for path in fixtures() {
            let log = RunLog::from_json_bytes(&std::fs::read(&path)?)?;
            store.put_run_log(&log).await?;
            loaded += 1;
        }
        println!("loaded {loaded} magnus run logs into s3://{}/{}/\n", store.config().s3_bucket, store.config().prefix);

        let runs = store.list_run_logs(&ListOptions::default()).await?;
        println!("{:<40} {:<11} {:>6} {:>7}", "run_id", "status", "steps", "bytes");
        for r in &runs {
            let log = store.get_run_log_by_id(&r.run_id, true).await?;
            let steps = magnus_s3::names::all_steps(&log).len();
            println!("{:<40} {:<11} {:>6} {:>7}", r.run_id, log.status, steps, r.size.unwrap_or(0));
        }

        // The run index: newest first by status, from listings alone (README "Run index").
        let counts = store.count_runs(None, None).await?;
        let counts: Vec<String> = counts.iter().map(|(s, n)| format!("{s} {n}")).collect();
        println!("\nthe run index: {}; failed runs, newest first:", counts.join(", "));
        let failed = RunQuery { statuses: vec!["FAIL".into()], details: true, ..Default::default() };
        for r in store.list_runs(&failed).await?.runs {
            let step = r.summary.as_ref().and_then(|s| s.get("first_failed_step")).and_then(|f| f.get("name"));
            let step = step.and_then(|n| n.as_str()).unwrap_or("-");
            println!(
                "  {:<40} created {}  first failed step: {step}",
                r.entry.run_id,
                magnus_s3::index::iso(r.entry.created_ms)
            );
        }

        let show = std::env::args().nth(1).unwrap_or_else(|| "deep-nesting".into());
        let log = store.get_run_log_by_id(&show, true).await?;
        println!(
            "\nrun {} ({}), tag {:?}, parameters {}",
            log.run_id,
            log.status,
            log.tag.unwrap_or_default(),
            magnus_s3::pyjson::to_compact_string(&log.parameters)
        );
        print_steps(&log.steps, 1);
        println!("\npresigned GET (15 min): {}", store.presign_get_run_log(&show, Some(900)).await?);
        Ok(())
    }
}

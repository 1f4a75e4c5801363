#!/usr/bin/env bash
# magnus's own S3 store vs ours, same workload, same local SeaweedFS (started if needed):
# a run of N steps (default 100) written in the executor's order. Prints one JSON line per store,
# then a table of times and ratios.
#   bench/executor.sh [N]
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
cd "$here"
n="${1:-100}"
scripts/setup.sh >/dev/null
[ -f .work/weed.pid ] && kill -0 "$(cat .work/weed.pid)" 2>/dev/null || scripts/s3-server.sh start >/dev/null
# shellcheck disable=SC1091
source .work/s3.env
export AWS_ACCESS_KEY_ID="$MAGNUS_TEST_S3_KEY" AWS_SECRET_ACCESS_KEY="$MAGNUS_TEST_S3_SECRET" AWS_ENDPOINT_URL_S3="$MAGNUS_TEST_S3_ENDPOINT"
cargo build -q --release --example bench_executor
[ -f pkg/dist/magnus_s3_bg.wasm ] || scripts/build-pkg.sh >/dev/null
out="$(mktemp)"
trap 'rm -f "$out"' EXIT
for layout in single chunked; do target/release/examples/bench_executor "$n" "$layout" | tee -a "$out"; done
for layout in single chunked; do node bench/executor.mjs "$n" "$layout" | tee -a "$out"; done
AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null .venv-magnus/bin/python bench/magnus_store.py "$n" "bench/magnus-$$" |
  tee -a "$out"
# The table: each store's time and how many times faster than magnus's own store it is.
node -e '
const rows = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n").map((l) => JSON.parse(l));
const magnus = rows.find((r) => r.store.startsWith("magnus "));
console.log(`\n| store (${magnus.steps} steps, executor order) | seconds | x magnus |\n|---|---|---|`);
for (const r of rows) console.log(`| ${r.store} | ${r.seconds.toFixed(2)} | ${(magnus.seconds / r.seconds).toFixed(1)} |`);
' "$out"

#!/usr/bin/env bash
# magnus's own S3 store vs ours, same workload, same local SeaweedFS (started if needed):
# a run of N steps (default 100) written in the executor's order. Prints one JSON line per store.
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
for layout in single chunked; do target/release/examples/bench_executor "$n" "$layout"; done
for layout in single chunked; do node bench/executor.mjs "$n" "$layout"; done
AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null .venv-magnus/bin/python bench/magnus_store.py "$n" "bench/magnus-$$"

#!/usr/bin/env bash
# Runs every test. Installs what is missing (scripts/setup.sh), builds the npm package once,
# starts the local S3 server (SeaweedFS, signature checking on) and stops it at the end:
#   lint    cargo fmt --check; clippy -D warnings, native and wasm32
#   rust    unit tests, fixture byte round trip, SigV4 suite, the store against S3 (native)
#   wasm    wasm-bindgen-test in Node (clock, fetch, float repr)
#   js      node --test tests/js (API, fixtures, SigV4 suite, bad inputs, npm pack)
#   types   tsc --strict over an example that uses every export
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
cd "$here"
logs="$here/.work/test-logs"
mkdir -p "$logs"
rm -f "$logs"/*.log

scripts/setup.sh
step() { printf '\n=== %s\n' "$*"; }

step "lint"
cargo fmt --all -- --check
cargo clippy --all-targets -q -- -D warnings
cargo clippy --target wasm32-unknown-unknown --all-targets --features js,fetch -q -- -D warnings

step "build the npm package"
scripts/build-pkg.sh

step "start the S3 server"
scripts/s3-server.sh start
trap 'scripts/s3-server.sh stop' EXIT
# shellcheck disable=SC1091
source .work/s3.env

step "rust (native)"
cargo test 2>&1 | tee "$logs/rust.log"

step "rust (wasm32, wasm-bindgen-test in Node)"
CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
  cargo test --target wasm32-unknown-unknown --release --features fetch --test wasm 2>&1 | tee "$logs/wasm.log"

step "js (node --test)"
node --test tests/js/ 2>&1 | tee "$logs/js.log"

step "types (tsc --strict)"
node_modules/.bin/tsc -p tests/types/tsconfig.json
echo "tsc --strict: ok" | tee "$logs/types.log"

# One closing line over every suite: cargo's "N passed; M failed", node's "# pass N / # fail M".
passed=$(cat "$logs/rust.log" "$logs/wasm.log" | sed -n 's/^test result: [a-zA-Z]*\. \([0-9]*\) passed.*/\1/p' | awk '{s+=$1} END {print s+0}')
failed=$(cat "$logs/rust.log" "$logs/wasm.log" | sed -n 's/^test result: .* \([0-9]*\) failed.*/\1/p' | awk '{s+=$1} END {print s+0}')
jp=$(sed -n 's/^# pass \([0-9]*\)$/\1/p' "$logs/js.log" | tail -1)
jf=$(sed -n 's/^# fail \([0-9]*\)$/\1/p' "$logs/js.log" | tail -1)
echo
echo "all suites: $((passed + jp + 1)) passed, $((failed + jf)) failed"

#!/usr/bin/env bash
# Runs every test. Installs what is missing (scripts/setup.sh), starts the local S3 server
# (SeaweedFS, signature checking on) and stops it at the end, and runs every suite even when one
# fails, so the closing line always tells the whole story:
#   lint       cargo fmt --check; clippy -D warnings, native and wasm32
#   js-plain   the package built without any -Z flag (build-pkg.sh --plain), its Node API suites
#   rust       unit tests, fixture byte round trip, SigV4 suite, the store against S3 (native)
#   dependent  an application depending on the crate (tests/dependent): its serde_json unchanged
#   wasm       wasm-bindgen-test in Node (FetchHost: clock, fetch, float repr)
#   js         node --test tests/js on the shipped package (API, fixtures, SigV4 suite, bad
#              inputs, containment, the fuzzer's bounded run, npm pack and size, workerd, the HTTP
#              API, faults, Chromium, the dashboard, stress, interop, STS)
#   types      tsc --strict over an example that uses every export
# The last line is `all suites: N passed, M failed, K skipped (...)`; the exit status is 1 if
# anything failed or did not run.
set -uo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
cd "$here"
logs="$here/.work/test-logs"
mkdir -p "$logs"
rm -f "$logs"/*.log

scripts/setup.sh || { echo "setup failed"; exit 1; }
step() { printf '\n=== %s\n' "$*"; }

# Per suite: passed failed skipped, from its log.
declare -A P F S
summary=()
count_cargo() { # suite log status
  local p f s
  p=$(sed -n 's/^test result: [a-zA-Z]*\. \([0-9]*\) passed.*/\1/p' "$2" | awk '{s+=$1} END {print s+0}')
  f=$(sed -n 's/^test result: .* \([0-9]*\) failed.*/\1/p' "$2" | awk '{s+=$1} END {print s+0}')
  s=$(sed -n 's/^test result: .* \([0-9]*\) ignored.*/\1/p' "$2" | awk '{s+=$1} END {print s+0}')
  # A suite that did not finish (build error, crash) counts as one failure.
  if [ "$3" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
  P[$1]=$p; F[$1]=$f; S[$1]=$s; summary+=("$1 $p/$f/$s")
}
count_node() { # suite log status
  local p f s
  p=$(sed -n 's/^# pass \([0-9]*\)$/\1/p' "$2" | tail -1); p=${p:-0}
  f=$(sed -n 's/^# fail \([0-9]*\)$/\1/p' "$2" | tail -1); f=${f:-0}
  s=$(sed -n 's/^# \(skipped\|todo\|cancelled\) \([0-9]*\)$/\2/p' "$2" | awk '{s+=$1} END {print s+0}')
  if [ "$3" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
  P[$1]=$p; F[$1]=$f; S[$1]=$s; summary+=("$1 $p/$f/$s")
}
count_one() { # suite status
  if [ "$2" -eq 0 ]; then P[$1]=1; F[$1]=0; else P[$1]=0; F[$1]=1; fi
  S[$1]=0; summary+=("$1 ${P[$1]}/${F[$1]}/0")
}

step "lint"
{ cargo fmt --all -- --check && cargo clippy --all-targets -q -- -D warnings &&
  cargo clippy --target wasm32-unknown-unknown --all-targets --features js,fetch -q -- -D warnings; } 2>&1 | tee "$logs/lint.log"
count_one lint "${PIPESTATUS[0]}"

step "start the S3 server"
scripts/s3-server.sh start || { echo "the S3 server did not start"; exit 1; }
trap 'scripts/s3-server.sh stop' EXIT
# shellcheck disable=SC1091
source .work/s3.env

step "js-plain (the package built without -Z flags)"
if scripts/build-pkg.sh --plain 2>&1 | tee "$logs/build-plain.log"; then
  node --test tests/js/api.test.mjs tests/js/bad-inputs.test.mjs tests/js/containment.test.mjs tests/js/sigv4.test.mjs \
    tests/js/fixtures.test.mjs 2>&1 | tee "$logs/js-plain.log"
  count_node js-plain "$logs/js-plain.log" "${PIPESTATUS[0]}"
else
  count_one js-plain 1
fi

step "build the npm package"
scripts/build-pkg.sh 2>&1 | tee "$logs/build.log"
built=${PIPESTATUS[0]}

step "rust (native)"
cargo test 2>&1 | tee "$logs/rust.log"
count_cargo rust "$logs/rust.log" "${PIPESTATUS[0]}"

step "rust (an application depending on the crate keeps serde_json's ordinary behaviour)"
CARGO_TARGET_DIR="$here/target" cargo test --manifest-path tests/dependent/Cargo.toml 2>&1 | tee "$logs/dependent.log"
count_cargo dependent "$logs/dependent.log" "${PIPESTATUS[0]}"

step "rust (wasm32, wasm-bindgen-test in Node)"
CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
  cargo test --target wasm32-unknown-unknown --release --features fetch --test wasm 2>&1 | tee "$logs/wasm.log"
count_cargo wasm "$logs/wasm.log" "${PIPESTATUS[0]}"

step "js (node --test)"
if [ "$built" -eq 0 ]; then
  node --test tests/js/ 2>&1 | tee "$logs/js.log"
  count_node js "$logs/js.log" "${PIPESTATUS[0]}"
else
  count_one js 1
fi

step "types (tsc --strict)"
node_modules/.bin/tsc -p tests/types/tsconfig.json 2>&1 | tee "$logs/types.log"
count_one types "${PIPESTATUS[0]}"

passed=0; failed=0; skipped=0
for k in "${!P[@]}"; do
  passed=$((passed + P[$k])); failed=$((failed + F[$k])); skipped=$((skipped + S[$k]))
done
echo
echo "all suites: $passed passed, $failed failed, $skipped skipped (passed/failed/skipped: ${summary[*]})"
[ "$failed" -eq 0 ]

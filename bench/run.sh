#!/usr/bin/env bash
# Every benchmark of the README's "Speed" section, in one command: signing against the JS signers,
# big run logs across the JS boundary, and a run written in magnus's executor order against
# magnus's own store. Each prints its table (ratios: ours / baseline, or x magnus).
#   bench/run.sh [steps=100]
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
cd "$here"
scripts/setup.sh >/dev/null
[ -f pkg/dist/magnus_s3_bg.wasm ] || scripts/build-pkg.sh >/dev/null
[ -f .work/weed.pid ] && kill -0 "$(cat .work/weed.pid)" 2>/dev/null || scripts/s3-server.sh start >/dev/null
# shellcheck disable=SC1091
source .work/s3.env
echo "## Signing (node bench/signing.mjs)"
node bench/signing.mjs
echo
echo "## Big run logs (node bench/read-write.mjs)"
node bench/read-write.mjs 10 5
echo
echo "## A run in magnus's executor order (bench/executor.sh ${1:-100})"
bench/executor.sh "${1:-100}" | sed -n '/^$/,$p'

#!/usr/bin/env bash
# The main job on the embedded default: starts a local S3 server (SeaweedFS, signature checking
# on), loads the real magnus run logs of ../shared/fixtures through the store, lists the runs and
# shows one as a step tree, then serves the dashboard (www/) on http://127.0.0.1:8000/. The server
# and the dashboard keep running for you to explore (it is printed how to stop them).
#   scripts/demo.sh [run_id]
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
cd "$here"
scripts/setup.sh demo
scripts/build-pkg.sh >/dev/null
scripts/s3-server.sh start
# shellcheck disable=SC1091
source .work/s3.env
export AWS_ACCESS_KEY_ID="$MAGNUS_TEST_S3_KEY" AWS_SECRET_ACCESS_KEY="$MAGNUS_TEST_S3_SECRET"
export AWS_ENDPOINT_URL_S3="$MAGNUS_TEST_S3_ENDPOINT"
cargo run -q --example demo -- "$@"

[ -f .work/www.pid ] && kill "$(cat .work/www.pid)" 2>/dev/null || true
nohup node scripts/serve-www.mjs 8000 > .work/www.log 2>&1 &
echo $! > .work/www.pid
sleep 0.5
echo
cat .work/www.log
echo "S3 server: $MAGNUS_TEST_S3_ENDPOINT (bucket $MAGNUS_TEST_S3_BUCKET, key $MAGNUS_TEST_S3_KEY)"
echo "stop both: scripts/s3-server.sh stop; kill \$(cat .work/www.pid)"

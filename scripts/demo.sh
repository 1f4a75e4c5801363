#!/usr/bin/env bash
# The main job on the embedded default: starts a local S3 server (SeaweedFS, signature checking
# on), loads the real magnus run logs of ../shared/fixtures through the store, lists the runs and
# shows one as a step tree. The server keeps running for you to explore (it is printed how to stop it).
#   scripts/demo.sh [run_id]
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
cd "$here"
scripts/s3-server.sh start
# shellcheck disable=SC1091
source .work/s3.env
export AWS_ACCESS_KEY_ID="$MAGNUS_TEST_S3_KEY" AWS_SECRET_ACCESS_KEY="$MAGNUS_TEST_S3_SECRET"
export AWS_ENDPOINT_URL_S3="$MAGNUS_TEST_S3_ENDPOINT"
cargo run -q --example demo -- "$@"
echo
echo "S3 server: $MAGNUS_TEST_S3_ENDPOINT (bucket $MAGNUS_TEST_S3_BUCKET, key $MAGNUS_TEST_S3_KEY); stop it with scripts/s3-server.sh stop"

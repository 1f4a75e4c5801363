#!/usr/bin/env bash
# Builds the npm package's generated files into pkg/dist/ (never committed):
#   magnus_s3_bg.wasm  the crate, wasm-bindgen'd, then wasm-opt -Oz (npm binaryen, not Debian's)
#   magnus_s3.js       ES module glue (browsers, workerd)      - wasm-bindgen --target web, terser
#   magnus_s3.cjs      CommonJS glue (Node: ESM and require)   - wasm-bindgen --target nodejs, terser
# Both glues load the same .wasm (wasm-bindgen emits identical bytes for the two targets).
#   scripts/build-pkg.sh           the shipped build (std rebuilt for size; see below)
#   scripts/build-pkg.sh --plain   the same package from a plain stable build, no -Z flag at all
#                                  (CI tests it too, so the plain build is known to work)
set -euo pipefail
mode="${1:-shipped}"
here="$(cd "$(dirname "$0")/.." && pwd)"
cd "$here"
want=$(grep -A1 '^name = "wasm-bindgen"$' Cargo.lock | sed -n 's/^version = "\(.*\)"/\1/p')
have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')
if [ "$want" != "$have" ]; then
  echo "wasm-bindgen CLI $have does not match the crate's $want: cargo install wasm-bindgen-cli --version $want" >&2
  exit 1
fi
[ -x node_modules/.bin/wasm-opt ] && [ -x node_modules/.bin/terser ] || npm install --no-audit --no-fund >/dev/null
# std is rebuilt with the crate (-Zbuild-std): optimized for size, and panics abort at once
# instead of formatting a message nobody reads (no panic crosses the boundary; a bug traps).
# That is ~25 KB gzip less than the prebuilt std. Debug formatting compiles to nothing
# (-Zfmt-debug=none; messages never use {:?}, see error::quoted) and panic locations are
# dropped (-Zlocation-detail=none): ~2.6 KB gzip more. -Z flags on the stable toolchain need
# RUSTC_BOOTSTRAP=1, as the Linux kernel's Rust build does (README "Package size" says why).
# Its own target dir keeps the plain wasm32 build of the tests from being rebuilt each time.
if [ "$mode" = --plain ]; then
  cargo build --release --target wasm32-unknown-unknown --lib --features js --target-dir target/pkg-plain
  raw=target/pkg-plain/wasm32-unknown-unknown/release/magnus_s3.wasm
else
  rustup component list --installed 2>/dev/null | grep -q '^rust-src' ||
    { echo "std's source is missing: rustup component add rust-src" >&2; exit 1; }
  RUSTC_BOOTSTRAP=1 RUSTFLAGS="-Zunstable-options -Cpanic=immediate-abort -Zfmt-debug=none -Zlocation-detail=none" \
    cargo build --release --target wasm32-unknown-unknown --lib --features js --target-dir target/pkg \
    -Zbuild-std=std,panic_abort -Zbuild-std-features=optimize_for_size
  raw=target/pkg/wasm32-unknown-unknown/release/magnus_s3.wasm
fi
tmp="$here/target/pkg-tmp"
rm -rf "$tmp" pkg/dist && mkdir -p "$tmp" pkg/dist
wasm-bindgen --target web --experimental-reset-state-function --no-typescript --out-dir "$tmp/web" "$raw"
wasm-bindgen --target nodejs --experimental-reset-state-function --no-typescript --out-dir "$tmp/node" "$raw"
cmp -s "$tmp/web/magnus_s3_bg.wasm" "$tmp/node/magnus_s3_bg.wasm" || { echo "web and nodejs wasm differ" >&2; exit 1; }
# Near-identical functions merged (the two sinks of src/verbatim.rs), control flow re-derived
# (--flatten --rereloop), then -Oz until the module stops shrinking (--converge): about 1 KB gzip
# less than -Oz alone, no measurable cost in signing or reading. MAGNUS_WASM_OPT_EXTRA=-g keeps
# function names (for profiling).
node_modules/.bin/wasm-opt --duplicate-function-elimination --merge-similar-functions --flatten --rereloop -Oz -Oz \
  --converge --enable-reference-types --enable-bulk-memory --enable-nontrapping-float-to-int \
  --enable-sign-ext --enable-mutable-globals --enable-multivalue \
  ${MAGNUS_WASM_OPT_EXTRA:-} "$tmp/web/magnus_s3_bg.wasm" -o pkg/dist/magnus_s3_bg.wasm
# The glue is minified (terser): it ships with the wasm and counts in the size budget. Names
# that JS sees (exports, the class, the wasm's import keys) are properties or kept.
node_modules/.bin/terser "$tmp/web/magnus_s3.js" --module -c -m --keep-classnames -o pkg/dist/magnus_s3.js
node_modules/.bin/terser "$tmp/node/magnus_s3.js" -c -m --toplevel --keep-classnames -o pkg/dist/magnus_s3.cjs
# The package's JavaScript side (pkg/core.mjs, which imports nothing) minified, as an ES module
# and for CommonJS (the same code with its one export as module.exports). Lines stay short so a
# stack trace through it stays readable.
fmt="max_line_len=160"
node_modules/.bin/terser pkg/core.mjs --module -c -m --keep-classnames --format "$fmt" -o pkg/dist/core.mjs
{ sed 's/^export function createApi/function createApi/' pkg/core.mjs; echo 'module.exports = { createApi };'; } > "$tmp/core.cjs"
grep -q '^export' "$tmp/core.cjs" && { echo "pkg/core.mjs has an export build-pkg.sh does not convert" >&2; exit 1; }
node_modules/.bin/terser "$tmp/core.cjs" -c -m --keep-classnames --format "$fmt" -o pkg/dist/core.cjs
for f in pkg/dist/magnus_s3_bg.wasm pkg/dist/magnus_s3.js pkg/dist/magnus_s3.cjs pkg/dist/core.mjs pkg/dist/core.cjs; do
  printf '%-28s %8d bytes  %7d gzip -9\n' "$(basename "$f")" "$(wc -c < "$f")" "$(gzip -9c "$f" | wc -c)"
done

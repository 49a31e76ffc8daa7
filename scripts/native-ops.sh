#!/usr/bin/env bash
# Builds lukelab's fused TensorFlow kernels (native/lukelab_ops.cc: GELU, LayerNorm, AdamW, dropout, each in
# one pass) against the TensorFlow library that scripts/native.sh linked into a tfjs-node package, and
# puts lukelab_ops.node next to its binding, where kernel/backend finds and loads it.
#
# Called by scripts/native.sh after it has built (or found up to date) the binding; on its own:
#   scripts/native-ops.sh [--gpu] [--force]
# Skipped in milliseconds when the source, the library and the flags are unchanged (a stamp in
# lukelab_ops.json). When the kernels cannot be built it says why in one line and exits 1; the
# backend then runs GELU, LayerNorm and AdamW as TensorFlow's elementwise ops (same results, slower).
set -euo pipefail
TAG=native-ops
source "$(dirname "$0")/native-args.sh" "$@" # ROOT (and cd there), VARIANT, FORCE, PKG, PKG_DIR, CACHE_ROOT, log
OUT_DIR="$PKG_DIR/lib/napi-v8"
OUT="$OUT_DIR/lukelab_ops.node"
INFO="$OUT_DIR/lukelab_ops.json"
SRC="$ROOT/native/lukelab_ops.cc"
LOG="$CACHE_ROOT/native-ops-$VARIANT.log"

fail() { printf '[native-ops] fused kernels not built (%s): %s\n' "$VARIANT" "$*" >&2; exit 1; }

LIBDIR=$(readlink -f "$PKG_DIR/deps/lib/libtensorflow_framework.so.2" 2>/dev/null | xargs -r dirname)
[ -n "$LIBDIR" ] && [ -d "$LIBDIR/include/tensorflow/core/framework" ] || fail "no TensorFlow library with headers linked into $PKG (run scripts/native.sh first)"
CXX_BIN=$(command -v "${CXX:-g++}" || command -v c++ || true)
[ -n "$CXX_BIN" ] || fail "no C++ compiler"
# glibc's libmvec (vector erff/expf) since 2.35; -march=native: the library is built where it runs.
FLAGS=(-std=c++17 -O3 -march=native -fno-math-errno -fopenmp-simd -fPIC -shared -Wno-deprecated-declarations
       -D_GLIBCXX_USE_CXX11_ABI=1 -DEIGEN_MAX_ALIGN_BYTES=64 -I"$LIBDIR/include")
LINK=(-L"$LIBDIR" -l:libtensorflow_framework.so.2 -lmvec -Wl,-rpath,"$LIBDIR")
STAMP="src=$(sha256sum "$SRC" | cut -c1-16) lib=$LIBDIR cxx=$("$CXX_BIN" -dumpfullversion 2>/dev/null || echo unknown) flags=${FLAGS[*]} ${LINK[*]}"

if [ "$FORCE" = 0 ] && [ -f "$OUT" ] && [ -f "$INFO" ] && grep -qF "\"stamp\": $(node -p 'JSON.stringify(process.argv[1])' "$STAMP")" "$INFO"; then
  log "fused kernels ($VARIANT) up to date"
  exit 0
fi
mkdir -p "$(dirname "$LOG")"
t0=$(date +%s)
rm -f "$OUT" "$INFO"
tmp="$OUT.partial"
if ! "$CXX_BIN" "${FLAGS[@]}" "$SRC" -o "$tmp" "${LINK[@]}" >"$LOG" 2>&1; then
  rm -f "$tmp"
  fail "the compiler failed (see ${LOG#$ROOT/})"
fi
# Load it once with the binding, as kernel/backend does, and run one op.
if ! (cd "$ROOT" && TF_CPP_MIN_LOG_LEVEL=2 node -e "
  const tf = require('$PKG');
  process.dlopen({ exports: {} }, '$tmp');
  const y = tf.backend().executeSingleOutput('LukelabGelu', [], [tf.tensor1d([0, 1])]).dataSync();
  if (y[0] !== 0 || Math.abs(y[1] - 0.8413447) > 1e-6) throw new Error('LukelabGelu gave ' + Array.from(y));
") >>"$LOG" 2>&1; then
  rm -f "$tmp"
  fail "the library does not load or compute (see ${LOG#$ROOT/})"
fi
mv "$tmp" "$OUT"
# The ops the library registers, read from its source: what kernel/backend/native-ops.ts checks for.
STAMP="$STAMP" INFO="$INFO" SRC="$SRC" node -e '
  const fs = require("fs");
  const ops = [...fs.readFileSync(process.env.SRC, "utf8").matchAll(/^REGISTER_OP\("(\w+)"\)/gm)].map((m) => m[1]);
  fs.writeFileSync(process.env.INFO, JSON.stringify({ stamp: process.env.STAMP, ops, builtAt: new Date().toISOString() }, null, 2) + "\n");
'
log "fused kernels ($VARIANT) built in $(( $(date +%s) - t0 ))s: ${OUT#$ROOT/}"

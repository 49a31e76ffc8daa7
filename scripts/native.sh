#!/usr/bin/env bash
# Builds the native TensorFlow backend for TF.js (@tensorflow/tfjs-node) against the TensorFlow
# C library that ships inside the PyPI wheel, so nothing outside npm and PyPI is needed.
#
# Why: tfjs-node's own install script downloads libtensorflow 2.9.1 from storage.googleapis.com,
# which answers 403 (tensorflow/tfjs#8742); `npm ci` then drops the optional package. The wheel
# `tensorflow-cpu` carries libtensorflow_cc.so.2, libtensorflow_framework.so.2 and the C/eager C API
# headers, and the 4.22.0 binding compiles against them (see ../shared/docs/ecosystem-notes.md §4).
#
# Steps (each skipped when already done; a second run with nothing to do takes milliseconds):
#   1. put the npm package in node_modules without running its install script;
#   2. `pip download` the wheel and extract only the two libraries and include/ into
#      .cache/libtensorflow/<wheel>-<version>-<arch>/ (gitignored, survives `npm ci`);
#   3. link them into the package's deps/ and build the binding with npm's bundled node-gyp
#      against the local Node headers (no header download);
#   4. load the result once in Node, and write lib/napi-v8/lukelab-native.json, which
#      kernel/backend reads to say where the TensorFlow library came from;
#   5. build lukelab's fused kernels next to the binding (scripts/native-ops.sh).
#
# Usage: scripts/native.sh [--gpu] [--force]
#   --gpu, or LUKELAB_GPU=1: build @tensorflow/tfjs-node-gpu against the `tensorflow` wheel and the
#        CUDA 12 libraries of its `and-cuda` extra (nvidia-* wheels). Installed on demand with
#        `npm install --no-save`; never part of the default path. Not tried on a GPU yet.
#   --force: rebuild even when the stamp says it is up to date.
#   LUKELAB_TF_VERSION: the wheel version (default 2.21.0).
# Exit status 0 when the backend is ready; otherwise one line on stderr saying why, and status 1.
set -euo pipefail
TAG=native
source "$(dirname "$0")/native-args.sh" "$@" # ROOT (and cd there), VARIANT, FORCE, PKG, PKG_DIR, CACHE_ROOT, log

TF_VERSION="${LUKELAB_TF_VERSION:-2.21.0}"
TFJS_VERSION=4.22.0
RECIPE=1 # bump when the steps below change in a way that needs a rebuild
NAPI=8
ARCH=$(uname -m)
LOG="$CACHE_ROOT/native-build-$VARIANT.log"

# tensorflow-cpu has x86_64 wheels only; on aarch64 the plain wheel is the CPU build.
if [ "$VARIANT" = gpu ] || [ "$ARCH" = aarch64 ]; then WHEEL=tensorflow; else WHEEL=tensorflow-cpu; fi
CACHE="$CACHE_ROOT/$WHEEL-$TF_VERSION-$ARCH"
BINDING="$PKG_DIR/lib/napi-v$NAPI/tfjs_binding.node"
INFO="$PKG_DIR/lib/napi-v$NAPI/lukelab-native.json"
STAMP="recipe=$RECIPE variant=$VARIANT wheel=$WHEEL==$TF_VERSION package=$PKG@$TFJS_VERSION napi=$NAPI node=$(node -p 'process.versions.modules' 2>/dev/null || echo none)"

# The one line setup.sh shows when the native backend cannot be built.
fail() { printf '[native] cannot build the native TensorFlow backend (%s): %s\n' "$VARIANT" "$*" >&2; exit 1; }

# --- fast path: already built with this exact recipe ------------------------------------------------
if [ "$FORCE" = 0 ] && [ -f "$PKG_DIR/package.json" ] && [ -f "$BINDING" ] && [ -f "$INFO" ] && grep -qF "\"stamp\": \"$STAMP\"" "$INFO" \
   && [ -e "$PKG_DIR/deps/lib/libtensorflow_cc.so.2" ]; then
  log "native TensorFlow backend ($VARIANT) up to date: $PKG $TFJS_VERSION on $WHEEL $TF_VERSION"
  bash "$ROOT/scripts/native-ops.sh" "--$VARIANT" || true
  exit 0
fi

# --- prerequisites: say which one is missing, in one line -----------------------------------------
[ "$(uname -s)" = Linux ] || fail "only Linux is supported by this build (found $(uname -s))"
case "$ARCH" in x86_64|aarch64) ;; *) fail "no TensorFlow wheel for architecture $ARCH" ;; esac
command -v node >/dev/null || fail "node is not on PATH"
command -v npm >/dev/null || fail "npm is not on PATH"
mkdir -p "$CACHE_ROOT"
: > "$LOG"
# One build at a time (two setups in parallel would otherwise race on node_modules and the cache).
if command -v flock >/dev/null; then
  exec 9>"$CACHE_ROOT/.lock"
  flock 9
fi
t0=$(date +%s)


# --- 1. the npm package, without its install script ------------------------------------------------
# First, so that even where the binding cannot be built, @tensorflow/tfjs (which registers the
# gradients training needs on every backend) is in place.
if [ ! -f "$PKG_DIR/package.json" ] || [ "$(node -p "require('$PKG_DIR/package.json').version")" != "$TFJS_VERSION" ]; then
  log "installing $PKG@$TFJS_VERSION from npm (install script skipped: it downloads from a host that answers 403)"
  # `npm install` prunes what package.json does not list: keep the GPU package if it is there, and
  # put back the self-link that setup.sh makes.
  extra=()
  if [ "$VARIANT" = gpu ] || [ -f "$ROOT/node_modules/@tensorflow/tfjs-node-gpu/package.json" ]; then
    extra+=("@tensorflow/tfjs-node-gpu@$TFJS_VERSION")
  fi
  had_self_link=0
  [ -L node_modules/lukelab ] && had_self_link=1
  if ! npm install --no-save --ignore-scripts --no-audit --no-fund --loglevel=error "${extra[@]}" >>"$LOG" 2>&1; then
    fail "npm install of $PKG@$TFJS_VERSION failed (see $LOG)"
  fi
  [ "$had_self_link" = 1 ] && ln -sfn .. node_modules/lukelab
  [ -f "$PKG_DIR/package.json" ] || fail "npm did not install $PKG (see $LOG)"
  # tfjs-node registers its kernels into the tfjs-core it resolves; there must be only one copy.
  cores=$(find node_modules -path '*/@tensorflow/tfjs-core/package.json' -not -path '*/tfjs-core/node_modules/*' | wc -l)
  [ "$cores" = 1 ] || fail "found $cores copies of @tensorflow/tfjs-core in node_modules; tfjs-node would register into the wrong one"
fi

# --- the build toolchain -------------------------------------------------------------------------
CXX_BIN=$(command -v "${CXX:-g++}" || command -v c++ || true)
[ -n "$CXX_BIN" ] || fail "no C++ compiler (install g++: apt-get install build-essential)"
command -v make >/dev/null || fail "make is missing (apt-get install build-essential)"
command -v python3 >/dev/null || fail "python3 is missing (node-gyp needs it)"
# npm's bundled node-gyp: the standalone node-gyp 13 declares Node >= 22.
NPM_DIR=$(cd "$(dirname "$(readlink -f "$(command -v npm)")")/.." && pwd)
NODE_GYP="$NPM_DIR/node_modules/node-gyp/bin/node-gyp.js"
[ -f "$NODE_GYP" ] || fail "npm's bundled node-gyp is missing (looked for $NODE_GYP)"
# Local Node headers, so node-gyp never downloads them (nodejs.org may be unreachable).
NODEDIR=""
for d in "$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")" /usr /usr/local; do
  if [ -f "$d/include/node/node_api.h" ]; then NODEDIR="$d"; break; fi
done
[ -n "$NODEDIR" ] || fail "the Node.js headers (include/node/node_api.h) are missing (apt-get install libnode-dev, or a Node tarball with include/)"
if [ -x "$ROOT/.venv/bin/python" ]; then PY="$ROOT/.venv/bin/python"; else PY=python3; fi
"$PY" -m pip --version >/dev/null 2>&1 || fail "$PY has no pip to fetch the $WHEEL wheel"

# --- 2. TensorFlow C library from the PyPI wheel, into the cache ------------------------------------
if [ ! -f "$CACHE/lukelab-libtensorflow.json" ]; then
  log "fetching $WHEEL==$TF_VERSION from PyPI and extracting the TensorFlow C library into ${CACHE#$ROOT/}"
  tmp="$CACHE.partial"
  rm -rf "$tmp"
  mkdir -p "$tmp/wheels"
  if ! "$PY" -m pip download --quiet --no-deps --only-binary=:all: -d "$tmp/wheels" "$WHEEL==$TF_VERSION" >>"$LOG" 2>&1; then
    fail "pip could not download $WHEEL==$TF_VERSION for this Python and platform (see $LOG)"
  fi
  # For the GPU build: the CUDA 12 libraries that the wheel's `and-cuda` extra names, as pinned there.
  # They keep their wheel layout (site/nvidia/<lib>/lib), which is where the TensorFlow libraries'
  # RUNPATH ($ORIGIN/../nvidia/...) looks for them.
  "$PY" - "$tmp" "$WHEEL" "$TF_VERSION" "$VARIANT" >>"$LOG" 2>&1 <<'EOF' || fail "could not extract the TensorFlow library from the wheel (see $LOG)"
import glob, json, os, re, subprocess, sys, zipfile
tmp, wheel, version, variant = sys.argv[1:]
site = os.path.join(tmp, "site")
whl = glob.glob(os.path.join(tmp, "wheels", "*.whl"))
assert len(whl) == 1, f"expected one wheel, found {whl}"
wanted = ("tensorflow/libtensorflow_cc.so.2", "tensorflow/libtensorflow_framework.so.2")
cuda = []
with zipfile.ZipFile(whl[0]) as z:
    names = z.namelist()
    for w in wanted:
        if w not in names:
            sys.exit(f"{os.path.basename(whl[0])} has no {w}")
    members = [n for n in names if n in wanted or (n.startswith("tensorflow/include/") and not n.endswith("/"))]
    for n in members:
        z.extract(n, site)
    meta = next(n for n in names if n.endswith(".dist-info/METADATA"))
    for line in z.read(meta).decode().splitlines():
        m = re.match(r"Requires-Dist: (nvidia-[^;]+);\s*extra\s*==\s*['\"]and-cuda['\"]", line)
        if m:
            cuda.append(m.group(1).replace(" ", ""))
for n in wanted:
    os.chmod(os.path.join(site, n), 0o755)
cuda_files = []
if variant == "gpu":
    if not cuda:
        sys.exit(f"{os.path.basename(whl[0])} names no CUDA wheels in its and-cuda extra")
    d = os.path.join(tmp, "cuda-wheels")
    subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:", "-d", d, *cuda], check=True)
    for w in sorted(glob.glob(os.path.join(d, "*.whl"))):
        with zipfile.ZipFile(w) as z:
            for n in z.namelist():
                if n.startswith("nvidia/") and "/lib/" in n and ".so" in os.path.basename(n):
                    z.extract(n, site)
                    os.chmod(os.path.join(site, n), 0o755)
                    cuda_files.append(n)
info = {
    "wheel": wheel,
    "version": version,
    "wheelFile": os.path.basename(whl[0]),
    "variant": variant,
    "libraryDir": "site/tensorflow",
    "cudaWheels": cuda if variant == "gpu" else [],
    "cudaLibraries": len(cuda_files),
}
with open(os.path.join(tmp, "lukelab-libtensorflow.json"), "w") as f:
    json.dump(info, f, indent=2)
print(json.dumps(info))
EOF
  rm -rf "$tmp/wheels" "$tmp/cuda-wheels" # the wheels themselves are not needed once extracted
  rm -rf "$CACHE"
  mv "$tmp" "$CACHE"
fi
LIBDIR="$CACHE/site/tensorflow"

# --- 3. link into the package and build the binding ------------------------------------------------
# The binding links -ltensorflow -ltensorflow_framework with RUNPATH $ORIGIN/../../deps/lib, and at run
# time asks for the SONAMEs libtensorflow_cc.so.2 and libtensorflow_framework.so.2: provide both names.
rm -rf "$PKG_DIR/deps"
mkdir -p "$PKG_DIR/deps/lib"
ln -s "$LIBDIR/libtensorflow_cc.so.2" "$PKG_DIR/deps/lib/libtensorflow_cc.so.2"
ln -s "$LIBDIR/libtensorflow_framework.so.2" "$PKG_DIR/deps/lib/libtensorflow_framework.so.2"
ln -s libtensorflow_cc.so.2 "$PKG_DIR/deps/lib/libtensorflow.so"
ln -s libtensorflow_framework.so.2 "$PKG_DIR/deps/lib/libtensorflow_framework.so"
ln -s "$LIBDIR/include" "$PKG_DIR/deps/include"
# $ORIGIN is the symlink's folder (deps/lib), so the CUDA libraries must sit at deps/nvidia too.
[ -d "$CACHE/site/nvidia" ] && ln -s "$CACHE/site/nvidia" "$PKG_DIR/deps/nvidia"

# An `npm install` elsewhere prunes packages that package.json does not list (tfjs-node-gpu).
[ -f "$PKG_DIR/binding.gyp" ] || fail "$PKG vanished from node_modules during the build (did an npm install run meanwhile?); run this again"
log "building the $PKG binding against TensorFlow $TF_VERSION (node-gyp, $(nproc) jobs)"
rm -f "$BINDING" "$INFO"
if ! (cd "$PKG_DIR" && node "$NODE_GYP" rebuild --nodedir="$NODEDIR" --napi_build_version=$NAPI \
      --module_name=tfjs_binding --module_path="$PKG_DIR/lib/napi-v$NAPI" -j "$(nproc)") >>"$LOG" 2>&1; then
  fail "node-gyp could not compile the binding against $WHEEL $TF_VERSION (see $LOG)"
fi
[ -f "$BINDING" ] || fail "node-gyp finished but $BINDING is missing (see $LOG)"

# --- 4. load it once, and record where the library came from ---------------------------------------
check=$(cd "$ROOT" && TF_CPP_MIN_LOG_LEVEL=${TF_CPP_MIN_LOG_LEVEL:-2} node -e "
  const tf = require('$PKG');
  const b = tf.backend();
  const y = tf.matMul(tf.ones([2, 3]), tf.ones([3, 2])).dataSync();
  if (tf.getBackend() !== 'tensorflow' || y[0] !== 3) throw new Error('backend ' + tf.getBackend() + ' gave ' + y[0]);
  console.log(JSON.stringify({ tfVersion: b.binding.TF_Version, gpu: b.isUsingGpuDevice }));
" 2>>"$LOG") || fail "the built binding does not load or compute (see $LOG)"

secs=$(( $(date +%s) - t0 ))
STAMP="$STAMP" CHECK="$check" CACHE="$CACHE" LIBDIR="$LIBDIR" PKG="$PKG" TFJS_VERSION="$TFJS_VERSION" \
  VARIANT="$VARIANT" SECS="$secs" INFO="$INFO" node -e '
  const fs = require("fs");
  const e = process.env;
  const lib = JSON.parse(fs.readFileSync(e.CACHE + "/lukelab-libtensorflow.json", "utf8"));
  const check = JSON.parse(e.CHECK);
  const info = {
    stamp: e.STAMP,
    variant: e.VARIANT,
    package: e.PKG,
    packageVersion: e.TFJS_VERSION,
    tensorflow: { wheel: lib.wheel, version: lib.version, wheelFile: lib.wheelFile, libraryVersion: check.tfVersion,
                  libraryDir: e.LIBDIR, cudaWheels: lib.cudaWheels },
    gpuSeenAtBuild: check.gpu,
    builtAt: new Date().toISOString(),
    buildSeconds: Number(e.SECS),
  };
  fs.writeFileSync(e.INFO, JSON.stringify(info, null, 2) + "\n");
'
log "native TensorFlow backend ($VARIANT) ready in ${secs}s: $PKG $TFJS_VERSION on $WHEEL $TF_VERSION (TF_Version $(node -p "JSON.parse(process.argv[1]).tfVersion" "$check"))"
# 5. lukelab's fused kernels (GELU, LayerNorm, AdamW) for this binding; without them the backend works, slower.
bash "$ROOT/scripts/native-ops.sh" "--$VARIANT" || true

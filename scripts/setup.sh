#!/usr/bin/env bash
# Sets up everything lukelab needs on a fresh Debian machine with Node 20 and Python 3.11:
#   1. npm packages (TF.js, tslab, TypeScript) into node_modules/
#   2. a project-local Python venv (.venv/) with JupyterLab 4, nbclient and the reference
#      implementation (torch 2.13.0 CPU, transformers) used by the parity tests and benchmarks
#   3. the tslab kernel spec registered inside that venv, pointing at the local tslab
# Each step is skipped when it is already up to date, so running it again is cheap.
#
# Usage: scripts/setup.sh [all|main]
#   all (default; `npm test`, `npm run setup`): everything, for the tests, notebooks and benchmarks.
#   main (`npm start`): only what the main job uses: the npm packages and the native TensorFlow
#        backend (WebAssembly when it cannot be built). No Python venv, kernel spec, extension,
#        Chromium or Slurm, and nothing that needs root.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
log() { printf '[setup] %s\n' "$*" >&2; }
MODE=${1:-all}
case "$MODE" in all|main) ;; *) echo "usage: scripts/setup.sh [all|main] (got '$MODE')" >&2; exit 2 ;; esac

# --- 1. npm ---------------------------------------------------------------------------------
lock_sum=$(sha256sum package.json package-lock.json 2>/dev/null | sha256sum | cut -c1-16)
if [ ! -f node_modules/.lukelab-stamp ] || [ "$(cat node_modules/.lukelab-stamp)" != "$lock_sum" ]; then
  log "installing npm packages"
  if [ -f package-lock.json ]; then npm ci --no-audit --no-fund; else npm install --no-audit --no-fund; fi
  echo "$lock_sum" > node_modules/.lukelab-stamp
fi

# The package resolves itself by name, so notebooks and scripts in this folder can
# `import ... from "lukelab"` exactly as a user who installed it from npm would.
ln -sfn .. node_modules/lukelab

# --- main: the main job needs no more than the npm packages and, for speed, native TensorFlow ---
if [ "$MODE" = main ]; then
  bash scripts/native.sh || log "native TensorFlow backend not available; the main job runs on WebAssembly"
  log "ready for the main job: node_modules (the tests also need \`npm run setup\`)"
  exit 0
fi

# --- 2. Python venv -------------------------------------------------------------------------
PY=${PYTHON:-python3}
req_sum=$(sha256sum scripts/requirements.txt | cut -c1-16)
if [ ! -x .venv/bin/python ] || [ "$(cat .venv/.lukelab-stamp 2>/dev/null)" != "$req_sum" ]; then
  log "creating the Python venv in .venv (JupyterLab, nbclient, torch 2.13.0 CPU, transformers)"
  [ -x .venv/bin/python ] || "$PY" -m venv .venv
  .venv/bin/pip install --quiet --upgrade pip
  .venv/bin/pip install --quiet -r scripts/requirements.txt
  echo "$req_sum" > .venv/.lukelab-stamp
fi

# --- 3. tslab kernel spec inside the venv ---------------------------------------------------
# The kernel runs bin/tslab-kernel.js: tslab with lukelab's fix for its "Unexpected pending
# rebuildTimer" crash when files change while a kernel runs (kernel/notebook/tslab-timers.ts).
spec=.venv/share/jupyter/kernels/tslab/kernel.json
if [ ! -f "$spec" ] || ! grep -q "$ROOT/bin/tslab-kernel.js" "$spec"; then
  log "registering the tslab kernel spec in .venv"
  node_modules/.bin/tslab install --python .venv/bin/python --prefix .venv \
    --binary "$ROOT/bin/tslab-kernel.js" >/dev/null
fi
# --- 4. native TensorFlow for TF.js, built against the library in the PyPI wheel ----------
# (WebAssembly stays the fallback when this cannot be done; the script says why in one line.)
if [ -f scripts/native.sh ]; then bash scripts/native.sh || log "native TensorFlow backend not available; lukelab runs on WebAssembly"; fi

# --- 5. the JupyterLab extension (attention views, Plotly panels) and a browser for its tests
# Built without Python (scripts/build-labextension.mjs: @jupyterlab/builder with @jupyterlab/core-meta)
# and copied with install.json into the venv's labextensions folder, where JupyterLab finds it.
ext_dir=.venv/share/jupyter/labextensions/lukelab
ext_sum=$(cat package-lock.json install.json extension/tsconfig.json scripts/build-labextension.mjs \
  kernel/analysis/*.ts kernel/analysis/embedding/pair-plot.ts kernel/train/line-chart.ts kernel/sweep/run-status.ts \
  kernel/io/json-text.ts kernel/tasks/entity-typing/results-schema.ts kernel/tasks/entity-typing/progress.ts \
  $(find extension style kernel/portable -type f | sort) | sha256sum | cut -c1-16)
if [ ! -f "$ext_dir/.lukelab-stamp" ] || [ "$(cat "$ext_dir/.lukelab-stamp")" != "$ext_sum" ]; then
  log "building the JupyterLab extension and installing it into $ext_dir"
  t0=$(date +%s)
  node_modules/.bin/tsc -p extension/tsconfig.json
  node scripts/build-labextension.mjs >/dev/null
  rm -rf "$ext_dir"
  mkdir -p "$(dirname "$ext_dir")"
  cp -r lib/labextension "$ext_dir"
  echo "$ext_sum" > "$ext_dir/.lukelab-stamp"
  log "extension installed in $(( $(date +%s) - t0 ))s"
fi
# The browser tests drive Debian's Chromium through playwright-core (no browser download).
if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = 0 ]; then
    log "installing Debian's chromium for the browser tests"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    log "chromium is missing: the browser tests need it (as root: apt-get update && apt-get install -y chromium)"
  fi
fi
# Sweeps run as Slurm job arrays; the Slurm test starts a one-node cluster (slurmctld, slurmd and
# munged, all in a temporary folder) from Debian's packages. Nothing is started or enabled here.
if [ ! -x /usr/sbin/slurmctld ] || [ ! -x /usr/sbin/slurmd ] || [ ! -x /usr/sbin/munged ]; then
  if [ "$(id -u)" = 0 ]; then
    log "installing Debian's slurm-wlm and munge for the Slurm sweep test"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      slurm-wlm slurmctld slurmd munge >/dev/null
  else
    log "Slurm is missing: the Slurm sweep test needs it (as root: apt-get update && apt-get install -y slurm-wlm slurmctld slurmd munge)"
  fi
fi

log "ready: node_modules, .venv (JupyterLab $(.venv/bin/python -c 'import jupyterlab; print(jupyterlab.__version__)')), tslab kernel"

#!/usr/bin/env bash
# Installs the npm dependencies exactly as locked (`npm ci`), only when they are missing or stale.
# `npm ci` refuses a lockfile that disagrees with a package.json, so a stale lockfile fails here
# rather than being rewritten. The lockfile holds every platform's optional packages (esbuild,
# rollup, biome, turbo), so it installs on any platform npm supports.
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "[deps] npm ci (locked versions)"
  npm ci --no-audit --no-fund --loglevel=error
else
  echo "[deps] node_modules up to date"
fi

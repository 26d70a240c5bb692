#!/usr/bin/env bash
# Installs the npm dependencies exactly as locked, only when they are missing or stale.
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  # `npm install` with the committed lockfile installs the locked versions. (`npm ci` would be
  # stricter, but npm 11 here leaves other platforms' optional packages out of the lockfile and
  # then refuses its own lockfile.)
  echo "[deps] npm install (locked versions)"
  npm install --no-audit --no-fund --loglevel=error
else
  echo "[deps] node_modules up to date"
fi

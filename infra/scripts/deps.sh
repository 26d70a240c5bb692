#!/usr/bin/env bash
# Installs the npm dependencies exactly as locked, only when they are missing or stale.
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "[deps] npm ci"
  npm ci --no-audit --no-fund --loglevel=error
else
  echo "[deps] node_modules up to date"
fi

#!/usr/bin/env bash
# `npm test`: everything a newcomer or CI needs to check the project, from a fresh machine.
# Installs what is missing (idempotently), then lint, typecheck, and every test. Tests start
# their own private servers on free loopback ports; the machine's own services are untouched.
set -euo pipefail
cd "$(dirname "$0")/../.."
# turbo's telemetry notice is noise in every test run (and no test run should report usage).
export TURBO_TELEMETRY_DISABLED=1
bash infra/scripts/provision.sh
bash infra/scripts/deps.sh
echo "[test] lint and format (biome: also file names, process.env only in config.ts, no I/O in domain/)"
npx biome check .
echo "[test] dependencies declared exactly (knip: nothing unused, unlisted or unresolved)"
npx knip --no-progress
echo "[test] typecheck"
npx turbo run typecheck --output-logs=errors-only
echo "[test] unit, integration and end-to-end tests (vitest)"
npx vitest run

#!/usr/bin/env bash
# `npm start`: provision what is missing, bring up the local stack and run the main job.
# Leaves the stack running; stop it with `npx hrvend infra down`.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash infra/scripts/provision.sh
bash infra/scripts/deps.sh
npx hrvend infra up
npx hrvend smoke "$@"

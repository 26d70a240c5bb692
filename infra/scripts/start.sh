#!/usr/bin/env bash
# `npm start`: provision what is missing, bring up the local stack and the services, run the
# main job (the pilot scenario, accelerated, through the real pipeline) and print a summary.
# Leaves everything running; stop with `npx hrvend services stop && npx hrvend infra down`.
set -euo pipefail
cd "$(dirname "$0")/../.."
DAYS="${HRVEND_DAYS:-90}"
bash infra/scripts/provision.sh
bash infra/scripts/deps.sh
npx hrvend infra up
npx hrvend services start all
echo "[start] simulating the pilot (8 prisons, 9 machines) for ${DAYS} days, as fast as the pipeline takes it"
npx hrvend simulate --scenario pilot --days "$DAYS" --seed 42 --speed max --ledger .hrvend/pilot-ledger.jsonl >/dev/null
npx hrvend summary --settle
cat <<TXT

Done. The ground-truth ledger is in .hrvend/pilot-ledger.jsonl; logs in .hrvend/services/.
  npx hrvend infra status       # the stack and its URLs
  npx hrvend services status    # gateway, recorder, stock, reorder
  npx hrvend restock-plan --prison md-p13   # the next visit's plan for one prison
  npx hrvend services stop && npx hrvend infra down   # stop everything
TXT

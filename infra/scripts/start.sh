#!/usr/bin/env bash
# `npm start`: the main job. Provisions what is missing, brings up the local stack and every
# service, runs the pilot scenario accelerated through the real pipeline with progress, prints a
# summary (events, rejects, alerts, next restock visits, coverage against WHO bands), writes the
# coverage report and the dashboards preview, and says where everything is. The stack keeps
# running for Grafana unless `--stop` is given (npm start -- --stop).
set -euo pipefail
cd "$(dirname "$0")/../.."

STOP=0
DAYS="${HRVEND_DAYS:-90}"
for arg in "$@"; do
  case "$arg" in
    --stop) STOP=1 ;;
    --days=*) DAYS="${arg#--days=}" ;;
    -h|--help)
      cat <<'TXT'
npm start [-- --stop] [-- --days=N]
  Provisions, starts the local stack (.hrvend/) and every service, simulates the pilot
  (8 prisons, 9 machines) for N days (default 90, or HRVEND_DAYS) as fast as the pipeline
  takes it, waits until every service has caught up (HRVEND_SETTLE_TIMEOUT seconds at most,
  default 1800; otherwise it says which is behind and exits 1 without printing a figure),
  prints a summary and writes .hrvend/out/coverage-report.{html,pdf} and
  .hrvend/out/dashboards-preview.html. --stop stops everything at the end.
TXT
      exit 0 ;;
    *) echo "unknown argument: $arg (try: npm start -- --help)" >&2; exit 2 ;;
  esac
done

OUT=.hrvend/out
hrvend() { node services/cli/bin/hrvend.js "$@"; }

bash infra/scripts/provision.sh
bash infra/scripts/deps.sh
hrvend infra up
hrvend services start all
# The prevalence estimates the pilot was generated with (modelled, not official; see the report).
hrvend coverage estimates --from-scenario pilot >/dev/null

# A fresh simulator state per run: the pilot's registry numbers its events from 1 again, so a
# second run on the same stack would collide on event keys (dead-lettered as duplicate_seq).
rm -rf .hrvend/sim
echo "[start] simulating the pilot for ${DAYS} days through MQTT → gateway → JetStream → services"
hrvend simulate --scenario pilot --days "$DAYS" --seed 42 --speed max \
  --ledger .hrvend/pilot-ledger.jsonl --state-dir .hrvend/sim
echo
# Nothing below may show a figure from a service that has not caught up: the summary first waits
# until every consumer has reached the stream's head (a line per consumer with its lag) and, if
# the deadline passes, says which is behind and prints nothing; then neither report nor preview
# is written.
if ! hrvend summary --settle --timeout "${HRVEND_SETTLE_TIMEOUT:-1800}"; then
  cat >&2 <<'TXT'
[start] the pipeline did not catch up in time, or could not be checked (see above: a consumer
        behind or missing, a stream not found), so no summary, coverage report or dashboards
        preview was written: they would show stale figures. The services keep working;
        run `npx hrvend summary --settle` later, and see the service logs in .hrvend/services/.
TXT
  exit 1
fi

mkdir -p "$OUT"
# The calendar quarter the run starts in (the pilot starts on 2026-01-05: Q1 2026), so the report
# shows quarterly figures; a shorter run shows what it has.
read -r FROM TO < <(node -e '
  const s = new Date(require("./devices/scenarios/pilot.json").start.slice(0, 10) + "T12:00:00Z");
  const q = s.getUTCMonth() - (s.getUTCMonth() % 3);
  const iso = (d) => d.toISOString().slice(0, 10);
  console.log(iso(new Date(Date.UTC(s.getUTCFullYear(), q, 1, 12))), iso(new Date(Date.UTC(s.getUTCFullYear(), q + 3, 0, 12))));')
hrvend report coverage --from "$FROM" --to "$TO" --format html --out "$OUT/coverage-report.html"
if [ -x /usr/bin/chromium ]; then
  hrvend report coverage --from "$FROM" --to "$TO" --format pdf --out "$OUT/coverage-report.pdf"
fi
hrvend dashboards preview --out "$OUT/dashboards-preview.html"

cat <<TXT

Done.
  Coverage report    $OUT/coverage-report.html$( [ -x /usr/bin/chromium ] && echo " (and .pdf)")
  Dashboards preview $OUT/dashboards-preview.html   (Grafana provisioning: dashboards/provisioning/)
  Ground truth       .hrvend/pilot-ledger.jsonl; service logs in .hrvend/services/
  More:
    npx hrvend infra status                    # the stack's URLs (PostgreSQL, NATS, MQTT)
    npx hrvend restock-plan --prison md-p13    # a prison's next visit, machine by machine
    npx hrvend alerts list                     # active alerts
  Stop:
    npx hrvend services stop && npx hrvend infra down
TXT

if [ "$STOP" = 1 ]; then
  hrvend services stop all
  hrvend infra down
  echo "[start] stopped the services and the stack (--stop)"
fi

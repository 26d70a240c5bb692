#!/bin/sh
# Scheduled exports of the quarter that has just ended (hrvend-export-report.timer,
# hrvend-export-dhis2.timer; see infra/deploy/README.md and the README's "DHIS2 and scheduled
# exports"). Usage: hrvend-export-quarter.sh report|dhis2|period
#   report  the funder coverage report (PDF) and the funder figures (XLSX, CSV) into
#           $HRVEND_REPORT_DIR/<quarter>/
#   dhis2   the quarter's WHO SMART HIV figures to DHIS2 (--push), protected as the funder
#           publication is
#   period  print the quarter and its dates (for a check: HRVEND_EXPORT_TODAY=YYYY-MM-DD)
# Environment (/etc/hrvend/export.env and /etc/hrvend/secrets/export.env): DATABASE_URL,
# HRVEND_REPORT_DIR, HRVEND_DHIS2_URL, HRVEND_DHIS2_MAPPING, HRVEND_DHIS2_FORMAT, HRVEND_DHIS2_TOKEN; DATABASE_URL is the funder role's.
# DATABASE_URL (with its password) reaches the CLI through the environment, never its arguments
# (which any local user sees in ps); the CLI takes it as --database-url's default.
set -eu

today="${HRVEND_EXPORT_TODAY:-$(date -u +%F)}"
y=${today%%-*}
m=${today#*-}
m=${m%%-*}
m=${m#0}
# The quarter before today's: its number, first and last day.
q=$(( (m - 1) / 3 ))
if [ "$q" -eq 0 ]; then y=$((y - 1)); q=4; fi
first_month=$(( (q - 1) * 3 + 1 ))
last_month=$(( first_month + 2 ))
case $last_month in 3 | 12) last_day=31 ;; *) last_day=30 ;; esac
from=$(printf '%04d-%02d-01' "$y" "$first_month")
to=$(printf '%04d-%02d-%02d' "$y" "$last_month" "$last_day")
quarter="${y}Q${q}"

# HRVEND_HOME: where the release is (/opt/hrvend; a checkout in tests).
hrvend() { node "${HRVEND_HOME:-/opt/hrvend}/services/cli/bin/hrvend.js" "$@"; }

case "${1:-}" in
  period)
    echo "$quarter $from $to"
    ;;
  report)
    : "${DATABASE_URL:?set DATABASE_URL}"
    export DATABASE_URL
    out="${HRVEND_REPORT_DIR:?set HRVEND_REPORT_DIR}/$quarter"
    mkdir -p "$out"
    hrvend report coverage --from "$from" --to "$to" --format pdf --out "$out/coverage-$quarter.pdf"
    hrvend export figures --audience funder --format xlsx --from "$from" --to "$to" \
      --out "$out/funder-figures-$quarter.xlsx"
    hrvend export figures --audience funder --format csv --from "$from" --to "$to" \
      --out "$out/funder-figures-$quarter.csv"
    ;;
  dhis2)
    mapping="${HRVEND_DHIS2_MAPPING:?set HRVEND_DHIS2_MAPPING}"
    push="${HRVEND_DHIS2_URL:?set HRVEND_DHIS2_URL}"
    : "${DATABASE_URL:?set DATABASE_URL}"
    export DATABASE_URL
    hrvend export dhis2 --period "$quarter" --mapping "$mapping" --format "${HRVEND_DHIS2_FORMAT:-json}" \
      --push "$push"
    ;;
  *)
    echo "usage: $0 report|dhis2|period" >&2
    exit 2
    ;;
esac

#!/usr/bin/env bash
# Idempotent provisioning for hrvend on Debian (bookworm): installs what is missing and nothing
# else. Never starts, stops or reconfigures the machine's own PostgreSQL / Mosquitto / NATS
# services: hrvend runs private instances of its own (see infra/README.md).
#
#   nats-server, mosquitto        from Debian
#   PostgreSQL 15                 from Debian
#   chromium                      from Debian (PDF and screenshots)
#   python3-aiosmtpd              from Debian (the notifier's end-to-end test's SMTP server)
#   libxml2-utils                 from Debian (xmllint: the ADX schema check)
#   TimescaleDB (Apache edition)  built from Debian trixie's source package, as
#                                 docs/architecture.md describes, unless already available
set -euo pipefail

PG_MAJOR="${HRVEND_PG_MAJOR:-15}"
PG_BIN="/usr/lib/postgresql/${PG_MAJOR}/bin"
SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi

log() { printf '[provision] %s\n' "$*"; }
started=$(date +%s)

have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }

apt_updated=0
apt_install() {
  local missing=()
  for p in "$@"; do have_pkg "$p" || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$apt_updated" = 0 ]; then
    log "apt-get update"
    $SUDO apt-get update -qq
    apt_updated=1
  fi
  log "installing: ${missing[*]}"
  # policy-rc.d would be heavier; Debian's maintainer scripts may start the packaged daemons,
  # which is the machine's business, not ours. We never touch their state afterwards.
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# 1. Servers from Debian.
apt_install nats-server mosquitto mosquitto-clients "postgresql-${PG_MAJOR}" "postgresql-client-${PG_MAJOR}"

# Headless Chromium for the coverage report's PDF and the screenshot tests of the HTML report
# and the dashboards preview (Debian's package; run with --headless --no-sandbox).
apt_install chromium fonts-dejavu-core

# A real SMTP server for the notifier's end-to-end test (aiosmtpd, started by the test on a
# loopback port, writing what it accepts to a Maildir; never run as a service).
apt_install python3-aiosmtpd

# xmllint (libxml2-utils): the DHIS2 export test validates ADX against its XML schema.
apt_install libxml2-utils

# 2. TimescaleDB: skip when the extension control file is already there.
ext_dir="$("${PG_BIN}/pg_config" --sharedir)/extension"
if ls "${ext_dir}"/timescaledb.control >/dev/null 2>&1; then
  log "timescaledb already available in ${ext_dir}"
else
  apt_install "postgresql-server-dev-${PG_MAJOR}" cmake build-essential dpkg-dev libssl-dev libkrb5-dev
  work="$(mktemp -d /tmp/hrvend-tsdb.XXXXXX)"
  trap 'rm -rf "$work"' EXIT
  # A temporary deb-src entry for trixie that reuses the mirror the machine's own sources name.
  mirror="$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null \
    | awk '/^[[:space:]]*#/ {next} {for (i = 1; i <= NF; i++) if ($i ~ /^https?:\/\/.*\/debian\/?$/) print $i}' \
    | head -n1 | sed 's:/*$::' || true)"
  mirror="${mirror:-http://deb.debian.org/debian}"
  srcdir="$work/apt"
  mkdir -p "$srcdir/lists/partial" "$srcdir/sources.list.d"
  echo "deb-src ${mirror} trixie main" > "$srcdir/sources.list"
  aptopts=(-o "Dir::Etc::sourcelist=$srcdir/sources.list" -o "Dir::Etc::sourceparts=$srcdir/sources.list.d"
           -o "Dir::State::Lists=$srcdir/lists" -o "APT::Get::List-Cleanup=0" -o "Acquire::Check-Valid-Until=false" -o "APT::Sandbox::User=root")
  log "fetching trixie source package timescaledb from ${mirror}"
  apt-get "${aptopts[@]}" update -qq
  (cd "$work" && apt-get "${aptopts[@]}" source --download-only -qq timescaledb >/dev/null \
     && dpkg-source -x --no-check ./timescaledb_*.dsc src >/dev/null)
  log "building TimescaleDB (Apache-only) against PostgreSQL ${PG_MAJOR}"
  buildlog=/tmp/hrvend-timescaledb-build.log
  if ! (cd "$work/src" && cmake -S . -B build -DAPACHE_ONLY=1 -DREGRESS_CHECKS=OFF -DTAP_CHECKS=OFF \
          -DUSE_TELEMETRY=OFF -DPG_CONFIG="${PG_BIN}/pg_config" -DCMAKE_BUILD_TYPE=Release \
        && make -C build -j"$(nproc)" && $SUDO make -C build install) >"$buildlog" 2>&1; then
    tail -n 40 "$buildlog" >&2
    log "TimescaleDB build failed; full log: $buildlog" >&2
    exit 1
  fi
  log "timescaledb installed into ${ext_dir}"
fi

log "done in $(( $(date +%s) - started ))s (nothing to do means a no-op)"

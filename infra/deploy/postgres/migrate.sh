#!/bin/sh
# Creates the hrvend database if needed, applies pending migrations (they also create the roles
# hrvend_writer and one per audience: hrvend_admin_national, hrvend_outreach, hrvend_funder,
# hrvend_operator, hrvend_notifier; infra/runtime/src/db/roles.ts) and sets the roles' passwords. Run on the database host as root, after every upgrade of /opt/hrvend:
#   sh /opt/hrvend/infra/deploy/postgres/migrate.sh
# It connects as the postgres superuser through the local socket (peer authentication: no
# superuser password exists anywhere). `hrvend db migrate` takes the role passwords from
# $HRVEND_STATE_DIR/secrets.json and generates any that are missing; that directory is
# root-and-postgres-only. Copy hrvend_writer's into the services' DATABASE_URL and the audiences'
# into Grafana's secrets (HRVEND_<ROLE>_DB_PASSWORD, README.md, secrets). Prison staff groups'
# logins: `hrvend access grant-admin` (README.md, database roles).
set -eu
STATE=/var/lib/postgresql/hrvend-secrets
install -d -o postgres -g postgres -m 0700 "$STATE"
cd /opt/hrvend
runuser -u postgres -- env HRVEND_STATE_DIR="$STATE" npx --no-install hrvend db migrate \
  --database-url "postgresql://postgres@localhost/hrvend?host=/var/run/postgresql"
echo "role passwords: $STATE/secrets.json (keys hrvend_writer, hrvend_admin_national, hrvend_outreach, hrvend_funder, hrvend_operator, hrvend_notifier)"

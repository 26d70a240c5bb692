#!/bin/sh
# Example: hrvend's broker accounts in Mosquitto's dynamic-security plugin (run on
# mqtt.hrvend.internal, as root, once; then one block per new source). The plugin, not acl_file,
# holds accounts and ACLs: Mosquitto 2.0.11's acl_file never checks SUBSCRIBE, so a machine could
# join the gateways' $share/ingest group and make the broker drop events handed to it (issue #14).
# The plugin checks SUBSCRIBE on the whole filter, $share/… included.
#
# Topic grammar: hr/v1/<prison>/<sourceType>/<sourceId>/<kind>, each kind with its one source
# type (schemas/src/event.ts, KIND_SOURCE_TYPE). Every source may publish only its own kinds
# under its own topic and may subscribe to nothing; only the gateways read.
#
# Passwords: the machines' and office sources' are devicePassword(deployment secret, id)
# (devices/README.md); read them from a file, never from the command line of a shared host.
set -eu
ADMIN=hrvend-admin
PORT=${MQTT_PORT:-1883}
PW=${HRVEND_MQTT_PW_DIR:-/etc/mosquitto/hrvend}
ctl() { mosquitto_ctrl -h 127.0.0.1 -p "$PORT" -u "$ADMIN" -P "$(cat "$PW/admin.pw")" dynsec "$@" >/dev/null; }

# 1. Once, before the first start (mosquitto.conf points plugin_opt_config_file here):
#    mosquitto_ctrl dynsec init /var/lib/mosquitto/dynamic-security.json hrvend-admin "$(cat $PW/admin.pw)"
#    chown mosquitto: /var/lib/mosquitto/dynamic-security.json; systemctl restart mosquitto
# 2. Nothing is allowed unless granted (init leaves publishClientReceive allowed: deny it).
ctl setDefaultACLAccess publishClientSend deny
ctl setDefaultACLAccess publishClientReceive deny
ctl setDefaultACLAccess subscribe deny
ctl setDefaultACLAccess unsubscribe allow

# 3. The gateways (both instances, account hrvend-gateway): read hr/v1, directly or through any
#    $share group (MQTT_SHARE_GROUP=ingest); publish nothing.
ctl createRole gateway
ctl addRoleACL gateway subscribePattern 'hr/v1/#' allow
ctl addRoleACL gateway subscribePattern '$share/+/hr/v1/#' allow
ctl addRoleACL gateway publishClientReceive 'hr/v1/#' allow
ctl createClient hrvend-gateway -p "$(cat "$PW/gateway.pw")"
ctl addClientRole hrvend-gateway gateway

# 4. Machines are normally onboarded with `hrvend machines add <id>` (same role and ACLs through the
#    plugin's $CONTROL API, a random password handed to the vendor in its provisioning bundle);
#    this block does the same by hand. One role and client per machine: username = clientId = machine id, the account bound to that
#    client id (-c: Mosquitto gives a client id's persistent session to whoever connects with it
#    next, so an unbound account could take over a gateway's or another machine's session); its
#    seven kinds (its will is a status) under its own prison and id, nothing else.
machine() { # prison machine-id password-file
  ctl createRole "account-$2"
  for k in dispense dispense_refused restock stock_adjustment heartbeat fault status; do
    ctl addRoleACL "account-$2" publishClientSend "hr/v1/$1/machine/$2/$k" allow
  done
  ctl createClient "$2" -c "$2" -p "$(cat "$3")"
  ctl addClientRole "$2" "account-$2"
}
machine chisinau-13 m-chisinau-13-01 "$PW/pw/m-chisinau-13-01"
machine chisinau-13 m-chisinau-13-02 "$PW/pw/m-chisinau-13-02"

# 5. Office sources, each its own account and kinds: the registry (every prison and the
#    programme), and per prison its census office and its health unit.
office() { # prison-or-+ type source-id kinds password-file
  ctl createRole "account-$3"
  for k in $4; do ctl addRoleACL "account-$3" publishClientSend "hr/v1/$1/$2/$3/$k" allow; done
  ctl createClient "$3" -c "$3" -p "$(cat "$5")"
  ctl addClientRole "$3" "account-$3"
}
office '+' registry registry "ref_prison ref_machine ref_item" "$PW/pw/registry"
office chisinau-13 census_office chisinau-13-census census "$PW/pw/chisinau-13-census"
office chisinau-13 health_unit chisinau-13-health oat "$PW/pw/chisinau-13-health"

# 6. Operators (hrvend alerts ack): an operator source, its own kinds only (alert_ack), any prison.
office '+' operator ops-ana alert_ack "$PW/pw/ops-ana"

# Check: ctl getClient m-chisinau-13-01; a machine's `mosquitto_sub -t '$share/ingest/hr/v1/#'`
# must print "Subscription denied" / SUBACK 128.

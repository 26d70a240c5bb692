import { kindsOfSourceType, mqttSourceTopic, type SourceType } from "@hrvend/schemas";
import {
  censusSourceId,
  healthSourceId,
  PROGRAMME_PRISON_ID,
  REGISTRY_SOURCE_ID,
  type Scenario,
} from "../scenario/scenario-schema";
import { devicePassword } from "./device-password";

export interface DeviceCredential {
  /** MQTT username: the source's id. */
  username: string;
  /** The only client id the account may use: the source's id too (no session takeover). */
  clientId: string;
  password: string;
  /** Topics this client may publish to (one per kind of its source type), for the broker's ACL. */
  publish: string[];
}

/**
 * The broker-side view of a scenario's sources, each with its own account (username = clientId
 * = source id, password = devicePassword(secret, id)) allowed exactly the kinds of its source
 * type under its own topic hr/v1/<prison>/<sourceType>/<sourceId>/<kind>: every machine; the
 * registry (ref_prison, ref_machine, ref_item, for the programme and every prison); and per
 * prison its census office (census) and health unit (oat). No account may subscribe.
 * Infra writes the broker's accounts from this (infra/local-stack/src/mosquitto.ts).
 */
export function deviceCredentials(scenario: Scenario, secret: string | Uint8Array): DeviceCredential[] {
  const account = (prisons: string[], type: SourceType, id: string): DeviceCredential => ({
    username: id,
    clientId: id,
    password: devicePassword(secret, id),
    publish: prisons.flatMap((p) => kindsOfSourceType(type).map((k) => mqttSourceTopic(p, type, id, k))),
  });
  const out: DeviceCredential[] = [];
  for (const p of scenario.prisons)
    for (const m of p.machines) out.push(account([p.prisonId], "machine", m.machineId));
  out.push(
    account(
      [PROGRAMME_PRISON_ID, ...scenario.prisons.map((p) => p.prisonId)],
      "registry",
      REGISTRY_SOURCE_ID,
    ),
  );
  for (const p of scenario.prisons) {
    out.push(account([p.prisonId], "census_office", censusSourceId(p.prisonId)));
    out.push(account([p.prisonId], "health_unit", healthSourceId(p.prisonId)));
  }
  return out;
}

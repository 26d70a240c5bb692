import { MQTT_PREFIX } from "@hrvend/schemas";
import { OFFICE_CLIENT_ID } from "../delivery/mqttSink";
import {
  censusSourceId,
  healthSourceId,
  PROGRAMME_PRISON_ID,
  REGISTRY_SOURCE_ID,
  type Scenario,
} from "../scenario/scenarioSchema";
import { devicePassword } from "./devicePassword";

export interface DeviceCredential {
  /** MQTT username and clientId. */
  username: string;
  password: string;
  /** Topics this client may publish to (MQTT filters), for the broker's ACL. */
  publish: string[];
}

/**
 * The broker-side view of a scenario's clients: one credential per machine (publishing only under
 * its own topic) and one for the shared office connection (census, health unit, registry).
 * Infra can write the broker's password file and ACL from this.
 */
export function deviceCredentials(scenario: Scenario, secret: string | Uint8Array): DeviceCredential[] {
  const out: DeviceCredential[] = [];
  const office: string[] = [`${MQTT_PREFIX}/${PROGRAMME_PRISON_ID}/${REGISTRY_SOURCE_ID}/+`];
  for (const p of scenario.prisons) {
    for (const m of p.machines) {
      out.push({
        username: m.machineId,
        password: devicePassword(secret, m.machineId),
        publish: [`${MQTT_PREFIX}/${p.prisonId}/${m.machineId}/+`],
      });
    }
    office.push(
      `${MQTT_PREFIX}/${p.prisonId}/${REGISTRY_SOURCE_ID}/+`,
      `${MQTT_PREFIX}/${p.prisonId}/${censusSourceId(p.prisonId)}/+`,
      `${MQTT_PREFIX}/${p.prisonId}/${healthSourceId(p.prisonId)}/+`,
    );
  }
  out.push({
    username: OFFICE_CLIENT_ID,
    password: devicePassword(secret, OFFICE_CLIENT_ID),
    publish: office,
  });
  return out;
}

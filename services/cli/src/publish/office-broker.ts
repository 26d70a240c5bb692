import { readFileSync } from "node:fs";
import { join } from "node:path";
import { devicePassword } from "@hrvend/devices";
import { applyMqttUsers, readStack, urlsOf } from "@hrvend/local-stack";
import { loadOrCreateSecrets, sourceUser } from "@hrvend/runtime";
import type { SourceType } from "@hrvend/schemas";
import type { CliConfig } from "../config";
import type { SourceBroker } from "../registry/publish";

export interface OfficeSource {
  sourceId: string;
  prisonId: string;
}

export interface BrokerOptions {
  mqttUrl?: string;
  /** A directory with one password file per source, named by the source id (infra/deploy's $PW/pw). */
  mqttPasswordDir?: string;
  mqttCaFile?: string;
}

/**
 * Each office source's own broker account (username = client id = source id, README "Who can
 * publish and read on the broker"). On a deployment (--mqtt-url) the accounts exist already
 * (infra/deploy/mosquitto/accounts.example.sh); their passwords are read from --mqtt-password-dir
 * or derived from the deployment secret (devicePassword, the deployment's rule for office
 * sources). On the local stack each account is registered now, allowed only its type's kinds
 * under its own prison and id, like the simulator's.
 */
export async function officeBrokers(
  config: CliConfig,
  type: SourceType,
  sources: readonly OfficeSource[],
  secret: string,
  o: BrokerOptions,
): Promise<Map<string, SourceBroker>> {
  const out = new Map<string, SourceBroker>();
  const ca = o.mqttCaFile === undefined ? {} : { ca: readFileSync(o.mqttCaFile, "utf8") };
  const passwordOf = (sourceId: string) => {
    if (o.mqttPasswordDir === undefined) return devicePassword(secret, sourceId);
    const file = join(o.mqttPasswordDir, sourceId);
    try {
      return readFileSync(file, "utf8").trim();
    } catch {
      throw new Error(`no password file ${file} for broker account '${sourceId}'`);
    }
  };
  if (o.mqttUrl !== undefined) {
    for (const s of sources)
      out.set(s.sourceId, { url: o.mqttUrl, username: s.sourceId, password: passwordOf(s.sourceId), ...ca });
    return out;
  }
  const state = readStack(config.stateDir);
  const broker = state?.parts.mosquitto;
  if (!state || !broker)
    throw new Error("no local stack is running (npx hrvend infra up) and no --mqtt-url was given");
  const url = urlsOf(state, loadOrCreateSecrets(config.stateDir)).mqtt;
  for (const s of sources) {
    const password = passwordOf(s.sourceId);
    await applyMqttUsers(broker.dir, broker.pid, `source-${s.sourceId}`, [
      sourceUser(s.prisonId, type, s.sourceId, password),
    ]);
    out.set(s.sourceId, { url, username: s.sourceId, password, ...ca });
  }
  return out;
}

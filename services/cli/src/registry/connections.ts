import { readFileSync } from "node:fs";
import { devicePassword } from "@hrvend/devices";
import { applyMqttUsers, readStack, urlsOf } from "@hrvend/local-stack";
import { loadOrCreateSecrets, sourceUser } from "@hrvend/runtime";
import { withCredentials } from "@hrvend/runtime/db";
import type { CliConfig } from "../config";
import type { SourceBroker } from "./publish";

/** A command's connection options; without them, the local stack's (npx hrvend infra up). */
export interface ConnectionOptions {
  databaseUrl?: string;
  mqttUrl?: string;
  mqttPasswordFile?: string;
  mqttCaFile?: string;
}

/** The database as hrvend_writer: given, or the local stack's. */
export function databaseUrlOf(config: CliConfig, given: string | undefined): string {
  if (given) return given;
  const state = readStack(config.stateDir);
  if (!state)
    throw new Error("no local stack is running (npx hrvend infra up) and no --database-url was given");
  const secrets = loadOrCreateSecrets(config.stateDir);
  return withCredentials(urlsOf(state, secrets).postgresAdmin, "hrvend_writer", secrets.hrvend_writer);
}

/**
 * The registry source's broker account: given (URL and password file: production), or on the
 * local stack registered now with a password derived from the deployment secret, allowed only
 * the registry's kinds under its own source id in every prison (like the simulator's registry).
 */
export async function registryBroker(
  config: CliConfig,
  sourceId: string,
  o: ConnectionOptions,
): Promise<SourceBroker> {
  const ca = o.mqttCaFile === undefined ? {} : { ca: readFileSync(o.mqttCaFile, "utf8") };
  if (o.mqttUrl !== undefined) {
    if (o.mqttPasswordFile === undefined)
      throw new Error(`--mqtt-url needs --mqtt-password-file (the password of broker account '${sourceId}')`);
    return {
      url: o.mqttUrl,
      username: sourceId,
      password: readFileSync(o.mqttPasswordFile, "utf8").trim(),
      ...ca,
    };
  }
  const state = readStack(config.stateDir);
  const broker = state?.parts.mosquitto;
  if (!state || !broker)
    throw new Error("no local stack is running (npx hrvend infra up) and no --mqtt-url was given");
  const secrets = loadOrCreateSecrets(config.stateDir);
  const password = devicePassword(secrets.deploymentSecret, sourceId);
  await applyMqttUsers(broker.dir, broker.pid, `registry-${sourceId}`, [
    sourceUser("+", "registry", sourceId, password),
  ]);
  return { url: urlsOf(state, secrets).mqtt, username: sourceId, password };
}

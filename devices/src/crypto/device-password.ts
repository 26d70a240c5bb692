import { createHmac } from "node:crypto";

/**
 * A machine's MQTT password: base64url(HMAC-SHA256(deployment secret, "mqtt:" + machineId)).
 * The broker's password file is generated with the same function, so no password is stored.
 */
export function devicePassword(secret: string | Uint8Array, machineId: string): string {
  return createHmac("sha256", secret).update(`mqtt:${machineId}`).digest("base64url");
}

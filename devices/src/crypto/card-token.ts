import { createHmac } from "node:crypto";

/** The deployment's card-token key: HMAC-SHA256(deployment secret, "card-token-key"). */
export function cardTokenKey(secret: string | Uint8Array): Buffer {
  return createHmac("sha256", secret).update("card-token-key").digest();
}

/**
 * What a machine sends instead of a card's UID: HMAC-SHA256(key, uid), truncated to 128 bits,
 * base64url (22 characters). The UID itself never leaves the machine (docs/architecture.md).
 */
export function cardToken(key: Uint8Array, uid: string): string {
  return createHmac("sha256", key).update(uid).digest().subarray(0, 16).toString("base64url");
}

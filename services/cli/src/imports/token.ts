import { createHmac } from "node:crypto";

/**
 * The deployment's OAT client-token key: HMAC-SHA256(deployment secret, "oat-client-token-key"),
 * a key of its own beside the card-token key (devices/src/crypto/card-token.ts), so neither token
 * can be computed from the other.
 */
export function oatClientTokenKey(secret: string | Uint8Array): Buffer {
  return createHmac("sha256", secret).update("oat-client-token-key").digest();
}

/**
 * What leaves the import instead of a health unit's own client id: HMAC-SHA256(key,
 * "<prison>:<client id>"), truncated to 128 bits, base64url (22 characters, the contract's
 * ClientToken). Scoped to the prison: each health unit numbers its own clients, so the same id in
 * two prisons is two people. Without the deployment secret, a token cannot be traced back to an id
 * by trying ids (they are often short numbers).
 */
export function oatClientToken(key: Uint8Array, prisonId: string, clientId: string): string {
  return createHmac("sha256", key)
    .update(`${prisonId}:${clientId}`)
    .digest()
    .subarray(0, 16)
    .toString("base64url");
}

import { readFileSync } from "node:fs";
import { parseEnv } from "@hrvend/runtime";
import { z } from "zod";
import type { CliConfig } from "../config";
import { deploymentSecret } from "../publish/deployment-secret";
import { oatClientTokenKey } from "./token";

const Env = z.object({ HRVEND_OAT_TOKEN_KEY_FILE: z.string().optional() });
const KEY_BYTES = 32;

/** The OAT token key file cannot be used (missing, unreadable, not a 256-bit base64url key). */
export class OatTokenKeyError extends Error {
  override readonly name = "OatTokenKeyError";
}

/** The key as the owner hands it to the health unit's host (`hrvend access oat-key`): base64url. */
export const formatOatTokenKey = (key: Uint8Array): string => `${Buffer.from(key).toString("base64url")}\n`;

/** Reads a key file written by `hrvend access oat-key`; never quotes its content. */
export function readOatTokenKey(file: string): Buffer {
  let text: string;
  try {
    text = readFileSync(file, "utf8").trim();
  } catch {
    throw new OatTokenKeyError(`cannot read the OAT token key from ${file}`);
  }
  const key = /^[A-Za-z0-9_-]+$/.test(text) ? Buffer.from(text, "base64url") : Buffer.alloc(0);
  if (key.length !== KEY_BYTES)
    throw new OatTokenKeyError(
      `${file} does not hold an OAT token key (${KEY_BYTES} bytes, base64url, as \`hrvend access oat-key\` writes it)`,
    );
  return key;
}

/**
 * The OAT client-token key for an import: from --oat-key-file or HRVEND_OAT_TOKEN_KEY_FILE (the
 * health unit's host: the key alone, not the deployment secret behind card tokens and every
 * broker password), otherwise derived from the deployment secret (the owner, the local stack).
 */
export function oatTokenKeyOf(
  config: CliConfig,
  keyFile: string | undefined,
  secretFile: string | undefined,
): Buffer {
  const file =
    keyFile ?? (parseEnv(Env, config.env, "hrvend CLI").HRVEND_OAT_TOKEN_KEY_FILE?.trim() || undefined);
  return file !== undefined ? readOatTokenKey(file) : oatClientTokenKey(deploymentSecret(config, secretFile));
}

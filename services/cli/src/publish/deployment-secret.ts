import { readFileSync } from "node:fs";
import { readStack } from "@hrvend/local-stack";
import { loadOrCreateSecrets, parseEnv } from "@hrvend/runtime";
import { z } from "zod";
import type { CliConfig } from "../config";

const Env = z.object({ HRVEND_DEPLOYMENT_SECRET: z.string().optional() });
const MIN_SECRET_CHARS = 16;

/**
 * The deployment secret (behind card tokens, OAT client tokens and source passwords): from
 * HRVEND_DEPLOYMENT_SECRET, a file given on the command line, or the local stack's
 * `.hrvend/secrets.json`; never from the repository.
 */
export function deploymentSecret(config: CliConfig, secretFile: string | undefined): string {
  const fromEnv = parseEnv(Env, config.env, "hrvend CLI").HRVEND_DEPLOYMENT_SECRET?.trim();
  let secret = fromEnv || undefined;
  if (!secret && secretFile !== undefined) {
    try {
      secret = readFileSync(secretFile, "utf8").trim();
    } catch {
      throw new Error(`cannot read the deployment secret from ${secretFile}`);
    }
  }
  if (!secret && readStack(config.stateDir)) secret = loadOrCreateSecrets(config.stateDir).deploymentSecret;
  if (!secret)
    throw new Error(
      "no deployment secret: set HRVEND_DEPLOYMENT_SECRET, give --secret-file, or run on the local stack (npx hrvend infra up)",
    );
  if (secret.length < MIN_SECRET_CHARS)
    throw new Error(`the deployment secret must be at least ${MIN_SECRET_CHARS} characters`);
  return secret;
}

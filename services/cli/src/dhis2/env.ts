import { parseEnv } from "@hrvend/runtime";
import { z } from "zod";

/** The DHIS2 personal access token, from the environment only (a flag's value would show in `ps` and shell history). */
const Env = z.object({ HRVEND_DHIS2_TOKEN: z.string().min(1).optional() });

export function dhis2Token(env: Record<string, string | undefined>): string | undefined {
  return parseEnv(Env, env, "hrvend export dhis2").HRVEND_DHIS2_TOKEN;
}

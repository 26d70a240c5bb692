import { formatProblems, problemsFromZod } from "@hrvend/schemas";
import { z } from "zod";

/** A service's environment does not satisfy its config schema; the message names each variable. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

/** Parses a service's environment once, at start, with its config schema. */
export function parseEnv<S extends z.ZodType>(
  schema: S,
  env: Record<string, string | undefined>,
  service: string,
): z.output<S> {
  const r = schema.safeParse(env);
  if (!r.success)
    throw new ConfigError(`invalid ${service} configuration: ${formatProblems(problemsFromZod(r.error))}`);
  return r.data;
}

/** A comma-separated list variable (`a, b,c`), at least one entry. */
export const CommaList = z
  .string()
  .transform((s) =>
    s
      .split(",")
      .map((x) => x.trim())
      .filter(Boolean),
  )
  .pipe(z.array(z.string()).min(1));

const FLAG_ON = ["1", "true", "yes", "on"];
const FLAG_OFF = ["", "0", "false", "no", "off"];

/**
 * An on/off variable (`HRVEND_DEBUG=1`): 1, true, yes, on turn it on; unset, empty, 0, false,
 * no, off leave it off (case-insensitive). Anything else is refused rather than guessed, so
 * `HRVEND_DEBUG=0` can never mean on.
 */
export const EnvFlag = z
  .string()
  .optional()
  .transform((s, ctx) => {
    const v = (s ?? "").trim().toLowerCase();
    if (FLAG_ON.includes(v)) return true;
    if (!FLAG_OFF.includes(v))
      ctx.addIssue({
        code: "custom",
        message: `must be one of ${[...FLAG_ON, ...FLAG_OFF.slice(1)].join(", ")}`,
      });
    return false;
  });

/**
 * A service's `main.ts` parses its environment through this: a `ConfigError` prints one line
 * naming each bad variable and exits 2 (a configuration problem, not a crash), with no stack trace.
 */
export function configOrExit<T>(service: string, load: () => T): T {
  try {
    return load();
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    console.error(`hrvend-${service}: ${e.message}`);
    process.exit(2);
  }
}

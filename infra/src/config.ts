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

/** Named errors of the simulator; each carries context a person can act on. */

/** A scenario file that cannot be used; `problems` lists each field. */
export class ScenarioError extends Error {
  override readonly name = "ScenarioError";
  constructor(
    message: string,
    readonly problems: string[] = [],
    options?: { cause?: unknown },
  ) {
    super(problems.length > 0 ? `${message}:\n  - ${problems.join("\n  - ")}` : message, options);
  }
}

/** Invalid command-line options or environment. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

/** The deployment secret is missing or unusable. */
export class SecretError extends Error {
  override readonly name = "SecretError";
}

/** The state dir belongs to another run, or its outbox disagrees with what this run generates. */
export class OutboxStateError extends Error {
  override readonly name = "OutboxStateError";
  constructor(
    message: string,
    readonly context: Record<string, unknown> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A sink (file or broker) failed in a way the run cannot recover from. */
export class SinkError extends Error {
  override readonly name = "SinkError";
  constructor(
    message: string,
    readonly context: Record<string, unknown> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Named errors of the reorder domain; each carries the context a person needs to fix the input. */

/** A time zone that is not an IANA name the runtime knows (Intl rejects it). */
export class InvalidTimeZoneError extends Error {
  override readonly name = "InvalidTimeZoneError";
  constructor(
    readonly timeZone: string,
    options?: { cause?: unknown },
  ) {
    super(`unknown time zone '${timeZone}'; expected an IANA name such as Europe/Chisinau`, options);
  }
}

/** A parameter or input figure outside its meaningful range (negative days, a window of 0 days…). */
export class InvalidParameterError extends Error {
  override readonly name = "InvalidParameterError";
  constructor(
    message: string,
    readonly context: Record<string, unknown> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

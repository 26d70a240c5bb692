/**
 * Named errors of the local-time module. Each is a RangeError (what Intl and Temporal throw for the
 * same mistakes), so a caller that caught RangeError before keeps catching it.
 */

/** A time zone that is not an IANA name the runtime knows. */
export class InvalidTimeZoneError extends RangeError {
  override readonly name = "InvalidTimeZoneError";
  constructor(
    readonly timeZone: string,
    options?: { cause?: unknown },
  ) {
    super(`unknown time zone '${timeZone}'; expected an IANA name such as Europe/Chisinau`, options);
  }
}

/** A string that is not a calendar date `YYYY-MM-DD` (2026-02-30 included). */
export class InvalidDateError extends RangeError {
  override readonly name = "InvalidDateError";
  constructor(readonly date: string) {
    super(`'${date}' is not a calendar date YYYY-MM-DD`);
  }
}

/** A value that is not an instant (epoch ms, or an ISO 8601 date-time with its offset). */
export class InvalidInstantError extends RangeError {
  override readonly name = "InvalidInstantError";
  constructor(readonly instant: unknown) {
    super(`not an instant: ${String(instant)}`);
  }
}

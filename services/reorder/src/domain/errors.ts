/** Named errors of the reorder domain; each carries the context a person needs to fix the input. */

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

/** A server of the local stack could not be started, reached or stopped. */
export class InfraError extends Error {
  override readonly name = "InfraError";
  constructor(
    message: string,
    readonly context: Record<string, unknown> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

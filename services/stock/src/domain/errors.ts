/** Named errors of the stock domain; each carries context a person can act on. The edge decides what to do. */

/** An event was handed to the state of another machine: a routing bug in the adapter. */
export class MachineMismatchError extends Error {
  override readonly name = "MachineMismatchError";
  constructor(
    readonly context: { stateMachineId: string; eventMachineId: string; key: string },
    options?: { cause?: unknown },
  ) {
    super(
      `event ${context.key} of machine '${context.eventMachineId}' was applied to the state of '${context.stateMachineId}'`,
      options,
    );
  }
}

/** An alert command or action does not fit the alert's lifecycle (e.g. acknowledging a cleared alert). */
export class AlertLifecycleError extends Error {
  override readonly name = "AlertLifecycleError";
  constructor(
    message: string,
    readonly context: { alertId: string; action: string },
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A time that is not an ISO 8601 date-time (device times and `at` arguments must be). */
export class InvalidTimeError extends Error {
  override readonly name = "InvalidTimeError";
  constructor(
    readonly value: string,
    options?: { cause?: unknown },
  ) {
    super(`'${value}' is not an ISO 8601 date-time`, options);
  }
}

/**
 * What a consumer does with a write that failed (invariant 6: no message blocks a stream).
 *
 * - `transient`: the world is at fault (database down or restarting, connection lost, a
 *   serialization failure or deadlock, a deployment error such as a missing table or privilege
 *   that hits every message alike). Retried without bound and never parked: parking then would
 *   park good messages.
 * - `poison`: the message is at fault and will fail the same way every time (PostgreSQL data
 *   exceptions, class 22; integrity violations that no retry changes; a message that does not
 *   decode or fails the contract; a service's named domain refusal). Parked at once.
 * - `unknown`: anything else. Retried a bounded number of times, then parked.
 */
export type FailureVerdict = "transient" | "poison" | "unknown";

/**
 * A service's domain cannot apply an event the contract accepted: thrown by a write, it parks the
 * message at once. Services may also give their own errors `readonly poison = true`.
 */
export class UnapplicableEventError extends Error {
  override readonly name = "UnapplicableEventError";
  readonly poison = true;
  constructor(
    message: string,
    readonly context: Record<string, unknown> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

// SQLSTATE classes and codes (PostgreSQL manual, Appendix A "PostgreSQL Error Codes").
const TRANSIENT_CLASSES = new Set([
  "08", // connection exception
  "53", // insufficient resources (disk full, out of memory, too many connections)
  "57", // operator intervention (admin/crash shutdown, cannot connect now, query canceled)
  "58", // system error (I/O)
  "XX", // internal error
  "42", // syntax error or access rule violation: a deployment fault (missing table, privilege), hits every message
  "3D", // invalid catalog name (database missing)
  "3F", // invalid schema name
  "28", // invalid authorization specification
  "25", // invalid transaction state (read-only replica after a failover)
  "55", // object not in prerequisite state (lock not available)
  "0A", // feature not supported (an extension missing)
  "F0", // configuration file error
]);
const TRANSIENT_CODES = new Set(["40001", "40P01", "40003"]); // serialization failure, deadlock, statement completion unknown
const POISON_CLASSES = new Set([
  "22", // data exception: NUL, bad encoding, out-of-range timestamps and numbers, invalid JSON text
  "54", // program limit exceeded (a value too large for a row, an index or jsonb)
]);
/** Integrity violations that a retry cannot change. 23505 (unique) may be a race between writers. */
const POISON_CODES = new Set(["23502", "23503", "23514", "23P01", "23000", "23001"]);

/** Node and pg errors without a SQLSTATE that mean the connection, not the message, failed. */
const TRANSIENT_NODE_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "ETIMEDOUT",
  "EPIPE",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EADDRNOTAVAIL",
]);
const TRANSIENT_MESSAGES = [
  /connection terminated/i,
  /connection timeout/i,
  /timeout exceeded when trying to connect/i,
  /client has encountered a connection error/i,
  /cannot use a pool after calling end/i,
  /driver has already been destroyed/i,
  /connection is closed/i,
  /not queryable/i,
];

interface Coded {
  code?: unknown;
  name?: unknown;
  message?: unknown;
  poison?: unknown;
  cause?: unknown;
}

function sqlState(err: Coded): string | undefined {
  return typeof err.code === "string" && /^[0-9A-Z]{5}$/.test(err.code) ? err.code : undefined;
}

/** Pure: what a failed write's error says about retrying. */
export function classifyFailure(err: unknown): FailureVerdict {
  if (typeof err !== "object" || err === null) return "unknown";
  const e = err as Coded;
  if (e.poison === true) return "poison";
  const state = sqlState(e);
  if (state !== undefined) {
    if (TRANSIENT_CODES.has(state) || TRANSIENT_CLASSES.has(state.slice(0, 2))) return "transient";
    if (POISON_CODES.has(state) || POISON_CLASSES.has(state.slice(0, 2))) return "poison";
    return "unknown";
  }
  if (typeof e.code === "string" && TRANSIENT_NODE_CODES.has(e.code)) return "transient";
  const message = typeof e.message === "string" ? e.message : "";
  if (TRANSIENT_MESSAGES.some((re) => re.test(message))) return "transient";
  // A message that does not decode (JSON.parse), fails a zod contract, or breaks a pure domain
  // function (a value it cannot take): the same every time.
  if (e.name === "SyntaxError" || e.name === "ZodError" || e.name === "ContractError") return "poison";
  // By class, not name: the time module's InvalidDateError and kin are RangeErrors with names of their own.
  if (
    err instanceof TypeError ||
    err instanceof RangeError ||
    e.name === "TypeError" ||
    e.name === "RangeError"
  )
    return "poison";
  if (e.cause !== undefined && e.cause !== err) {
    const inner = classifyFailure(e.cause);
    if (inner !== "unknown") return inner;
  }
  return "unknown";
}

/** A failure as it is stored and shown: never a byte of the payload. */
export interface FailureDescription {
  /** PostgreSQL's condition class (e.g. `data_exception`), `json`, `contract`, or the error's name. */
  errorClass: string;
  /** SQLSTATE, or the error's name. */
  code: string;
  /** The error's message with every quoted value, byte dump and control character removed. */
  message: string;
}

const PG_CLASS_NAMES: Record<string, string> = {
  "08": "connection_exception",
  "22": "data_exception",
  "23": "integrity_constraint_violation",
  "25": "invalid_transaction_state",
  "40": "transaction_rollback",
  "42": "syntax_error_or_access_rule_violation",
  "53": "insufficient_resources",
  "54": "program_limit_exceeded",
  "55": "object_not_in_prerequisite_state",
  "57": "operator_intervention",
  "58": "system_error",
  P0: "plpgsql_error",
  XX: "internal_error",
};

const MAX_MESSAGE = 300;

/**
 * Removes what could be payload bytes from an error message: PostgreSQL and V8 quote the
 * offending value (`invalid input syntax for type integer: "…"`, `Unexpected token 'x', "{…" is
 * not valid JSON`) and dump bytes (`0x00 0x41`). Quoted spans become `"…"`, byte dumps `0x…`,
 * token-like runs (16+ base64 characters) `…`, control characters and lone surrogates go, and
 * the text is capped.
 */
export function redactMessage(message: string): string {
  const out = message
    .replace(/"(?:[^"\\]|\\.)*"?/g, '"…"')
    .replace(/'(?:[^'\\]|\\.)*'?/g, "'…'")
    .replace(/`[^`]*`?/g, "`…`")
    .replace(/\b0x[0-9a-fA-F]+(?:\s+0x[0-9a-fA-F]+)*/g, "0x…")
    // A card or client token (base64url, 22 characters) or anything like it, unquoted in a
    // service's own message: no word of the domain's vocabulary is this long without a break.
    .replace(/[A-Za-z0-9_+/=]{16,}/g, "…")
    // biome-ignore lint/suspicious/noControlCharactersInRegex: removing them is the point
    .replace(/[\u0000-\u001f\u007f]+/g, " ")
    .replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, "");
  return out.length > MAX_MESSAGE ? `${out.slice(0, MAX_MESSAGE - 1)}…` : out;
}

/** Pure: the stored description of a failure (class, code, message without payload bytes). */
export function describeFailure(err: unknown): FailureDescription {
  if (typeof err !== "object" || err === null)
    return { errorClass: "unknown", code: "unknown", message: redactMessage(String(err)) };
  const e = err as Coded;
  const name = typeof e.name === "string" && e.name.length > 0 ? e.name : "Error";
  const state = sqlState(e);
  if (state !== undefined) {
    const cls = PG_CLASS_NAMES[state.slice(0, 2)] ?? `class_${state.slice(0, 2)}`;
    return { errorClass: cls, code: state, message: redactMessage(String(e.message ?? "")) };
  }
  if (name === "SyntaxError")
    // V8's JSON.parse messages quote the text around the error: say only what failed.
    return { errorClass: "json", code: "SyntaxError", message: "the message is not valid JSON" };
  if (name === "ZodError") {
    const issues = (err as { issues?: { path?: unknown[]; code?: unknown }[] }).issues ?? [];
    const parts = issues
      .slice(0, 5)
      .map((i) => `${(i.path ?? []).map(String).join(".") || "(root)"}: ${String(i.code ?? "invalid")}`);
    return {
      errorClass: "contract",
      code: "ZodError",
      message: redactMessage(`the message fails the contract (${parts.join("; ")})`),
    };
  }
  return {
    errorClass: e.poison === true ? "domain" : name,
    code: typeof e.code === "string" ? redactMessage(e.code).slice(0, 40) : name,
    message: redactMessage(String(e.message ?? "")),
  };
}

/** Thrown out of writeOrPark when the consumer must stop: not its partition any more, or stopping. */
export class ConsumerHaltedError extends Error {
  override readonly name = "ConsumerHaltedError";
  constructor(options: { cause: unknown }) {
    super("consumer halted", options);
  }
}

export interface WriteOrParkDeps<M> {
  /** Writes the messages in one transaction with the position moved to the last one. */
  write(msgs: M[]): Promise<void>;
  /** Stores the message as parked and moves the position past it, in one transaction. */
  park(msg: M, failure: { error: unknown; verdict: FailureVerdict; tries: number }): Promise<void>;
  /** An error that ends the consumer (another instance owns the position). */
  isFatal(err: unknown): boolean;
  /** True once the consumer is stopping: a failure then halts instead of retrying. */
  stopping(): boolean;
  onError(err: unknown): void;
  sleep(ms: number): Promise<void>;
  /** Tries of an `unknown` failure before the batch is split / the message parked (≥ 1). */
  maxTries: number;
}

/** Backoff before retry `attempt` (0-based): 200 ms doubling, at most 5 s. */
export const backoffMs = (attempt: number) => Math.min(200 * 2 ** attempt, 5_000);

/**
 * Writes a batch; if it fails for the message's sake (a poison verdict, or an unknown one after
 * maxTries), splits it in halves and writes each (bisecting down to the poison), and parks a
 * single message that still fails. Transient failures are retried without bound and park nothing.
 * `suspect`: the enclosing batch already used its tries on an unknown failure, so the halves
 * split at their first unknown failure (a single message still gets maxTries).
 */
export async function writeOrPark<M>(msgs: M[], d: WriteOrParkDeps<M>, suspect = false): Promise<void> {
  if (msgs.length === 0) return;
  for (let attempt = 0; ; attempt++) {
    let verdict: FailureVerdict;
    let error: unknown;
    try {
      await d.write(msgs);
      return;
    } catch (err) {
      d.onError(err);
      if (d.isFatal(err) || d.stopping()) throw new ConsumerHaltedError({ cause: err });
      error = err;
      verdict = classifyFailure(err);
    }
    const tries = attempt + 1;
    const single = msgs.length === 1;
    const giveUp =
      verdict === "poison" || (verdict === "unknown" && (tries >= d.maxTries || (suspect && !single)));
    if (!giveUp) {
      await d.sleep(backoffMs(attempt));
      continue;
    }
    if (!single) {
      const mid = Math.ceil(msgs.length / 2);
      const unknownExhausted = verdict === "unknown";
      await writeOrPark(msgs.slice(0, mid), d, unknownExhausted);
      await writeOrPark(msgs.slice(mid), d, unknownExhausted);
      return;
    }
    await parkWithRetry(msgs[0] as M, { error, verdict, tries }, d);
    return;
  }
}

async function parkWithRetry<M>(
  msg: M,
  failure: { error: unknown; verdict: FailureVerdict; tries: number },
  d: WriteOrParkDeps<M>,
): Promise<void> {
  // Parking must not lose the message either: until it is stored, nothing moves past it.
  for (let attempt = 0; ; attempt++) {
    try {
      await d.park(msg, failure);
      return;
    } catch (err) {
      d.onError(err);
      if (d.isFatal(err) || d.stopping()) throw new ConsumerHaltedError({ cause: err });
      await d.sleep(backoffMs(attempt));
    }
  }
}

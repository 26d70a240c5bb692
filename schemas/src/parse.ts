import { ContractError, formatProblems, problemsFromZod } from "./errors";
import { EVENT_KINDS, EVENT_SCHEMAS, type EventKind, type HrEvent } from "./event";

/** Payloads above this are rejected unread: real messages are well under 4 KiB. */
export const MAX_PAYLOAD_BYTES = 16 * 1024;

/** Parses raw bytes (MQTT payload, NATS data, a JSONL line) into a valid event, or throws ContractError. */
export function parseEventBytes(bytes: Uint8Array | string): HrEvent {
  const size = typeof bytes === "string" ? Buffer.byteLength(bytes) : bytes.byteLength;
  if (size > MAX_PAYLOAD_BYTES) {
    throw new ContractError(
      "oversize",
      `payload is ${size} bytes; the limit is ${MAX_PAYLOAD_BYTES} bytes`,
      [],
      {
        size,
      },
    );
  }
  const text = typeof bytes === "string" ? bytes : Buffer.from(bytes).toString("utf8");
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new ContractError(
      "malformed_json",
      `payload is not valid JSON: ${(cause as Error).message}`,
      [],
      {},
      { cause },
    );
  }
  return parseEvent(json);
}

/** Validates an already-decoded value against the contract. */
export function parseEvent(value: unknown): HrEvent {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ContractError("schema", `payload must be a JSON object, got ${describe(value)}`, [
      { path: "", message: `expected an object, received ${describe(value)}` },
    ]);
  }
  const kind = (value as { kind?: unknown }).kind;
  // Own keys only: `kind: "constructor"` must be an unknown kind, not a crash on Object.prototype.
  if (typeof kind !== "string" || !Object.hasOwn(EVENT_SCHEMAS, kind)) {
    const problem = {
      path: "kind",
      message:
        kind === undefined
          ? `missing; expected one of ${EVENT_KINDS.join(", ")}`
          : `unknown kind ${JSON.stringify(kind)}; expected one of ${EVENT_KINDS.join(", ")}`,
    };
    throw new ContractError("unknown_kind", formatProblems([problem]), [problem]);
  }
  const result = EVENT_SCHEMAS[kind as EventKind].safeParse(value, { reportInput: true });
  if (!result.success) {
    const problems = problemsFromZod(result.error);
    throw new ContractError("schema", `invalid ${kind}: ${formatProblems(problems)}`, problems, { kind });
  }
  return result.data as HrEvent;
}

function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  return /^[aeiou]/.test(typeof v) ? `an ${typeof v}` : `a ${typeof v}`;
}

import { compiledSchema } from "./compiled-schemas";
import { isContractField } from "./contract-fields";
import { ContractError, describeValue, type FieldProblem, formatProblems, problemsFromZod } from "./errors";
import { EVENT_KINDS, EVENT_SCHEMAS, type EventKind, type HrEvent } from "./event";
import { isStorableText, jsonTextProblems } from "./json-text";

/** Payloads above this are rejected unread: real messages are well under 4 KiB. */
export const MAX_PAYLOAD_BYTES = 16 * 1024;

/**
 * Strict UTF-8: an invalid byte sequence is a malformed payload, not a U+FFFD silently accepted.
 * The BOM is kept, so JSON.parse refuses it like PostgreSQL's jsonb does.
 */
const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

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
  let text: string;
  if (typeof bytes === "string") {
    if (!isWellFormed(bytes))
      throw new ContractError("malformed_json", "payload is not well-formed Unicode (an unpaired surrogate)");
    text = bytes;
  } else {
    try {
      text = utf8.decode(bytes);
    } catch (cause) {
      throw new ContractError(
        "malformed_json",
        `payload is not valid UTF-8 (${size} bytes; first invalid byte at offset ${firstInvalidUtf8(bytes)})`,
        [],
        {},
        { cause },
      );
    }
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    // V8's message quotes the text around the error, which may be a raw card UID: keep only the position.
    const at = /at position (\d+)/.exec((cause as Error).message)?.[1];
    throw new ContractError(
      "malformed_json",
      `payload is not valid JSON (${text.length} characters${at === undefined ? "" : `; the first error is at character ${at}`})`,
      [],
      {},
      { cause },
    );
  }
  const problems = jsonTextProblems(text, isContractField, json);
  if (problems.length > 0) {
    const kind = kindOf(json);
    throw new ContractError(
      "schema",
      `invalid ${kind ?? "event"}: ${formatProblems(problems)}`,
      problems,
      kind ? { kind } : {},
    );
  }
  return validate(json);
}

/** Validates an already-decoded value against the contract. */
export function parseEvent(value: unknown): HrEvent {
  const problems = valueTextProblems(value);
  if (problems.length > 0) {
    const kind = kindOf(value);
    throw new ContractError(
      "schema",
      `invalid ${kind ?? "event"}: ${formatProblems(problems)}`,
      problems,
      kind ? { kind } : {},
    );
  }
  return validate(value);
}

/** The contract's checks on a decoded value whose text (if any) has already been checked. */
function validate(value: unknown): HrEvent {
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
          : `unknown kind (${describeValue(kind)}); expected one of ${EVENT_KINDS.join(", ")}`,
    };
    throw new ContractError("unknown_kind", formatProblems([problem]), [problem]);
  }
  // The compiled fast path; anything it does not accept is parsed again by zod's runtime for the issues.
  const result = compiledSchema(kind as EventKind).safeParse(value, { reportInput: true });
  if (!result.success) {
    const problems = problemsFromZod(result.error);
    throw new ContractError("schema", `invalid ${kind}: ${formatProblems(problems)}`, problems, { kind });
  }
  return result.data as HrEvent;
}

/** The event's kind when it is one of the contract's (its name is then contract vocabulary). */
function kindOf(value: unknown): EventKind | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const kind = (value as { kind?: unknown }).kind;
  return typeof kind === "string" && Object.hasOwn(EVENT_SCHEMAS, kind) ? (kind as EventKind) : undefined;
}

/** NUL and unpaired surrogates in any string (keys included) of a decoded value, by path. */
function valueTextProblems(value: unknown): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const name = (key: string) => (isContractField(key) ? key : "(unknown field)");
  const visit = (v: unknown, path: string): void => {
    if (typeof v === "string") {
      if (!isStorableText(v)) problems.push({ path, message: TEXT_RULE });
    } else if (Array.isArray(v)) {
      for (const [i, item] of v.entries()) visit(item, path ? `${path}.${i}` : String(i));
    } else if (typeof v === "object" && v !== null) {
      for (const [key, item] of Object.entries(v)) {
        const at = path ? `${path}.${name(key)}` : name(key);
        if (!isStorableText(key)) problems.push({ path: at, message: `field name ${TEXT_RULE}` });
        visit(item, at);
      }
    }
  };
  visit(value, "");
  return problems;
}

const TEXT_RULE =
  "must not contain a NUL character or an unpaired UTF-16 surrogate: PostgreSQL cannot store them";

function isWellFormed(s: string): boolean {
  return (s as unknown as { isWellFormed(): boolean }).isWellFormed();
}

/** Offset of the first byte that starts no valid UTF-8 sequence (RFC 3629), for the reason text. */
function firstInvalidUtf8(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i] as number;
    if (c < 0x80) {
      i++;
      continue;
    }
    const need = c >= 0xc2 && c <= 0xdf ? 1 : c >= 0xe0 && c <= 0xef ? 2 : c >= 0xf0 && c <= 0xf4 ? 3 : 0;
    if (need === 0) return i;
    // Second-byte limits exclude overlong forms, surrogates (ED A0-BF) and code points above U+10FFFF.
    const lo = c === 0xe0 ? 0xa0 : c === 0xf0 ? 0x90 : 0x80;
    const hi = c === 0xed ? 0x9f : c === 0xf4 ? 0x8f : 0xbf;
    const second = b[i + 1];
    if (second === undefined || second < lo || second > hi) return i;
    for (let k = 2; k <= need; k++) {
      const next = b[i + k];
      if (next === undefined || next < 0x80 || next > 0xbf) return i;
    }
    i += need + 1;
  }
  return -1;
}

function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  return /^[aeiou]/.test(typeof v) ? `an ${typeof v}` : `a ${typeof v}`;
}

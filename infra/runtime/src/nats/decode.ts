import type { EventKind, HrEvent } from "@hrvend/schemas";

/**
 * The one decoder of stream messages every consumer uses. Invalid UTF-8 becomes U+FFFD (as
 * `Buffer#toString` does), so the JSON parser, not the decoder, decides; a SyntaxError here is a
 * poison message (`nats/failure.ts`) and is parked, never retried.
 */
export function decodeJson(m: { data: Uint8Array }, opts: { strictUtf8?: boolean } = {}): unknown {
  if (opts.strictUtf8) return JSON.parse(STRICT.decode(m.data));
  return JSON.parse(bytes(m.data).toString("utf8"));
}

/** `strictUtf8`: invalid UTF-8 anywhere throws a TypeError (poison) instead of becoming U+FFFD. */
const STRICT = new TextDecoder("utf-8", { fatal: true });

const bytes = (d: Uint8Array): Buffer => Buffer.from(d.buffer, d.byteOffset, d.byteLength);

/**
 * An event as the gateway admitted it onto an events stream: validated against the contract
 * there (`@hrvend/schemas`), so consumers do not validate it again.
 */
export const decodeEvent = (m: { data: Uint8Array }): HrEvent => decodeJson(m) as HrEvent;

/** A stream message as the consumers read it (a parked message re-applied has its subject too). */
export interface StreamMessage {
  data: Uint8Array;
  subject?: string;
}

/**
 * Every message of a batch, in order; with `ignore`, the messages whose subject names one of
 * those kinds are left out undecoded (heartbeats are 89 % of the pilot's events and 99 % of the
 * estate's). The gateway derives the subject from the event it validated, so the subject's kind
 * is the event's. The batch is still written whole, so the position moves past them.
 */
export function decodeEvents(
  batch: readonly StreamMessage[],
  opts: { ignore?: ReadonlySet<EventKind> } = {},
): HrEvent[] {
  const ignore = opts.ignore;
  if (ignore === undefined || ignore.size === 0) return batch.map(decodeEvent);
  const out: HrEvent[] = [];
  for (const m of batch) if (!isKindIn(m, ignore)) out.push(decodeEvent(m));
  return out;
}

/** Whether the message's subject names one of `kinds` (false without a subject: decode it). */
export function isKindIn(m: StreamMessage, kinds: ReadonlySet<string>): boolean {
  const kind = m.subject === undefined ? undefined : subjectKind(m.subject);
  return kind !== undefined && kinds.has(kind);
}

/**
 * The kind token of an events subject, `hr.v1.<prison>.<source>.<kind>` or partitioned
 * `hr.v1.<prison>.<source>.<kind>.<partition>`: the fifth token; undefined for a shorter subject.
 */
export function subjectKind(subject: string): string | undefined {
  const at = tokenStart(subject, 4);
  if (at < 0) return undefined;
  const end = subject.indexOf(".", at);
  return end < 0 ? subject.slice(at) : subject.slice(at, end);
}

/** The prison token of an events subject (the third), undefined for a shorter subject. */
export function subjectPrison(subject: string): string | undefined {
  const at = tokenStart(subject, 2);
  if (at < 0) return undefined;
  const end = subject.indexOf(".", at);
  return end < 0 ? undefined : subject.slice(at, end);
}

function tokenStart(subject: string, token: number): number {
  let at = 0;
  for (let n = 0; n < token; n++) {
    const dot = subject.indexOf(".", at);
    if (dot < 0) return -1;
    at = dot + 1;
  }
  return at;
}

/**
 * The value of a top-level string member of a JSON object (e.g. a heartbeat's `deviceTime`)
 * read from the bytes without parsing the whole message, or undefined whenever that is not
 * certain, and the caller parses the message instead: the member's name must occur exactly once
 * as `"name"` with only whitespace before the colon, and its value must be a plain string
 * (no escapes). A JSON string cannot hold an unescaped quote, so a `"name"` whose opening quote
 * is not escaped and which is followed by a colon is a member name; contract-validated events
 * are flat for the fields read this way (the caller's contract says so, not this function).
 */
export function peekStringMember(data: Uint8Array, name: string): string | undefined {
  const needle = needleOf(name);
  const at = find(data, needle, 0);
  if (at < 0 || find(data, needle, at + 1) >= 0) return undefined;
  if (at > 0 && data[at - 1] === BACKSLASH) return undefined;
  let i = skipSpace(data, at + needle.length);
  if (data[i] !== COLON) return undefined;
  i = skipSpace(data, i + 1);
  if (data[i] !== QUOTE) return undefined;
  let ascii = true;
  let end = i + 1;
  for (; end < data.length; end++) {
    const c = data[end] as number;
    if (c === QUOTE) break;
    if (c === BACKSLASH) return undefined;
    if (c >= 0x80) ascii = false;
  }
  if (end >= data.length) return undefined;
  if (!ascii) return bytes(data).toString("utf8", i + 1, end);
  return String.fromCharCode.apply(null, data.subarray(i + 1, end) as unknown as number[]);
}

/** The first index of `needle` in `data` from `from`, or −1 (a plain scan: messages are small). */
function find(data: Uint8Array, needle: Uint8Array, from: number): number {
  const first = needle[0];
  const last = data.length - needle.length;
  outer: for (let i = from; i <= last; i++) {
    if (data[i] !== first) continue;
    for (let j = 1; j < needle.length; j++) if (data[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

const NEEDLES = new Map<string, Uint8Array>();
function needleOf(name: string): Uint8Array {
  let n = NEEDLES.get(name);
  if (n === undefined) {
    n = new TextEncoder().encode(`"${name}"`);
    NEEDLES.set(name, n);
  }
  return n;
}

const BACKSLASH = 0x5c;
const COLON = 0x3a;
const QUOTE = 0x22;

function skipSpace(b: Uint8Array, i: number): number {
  while (i < b.length && (b[i] === 0x20 || b[i] === 0x09 || b[i] === 0x0a || b[i] === 0x0d)) i++;
  return i;
}

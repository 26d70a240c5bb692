import type { DeadSeq } from "./domain";

/**
 * Which machine seq a dead letter says will never be in the events stream, if it says so. The
 * source is the topic's source level (the broker's ACL ties it to the publishing client); the
 * seq is read from the payload's first bytes, which the dead letter keeps (as base64, or as text
 * in older streams). A payload naming another machine is ignored (its seq is not the source's),
 * and so is `duplicate_seq`: that seq is in the stream (the first one stands).
 */
export function deadSeqOf(letter: unknown): DeadSeq | undefined {
  if (typeof letter !== "object" || letter === null) return undefined;
  const l = letter as Record<string, unknown>;
  const source = l.source;
  if (typeof source !== "string" || source.length === 0 || l.reason === "duplicate_seq") return undefined;
  const receivedAt = typeof l.receivedAt === "string" ? l.receivedAt : undefined;
  if (receivedAt === undefined || Number.isNaN(Date.parse(receivedAt))) return undefined;
  const text =
    typeof l.payloadExcerptBase64 === "string"
      ? Buffer.from(l.payloadExcerptBase64, "base64").toString("utf8")
      : typeof l.payloadExcerpt === "string"
        ? l.payloadExcerpt
        : undefined;
  if (text === undefined) return undefined;
  let seq: number | undefined;
  try {
    const p = JSON.parse(text) as Record<string, unknown>;
    if (typeof p !== "object" || p === null) return undefined;
    if (p.machineId !== source) return undefined;
    seq = typeof p.seq === "number" ? p.seq : undefined;
  } catch {
    // Cut at the excerpt's length or malformed: the envelope's first fields usually survive.
    const named = /"machineId"\s*:\s*"([^"]*)"/.exec(text)?.[1];
    if (named !== undefined && named !== source) return undefined;
    const m = /"seq"\s*:\s*(\d{1,15})(?![\d.eE])/.exec(text);
    seq = m === null ? undefined : Number(m[1]);
  }
  if (seq === undefined || !Number.isSafeInteger(seq) || seq < 1) return undefined;
  return { machineId: source, seq, reason: typeof l.reason === "string" ? l.reason : "unknown", receivedAt };
}

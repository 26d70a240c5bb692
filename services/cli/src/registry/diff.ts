import { type EventOf, type HrEvent, parseEvent, SCHEMA_VERSION } from "@hrvend/schemas";
import { PROGRAMME_PRISON_ID, type RegistryFile } from "./file";

export type RefKind = "ref_item" | "ref_prison" | "ref_machine";
type Envelope = "v" | "sourceId" | "seq" | "time";
/** A reference event without its envelope: what the registry says about one prison, machine or item. */
export type RefBody =
  | Omit<EventOf<"ref_item">, Envelope>
  | Omit<EventOf<"ref_prison">, Envelope>
  | Omit<EventOf<"ref_machine">, Envelope>;

export const REF_KINDS: readonly RefKind[] = ["ref_item", "ref_prison", "ref_machine"];
const NOUN: Record<RefKind, string> = { ref_item: "item", ref_prison: "prison", ref_machine: "machine" };

/** The entity a reference event describes: its item, prison or machine id. */
export function entityOf(b: RefBody): string {
  switch (b.kind) {
    case "ref_item":
      return b.itemId;
    case "ref_prison":
      return b.prisonId;
    case "ref_machine":
      return b.machineId;
  }
}

const keyOf = (b: RefBody) => `${b.kind}/${entityOf(b)}`;

/**
 * What the file says, as reference events in publishing order: items first (slots name them),
 * then each prison before its machines, so every consumer learns a prison before its machines.
 */
export function desiredBodies(f: RegistryFile): RefBody[] {
  const out: RefBody[] = f.items.map((i) => ({
    kind: "ref_item",
    prisonId: PROGRAMME_PRISON_ID,
    itemId: i.id,
    name: i.name,
    category: i.category,
    syringesPerUnit: i.syringesPerUnit,
    tracksLots: i.tracksLots,
  }));
  for (const p of f.prisons) {
    out.push({
      kind: "ref_prison",
      prisonId: p.id,
      name: p.name,
      timeZone: p.timeZone,
      capacity: p.capacity,
      injectingPrevalence: p.injectingPrevalence,
      opioidDependencePrevalence: p.opioidDependencePrevalence,
      oatCapacity: p.oatCapacity,
    });
    for (const m of p.machines)
      out.push({
        kind: "ref_machine",
        prisonId: p.id,
        machineId: m.id,
        location: m.location,
        active: m.active,
        slots: m.slots.map((s) => ({ slotId: s.id, itemId: s.item, capacity: s.capacity })),
      });
  }
  return out;
}

export interface Change {
  /** republish: unchanged, published again on request (`--republish`). */
  action: "add" | "change" | "deactivate" | "republish";
  kind: RefKind;
  id: string;
  /** For a change: each field that differs, `field: before → after`. */
  fields: string[];
  /** The event body to publish. */
  body: RefBody;
}

export interface RegistryDiff {
  changes: Change[];
  /** Prisons and items the registry knows but the file leaves out: kept (the contract has no removal). */
  kept: { kind: RefKind; id: string }[];
}

/**
 * What must be published to turn the registry as the pipeline knows it (`current`: the latest
 * event per entity from this source) into what the file says. Same content, nothing to publish:
 * applying a file twice publishes nothing the second time. A machine the registry has active
 * and the file leaves out is deactivated (a ref_machine with active false); a prison or item
 * left out is kept and listed, because the contract has no event that removes one.
 */
export function diffRegistry(current: RefBody[], desired: RefBody[]): RegistryDiff {
  const known = new Map(current.map((b) => [keyOf(b), b]));
  const wanted = new Set(desired.map(keyOf));
  const changes: Change[] = [];
  for (const body of desired) {
    const was = known.get(keyOf(body));
    const base = { kind: body.kind, id: entityOf(body), body };
    if (was === undefined) changes.push({ ...base, action: "add", fields: [] });
    else {
      const fields = changedFields(was, body);
      if (fields.length > 0) changes.push({ ...base, action: "change", fields });
    }
  }
  const kept: RegistryDiff["kept"] = [];
  for (const was of current) {
    if (wanted.has(keyOf(was))) continue;
    if (was.kind === "ref_machine") {
      if (was.active)
        changes.push({
          action: "deactivate",
          kind: was.kind,
          id: was.machineId,
          fields: ["active: true → false (not in the file)"],
          body: { ...was, active: false },
        });
    } else kept.push({ kind: was.kind, id: entityOf(was) });
  }
  return { changes, kept };
}

/**
 * Everything the file says, changed or not, in publishing order, then the deactivations: for
 * `--republish`, which repairs a deployment whose stream and registry bucket lost the reference
 * events while the recorder still has them (so the diff finds nothing to publish).
 */
export function republishAll(diff: RegistryDiff, desired: RefBody[]): Change[] {
  const changed = new Map(diff.changes.map((c) => [keyOf(c.body), c]));
  const all = desired.map(
    (body): Change =>
      changed.get(keyOf(body)) ?? {
        action: "republish",
        kind: body.kind,
        id: entityOf(body),
        fields: [],
        body,
      },
  );
  return [...all, ...diff.changes.filter((c) => c.action === "deactivate")];
}

function changedFields(was: RefBody, now: RefBody): string[] {
  const a = was as unknown as Record<string, unknown>;
  const b = now as unknown as Record<string, unknown>;
  const out: string[] = [];
  for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
    if (canonical(a[k]) === canonical(b[k])) continue;
    out.push(
      k === "slots"
        ? `slots: ${slotsText(a[k])} → ${slotsText(b[k])}`
        : `${k}: ${show(a[k])} → ${show(b[k])}`,
    );
  }
  return out;
}

/** Slot order does not matter; key order never does. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return JSON.stringify(v.map(canonical).sort((x, y) => (x < y ? -1 : x > y ? 1 : 0)));
  if (v !== null && typeof v === "object")
    return JSON.stringify(
      Object.keys(v)
        .sort()
        .map((k) => [k, canonical((v as Record<string, unknown>)[k])]),
    );
  return JSON.stringify(v);
}

const show = (v: unknown) => (v === undefined ? "(none)" : JSON.stringify(v));
const slotsText = (v: unknown) =>
  Array.isArray(v)
    ? (v as { slotId: string; itemId: string; capacity: number }[])
        .map((s) => `${s.slotId}=${s.itemId}×${s.capacity}`)
        .join(",")
    : "(none)";

/** One line per change, for `--dry-run` and for what `apply` did. */
export function describeChange(c: Change): string {
  const sign = { add: "+", change: "~", deactivate: "-", republish: "=" }[c.action];
  const where = c.body.kind === "ref_machine" ? ` (prison ${c.body.prisonId})` : "";
  const head = `${sign} ${NOUN[c.kind]} ${c.id}${where}`;
  if (c.action === "republish") return `${head}: unchanged, published again`;
  return c.fields.length === 0 ? head : `${head}: ${c.fields.join("; ")}`;
}

/** The full event, checked against the one contract before it leaves (parse at the edges). */
export function refEvent(body: RefBody, sourceId: string, seq: number, time: string): HrEvent {
  return parseEvent({ v: SCHEMA_VERSION, ...body, sourceId, seq, time });
}

/**
 * The registry source's next seq: above everything the pipeline recorded from it, and above the
 * clock in microseconds (no counter on disk: a lost admin host or a second one cannot reuse a
 * seq, and a clock set back is covered by the recorded maximum). Reference data is ordered per
 * source by seq (the stores and the gateway keep the highest), so a reused seq would be a
 * conflicting duplicate and an older one would be ignored.
 */
export function nextSeq(recordedMax: number, nowMs: number): number {
  return Math.max(recordedMax + 1, nowMs * 1000);
}

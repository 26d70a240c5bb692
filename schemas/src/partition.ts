import type { Address } from "./topics";
import { SUBJECT_PREFIX } from "./topics";

/**
 * Partitioning of the subject space by prison (docs/architecture.md §Scale-out): with N partitions
 * the gateway appends a partition token to every subject, `hr.v1.<prison>.<source>.<kind>.<p>`,
 * so that each partition is one consumer filter (`hr.v1.*.*.*.<p>`; nats-server 2.9 allows one
 * filter per consumer). A prison always lands in the same partition, so its events stay in order.
 */

/** 32-bit FNV-1a: stable across processes and releases (the partition of a prison never moves). */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

export const partitionOf = (prisonId: string, partitions: number): number => fnv1a(prisonId) % partitions;

/**
 * Programme-wide reference data (the item catalogue) is needed by every partition, in order with
 * the partition's own events: it is published once into each partition.
 */
export const isBroadcastKind = (kind: Address["kind"]): boolean => kind === "ref_item";

/** The partitions an event at this address is published to (none: the unpartitioned subject). */
export function partitionsOf(a: Address, partitions: number): number[] {
  if (partitions <= 0) return [];
  if (isBroadcastKind(a.kind)) return Array.from({ length: partitions }, (_, p) => p);
  return [partitionOf(a.prisonId, partitions)];
}

/** The events stream's subjects when partitioned: one token more than the address. */
export const PARTITIONED_EVENT_SUBJECTS = [`${SUBJECT_PREFIX}.*.*.*.*`];

/** One partition's consumer filter within `streamSubject` (e.g. `hr.v1.<prison>.*.*.*` in tests). */
export function partitionFilter(streamSubject: string, partition: number): string {
  const tokens = streamSubject.split(".");
  if (tokens.length !== 6) {
    throw new Error(
      `'${streamSubject}' is not a partitioned subject (hr.v1.<prison>.<source>.<kind>.<partition>)`,
    );
  }
  return [...tokens.slice(0, 5), String(partition)].join(".");
}

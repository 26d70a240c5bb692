import type { EventOf } from "@hrvend/schemas";

/**
 * Whether a reference event replaces the one held for its entity: reference data is ordered per
 * source. An entity belongs to the registry source that first described it, and only that
 * source's later events (higher seq) change it; seqs are never compared across sources.
 */
export function supersedes(
  held: { sourceId: string; seq: number } | undefined,
  next: { sourceId: string; seq: number },
): boolean {
  return held === undefined || (held.sourceId === next.sourceId && next.seq > held.seq);
}

interface Registration {
  /** The machine's prison while it is active; undefined once deactivated. */
  prisonId: string | undefined;
  /** The registry source that first registered the machine: only it may change the machine. */
  source: string;
  seq: number;
}

/**
 * The machines the registry has announced (ref_machine events), by id, with their prison.
 * Pure state: the gateway feeds it from the stream and asks it about every machine event.
 *
 * Ordering never compares seqs across sources: a machine belongs to the registry source that
 * first registered it, and only that source's later registrations (higher seq) change it. The
 * same event can arrive twice and out of order (the gateway's own admission and the stream
 * feed), so an older seq from the owner is ignored too.
 */
export class KnownMachines {
  private readonly byMachine = new Map<string, Registration>();

  /** Applies a registration; false when it is ignored (another source's, or not newer). */
  apply(e: EventOf<"ref_machine">): boolean {
    const held = this.byMachine.get(e.machineId);
    if (!supersedes(held && { sourceId: held.source, seq: held.seq }, e)) return false;
    this.byMachine.set(e.machineId, {
      prisonId: e.active ? e.prisonId : undefined,
      source: e.sourceId,
      seq: e.seq,
    });
    return true;
  }

  /** True when the machine is registered (and active) in that prison. */
  has(prisonId: string, machineId: string): boolean {
    return this.byMachine.get(machineId)?.prisonId === prisonId;
  }

  /** True when `id` names a machine the registry ever announced (active or not). */
  isMachine(id: string): boolean {
    return this.byMachine.has(id);
  }

  /** The registry source that owns the machine's registration, if any. */
  registrarOf(machineId: string): string | undefined {
    return this.byMachine.get(machineId)?.source;
  }

  /** Active machines. */
  get size(): number {
    let n = 0;
    for (const r of this.byMachine.values()) if (r.prisonId !== undefined) n++;
    return n;
  }
}

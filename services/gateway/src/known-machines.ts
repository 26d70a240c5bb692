import type { EventOf } from "@hrvend/schemas";

/**
 * The machines the registry has announced (ref_machine events), by id, with their prison.
 * Pure state: the gateway feeds it from the stream and asks it about every machine event.
 */
export class KnownMachines {
  private readonly prisonOf = new Map<string, string>();

  apply(e: EventOf<"ref_machine">): void {
    if (e.active) this.prisonOf.set(e.machineId, e.prisonId);
    else this.prisonOf.delete(e.machineId);
  }

  /** True when the machine is registered in that prison. */
  has(prisonId: string, machineId: string): boolean {
    return this.prisonOf.get(machineId) === prisonId;
  }

  get size(): number {
    return this.prisonOf.size;
  }
}

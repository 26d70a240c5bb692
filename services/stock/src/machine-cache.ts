import type { StoredMachine } from "./domain";
import type { VersionedMachine } from "./store/machines";

/**
 * The machine states this instance wrote last, with the row version its write left (issue #20:
 * a batch re-read and re-parsed every touched machine's whole state). A batch reads only the
 * versions of its machines under their row locks and uses a cached state only where the version
 * is the one cached: every writer of a row (the events consumer, the dead-letter consumer, the
 * live timer, another instance after a lease moved) sets a new one, so a state written elsewhere is
 * re-read. Entries are set after the transaction committed only; the states are never mutated.
 */
export class MachineCache {
  private readonly entries = new Map<string, VersionedMachine>();

  /** The cached state if the row's version (read under its lock) is the cached one. */
  current(machineId: string, version: number): StoredMachine | undefined {
    const e = this.entries.get(machineId);
    return e !== undefined && e.version === version ? e.stored : undefined;
  }

  /** After a commit: the states written, with the versions the writes returned. */
  committed(states: ReadonlyMap<string, StoredMachine>, versions: ReadonlyMap<string, number>): void {
    for (const [id, version] of versions) {
      const stored = states.get(id);
      if (stored !== undefined) this.entries.set(id, { stored, version });
    }
  }

  /** Keeps only the machines of the prisons this instance still owns (a partition lost or moved). */
  retain(owns: (prisonId: string) => boolean): void {
    for (const [id, e] of this.entries) {
      const prison = e.stored.machine.prisonId;
      if (prison === null || !owns(prison)) this.entries.delete(id);
    }
  }
}

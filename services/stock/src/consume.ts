import { type Database, type StreamPosition, savePosition } from "@hrvend/runtime/db";
import { decodeEvents, decodeJson } from "@hrvend/runtime/nats";
import type { JsMsg } from "@nats-io/jetstream";
import type { Kysely } from "kysely";
import { type AnnounceDeps, announce, type BatchResult } from "./announce";
import { deadSeqOf } from "./dead-seqs";
import {
  type AlertPolicy,
  type Arrival,
  applyArrivals,
  applyDeadSeqs,
  type DeadSeq,
  machinesOf,
  type StoredMachine,
} from "./domain";
import type { MachineCache } from "./machine-cache";
import type { ReferenceCache } from "./reference-cache";
import { applyAcks, applyAlerts } from "./store/alerts";
import { stockDb } from "./store/db";
import { deadSeqsOf, insertDeadSeqs } from "./store/dead-seqs";
import { insertLevelChanges } from "./store/level-changes";
import { loadMachines, lockMachines, machineVersions, saveMachines } from "./store/machines";
import { loadCatalog, saveItems, savePrisons } from "./store/reference";
import { insertGaps } from "./store/seq-gaps";

export interface ConsumeDeps extends AnnounceDeps {
  db: Kysely<Database>;
  policy: AlertPolicy;
  /** How long a seq gap may hold a machine's later events (stream time). */
  gapBoundMs: number;
  /** The events consumer's machine states and reference data in memory (one per process). */
  caches: { machines: MachineCache; reference: ReferenceCache };
}

/** When the stream stored the message (a parked message re-applied by an operator has no stream time: now). */
function streamTime(m: JsMsg): string {
  const t = (m as Partial<JsMsg>).info === undefined ? undefined : m.time;
  return (t instanceof Date && !Number.isNaN(t.getTime()) ? t : new Date()).toISOString();
}

/**
 * The events consumer's write: decode (the gateway validated the events), apply and store in one
 * transaction, then announce the alert steps.
 */
export function stockWriter(deps: ConsumeDeps) {
  return async (batch: JsMsg[], position: StreamPosition): Promise<void> => {
    const events = decodeEvents(batch);
    const arrivals = events.map((event, i) => ({ event, at: streamTime(batch[i] as JsMsg) }));
    await announce(deps, await applyBatch(deps, arrivals, position));
  };
}

/** The dead-letter consumer's write: seqs that will never come stop holding their machines at once. */
export function deadSeqWriter(deps: ConsumeDeps) {
  return async (batch: JsMsg[], position: StreamPosition): Promise<void> => {
    const dead: DeadSeq[] = [];
    for (const m of batch) {
      let letter: unknown;
      try {
        letter = decodeJson(m);
      } catch {
        continue; // not ours to judge: the recorder keeps dead letters
      }
      const d = deadSeqOf(letter);
      if (d !== undefined) dead.push(d);
    }
    deps.log.debug({ letters: batch.length, dead }, "dead letters read");
    await announce(deps, await storeDeadSeqs(deps.db, dead, position, deps.policy));
  };
}

/**
 * Applies a batch of stream events to the machines' states (the domain's pure fold) and writes
 * everything the batch changed, with the consumer's stream position, in one transaction
 * (invariant 3). Machine rows are locked (in machine order) for the transaction: the dead-letter
 * consumer and the live timer change the same rows. A machine's state comes from the cache when
 * its row's version (read under the lock) is the one this instance wrote, from its row otherwise.
 */
async function applyBatch(
  deps: ConsumeDeps,
  arrivals: Arrival[],
  position: StreamPosition,
): Promise<BatchResult> {
  const { machines: cache, reference } = deps.caches;
  const { result, committed } = await deps.db.transaction().execute(async (trx) => {
    const s = stockDb(trx);
    const { catalog, zones } = await reference.get(s);
    const machineIds = machinesOf(arrivals);
    await lockMachines(s, machineIds);
    const versions = await machineVersions(s, machineIds);
    const machines = new Map<string, StoredMachine>();
    const stale: string[] = [];
    for (const [id, version] of versions) {
      const cached = cache.current(id, version);
      if (cached === undefined) stale.push(id);
      else machines.set(id, cached);
    }
    for (const [id, m] of await loadMachines(s, stale)) machines.set(id, m.stored);
    const dead = await deadSeqsOf(
      s,
      machineIds.filter((id) => !machines.has(id)),
    );
    const fx = applyArrivals(
      { catalog, zones, machines, deadSeqsOf: (id) => dead.get(id) ?? [] },
      arrivals,
      deps.policy,
      deps.gapBoundMs,
    );
    await saveItems(s, fx.items);
    await savePrisons(s, fx.prisons);
    const written = await saveMachines(
      s,
      [...fx.machines].map(([id, next]) => ({ next, prev: machines.get(id) })),
    );
    await insertLevelChanges(s, fx.levelChanges);
    const prisonOf = (id: string) => fx.machines.get(id)?.machine.prisonId ?? null;
    await insertGaps(s, fx.skipped, prisonOf, arrivals[arrivals.length - 1]?.at ?? new Date(0).toISOString());
    const alerts = await applyAlerts(s, fx.commands);
    const acks = await applyAcks(s, fx.acks);
    await savePosition(trx, position);
    return {
      result: {
        alerts,
        acks,
        levelChanges: fx.levelChanges.length,
        duplicates: fx.duplicates,
        skipped: fx.skipped,
      },
      committed: () => {
        cache.committed(fx.machines, written);
        reference.committed(fx.items, fx.prisons);
      },
    };
  });
  committed();
  return result;
}

/**
 * Seqs the gateway dead-lettered: kept (a machine seen later, or rebuilt, starts knowing them)
 * and, for a machine already known, skipped at once under its row lock: the events held behind
 * such a seq are applied now. One transaction with the dead-letter consumer's position.
 */
async function storeDeadSeqs(
  db: Kysely<Database>,
  dead: DeadSeq[],
  position: StreamPosition,
  policy: AlertPolicy,
): Promise<BatchResult> {
  return db.transaction().execute(async (trx) => {
    const s = stockDb(trx);
    const machineIds = [...new Set(dead.map((d) => d.machineId))];
    await lockMachines(s, machineIds);
    await insertDeadSeqs(s, dead);
    const loaded = await loadMachines(s, machineIds);
    const machines = new Map([...loaded].map(([id, m]) => [id, m.stored]));
    const catalog = machines.size > 0 ? await loadCatalog(s) : {};
    const fx = applyDeadSeqs(machines, dead, policy, catalog);
    await saveMachines(
      s,
      [...fx.machines].map(([id, next]) => ({ next, prev: machines.get(id) })),
    );
    await insertLevelChanges(s, fx.levelChanges);
    const prisonOf = (id: string) => fx.machines.get(id)?.machine.prisonId ?? null;
    await insertGaps(s, fx.skipped, prisonOf, dead[dead.length - 1]?.receivedAt ?? new Date(0).toISOString());
    const alerts = await applyAlerts(s, fx.commands);
    await savePosition(trx, position);
    return {
      alerts,
      acks: [],
      levelChanges: fx.levelChanges.length,
      duplicates: fx.duplicates,
      skipped: fx.skipped,
    };
  });
}

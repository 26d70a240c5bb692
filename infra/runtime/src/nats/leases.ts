import { type KV, Kvm } from "@nats-io/kv";
import type { NatsConnection } from "@nats-io/transport-node";
import type { Logger } from "pino";
import type { RunningConsumer } from "./batch-consumer";

export interface LeaseOptions {
  nc: NatsConnection;
  /** The service's consumer name: its instances share one lease bucket. */
  service: string;
  instanceId: string;
  /** The work to share out: partitions `p0…`, and units such as the recorder's `dead`. */
  units: string[];
  leaseSeconds: number;
  replicas: number;
  log: Logger;
  /** Starts one unit's work (its consumer, from the committed position). */
  start(unit: string): Promise<RunningConsumer>;
  /** Called after the set of owned units changed (acquired or released). */
  onChange?(owned: ReadonlySet<string>): void;
}

export interface LeasedWork {
  owned(): ReadonlySet<string>;
  /** Stops every unit's work (each finishes its batch in hand), then gives the leases back. */
  stop(): Promise<void>;
}

interface Held {
  revision: number;
  work: RunningConsumer;
  ending: boolean;
}

/**
 * Shares a service's units of work among its running instances with leases in a NATS KV bucket
 * (R3 on a cluster): each instance announces itself (`member.<id>`), owns at most its fair share
 * (⌈units / members⌉) and renews what it owns every third of the lease. A stopped instance gives
 * its leases back at once; a dead one's expire after LEASE_SECONDS (the bucket's TTL), and the
 * others take them over. A new instance makes the others give back their surplus. Leases only
 * decide who works: correctness rests on the position compare-and-set (PositionMovedError) that
 * stops an instance whose lease lapsed while it stalled.
 */
export async function startLeasedWork(o: LeaseOptions): Promise<LeasedWork> {
  const kv = await openBucket(o);
  const member = `member.${o.instanceId}`;
  const key = (unit: string) => `unit.${unit}`;
  const held = new Map<string, Held>();
  let stopped = false;
  let round: Promise<void> = Promise.resolve();
  // Instances start claiming at different units, so two starting together split the work.
  const offset = [...o.instanceId].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 7) % o.units.length;
  const order = o.units.map((_, i) => o.units[(i + offset) % o.units.length] as string);
  // Giving everything back on stop is no change the service has to act on.
  const changed = () => {
    if (!stopped) o.onChange?.(new Set(held.keys()));
  };

  const release = async (unit: string, why: string) => {
    const h = held.get(unit);
    if (!h || h.ending) return;
    h.ending = true;
    await h.work.stop().catch((err: unknown) => o.log.warn({ err, unit }, "unit stopped with an error"));
    held.delete(unit);
    await kv.delete(key(unit), { previousSeq: h.revision }).catch(() => undefined);
    o.log.info({ unit, why }, "unit released");
    changed();
  };

  const acquire = async (unit: string): Promise<boolean> => {
    let revision: number;
    try {
      revision = await kv.create(key(unit), o.instanceId);
    } catch {
      return false; // held by another instance
    }
    try {
      const work = await o.start(unit);
      const h: Held = { revision, work, ending: false };
      held.set(unit, h);
      // Work that ends by itself (its position moved on: another instance has it) is let go.
      void work.done.then(() => {
        if (!h.ending && !stopped) void release(unit, "its consumer ended");
      });
      o.log.info({ unit, instance: o.instanceId }, "unit acquired");
      changed();
      return true;
    } catch (err) {
      o.log.error({ err, unit }, "unit could not start; lease given back");
      await kv.delete(key(unit), { previousSeq: revision }).catch(() => undefined);
      return false;
    }
  };

  const tick = async () => {
    await kv.put(member, o.instanceId);
    for (const [unit, h] of held) {
      if (h.ending) continue;
      try {
        h.revision = await renew(kv, key(unit), o.instanceId, h.revision);
      } catch (err) {
        o.log.warn({ err, unit }, "lease lost (expired or taken over)");
        await release(unit, "lease lost");
      }
    }
    let members = 0;
    for await (const _ of await kv.keys("member.*")) members++;
    const share = Math.ceil(o.units.length / Math.max(members, 1));
    for (const unit of [...held.keys()].slice(share)) await release(unit, "rebalancing");
    for (const unit of order) {
      if (stopped || held.size >= share) break;
      if (!held.has(unit)) await acquire(unit);
    }
  };

  const every = Math.max(500, (o.leaseSeconds * 1000) / 3);
  let wake: () => void = () => undefined;
  const loop = async () => {
    while (!stopped) {
      round = tick().catch((err: unknown) => o.log.warn({ err }, "lease round failed; retrying"));
      await round;
      await new Promise<void>((r) => {
        const timer = setTimeout(r, every);
        wake = () => {
          clearTimeout(timer);
          r();
        };
      });
    }
  };
  await tick();
  const looping = loop();

  return {
    owned: () => new Set(held.keys()),
    stop: async () => {
      stopped = true;
      wake();
      await round;
      await Promise.all([...held.keys()].map((u) => release(u, "stopping")));
      await kv.delete(member).catch(() => undefined);
      await looping;
    },
  };
}

/**
 * Renews a lease from the revision this instance knows. A renewal whose reply was lost (a node
 * failing over) moved the revision without telling us: if the lease still names this instance,
 * it is renewed from the revision found.
 */
async function renew(kv: KV, key: string, owner: string, revision: number): Promise<number> {
  try {
    return await kv.update(key, owner, revision);
  } catch (err) {
    const e = await kv.get(key);
    if (e?.operation !== "PUT" || e.string() !== owner) throw err;
    return kv.update(key, owner, e.revision);
  }
}

/** Opens the service's lease bucket, creating it on first use (TTL = the lease). */
async function openBucket(o: LeaseOptions): Promise<KV> {
  const kvm = new Kvm(o.nc);
  const name = `hrvend_leases_${o.service.replace(/[^\w-]/g, "_")}`;
  try {
    const kv = await kvm.open(name);
    await kv.status();
    return kv;
  } catch {
    return kvm.create(name, { ttl: o.leaseSeconds * 1000, history: 1, replicas: o.replicas });
  }
}

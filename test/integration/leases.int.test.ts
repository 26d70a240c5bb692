import { startLeasedWork } from "@hrvend/runtime/nats";
import { connect } from "@nats-io/transport-node";
import pino from "pino";
import { afterAll, describe, expect, it } from "vitest";
import { isolate } from "../support/isolate";

const iso = isolate("leases");
const log = pino({ level: "silent" });
const stops: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const s of stops.reverse()) await s().catch(() => undefined);
});

const UNITS = ["p0", "p1", "p2", "p3", "p4", "p5"];

/** One instance: its units' work only records that it runs. */
async function instance(id: string, running: Map<string, string>) {
  const nc = await connect({ servers: iso.servers.natsUrl });
  stops.push(() => nc.close());
  const work = await startLeasedWork({
    nc,
    service: `svc-${iso.tag}`,
    instanceId: id,
    units: UNITS,
    leaseSeconds: 3,
    replicas: 1,
    log,
    start: async (unit) => {
      expect(
        running.get(unit),
        `${unit} started by ${id} while ${running.get(unit)} runs it`,
      ).toBeUndefined();
      running.set(unit, id);
      let end: () => void = () => undefined;
      const done = new Promise<void>((r) => {
        end = r;
      });
      return {
        done,
        stop: async () => {
          running.delete(unit);
          end();
        },
      };
    },
  });
  stops.push(() => work.stop());
  return { nc, work };
}

const owned = (running: Map<string, string>, id: string) =>
  [...running.values()].filter((v) => v === id).length;

describe("leased units of work (NATS KV)", () => {
  it("given two instances, then each owns half; when one stops, the other takes all at once; when one dies, after the lease", {
    timeout: 60_000,
  }, async () => {
    const running = new Map<string, string>();
    const a = await instance("a", running);
    expect(owned(running, "a")).toBe(6);

    const b = await instance("b", running);
    await expect.poll(() => [owned(running, "a"), owned(running, "b")], { timeout: 10_000 }).toEqual([3, 3]);

    // A graceful stop gives the leases back: b takes them within a round (a second).
    await a.work.stop();
    await expect.poll(() => owned(running, "b"), { timeout: 5_000 }).toBe(6);

    // c joins, then dies without a word (its connection closed, no stop): its units come back
    // to b when the leases expire.
    const c = await instance("c", running);
    await expect.poll(() => owned(running, "c"), { timeout: 10_000 }).toBe(3);
    await c.nc.close();
    for (const [unit, id] of running) if (id === "c") running.delete(unit);
    await expect.poll(() => owned(running, "b"), { timeout: 15_000 }).toBe(6);
  });
});

import { join } from "node:path";
import { natsServers } from "@hrvend/runtime/nats";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect as natsConnect } from "@nats-io/transport-node";
import { afterAll, describe, expect, it } from "vitest";
import { ledgerFacts } from "../support/ledger";
import { Pipeline } from "../support/pipeline";
import {
  reconcileCoverage,
  reconcileMachineFacts,
  reconcileRecorder,
  reconcileReorder,
  reconcileStock,
} from "../support/reconcile";

let p: Pipeline | undefined;
afterAll(async () => {
  await p?.stop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const acquired = (logs: string) => (logs.match(/"msg":"unit acquired"/g) ?? []).length;

/**
 * The node that leads the events stream's Raft group, as the servers say (stream info's cluster
 * leader, a server name `hrvend-n<k>`), as the pipeline's name `nats-<k>`.
 */
async function streamLeader(p: Pipeline): Promise<string> {
  const nc = await natsConnect({ servers: natsServers(p.natsUrl), reconnect: false });
  try {
    const info = await (await jetstreamManager(nc)).streams.info("HR_EVENTS");
    const leader = info.cluster?.leader ?? "";
    const k = /^hrvend-n(\d)$/.exec(leader)?.[1];
    if (k === undefined) throw new Error(`no leader of HR_EVENTS named by the servers (got '${leader}')`);
    return `nats-${k}`;
  } finally {
    await nc.close();
  }
}

/** Events a gateway instance accepted, from its Prometheus metrics (port from its ready line). */
async function acceptedBy(p: Pipeline, instance: string): Promise<number> {
  const port = /"metricsPort":(\d+)/.exec(p.services.get(instance)?.logs() ?? "")?.[1];
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  return [...text.matchAll(/^hrvend_gateway_accepted_total\{[^}]*\} (\d+)/gm)].reduce(
    (n, m) => n + Number(m[1]),
    0,
  );
}

describe("scale-out on a NATS cluster", () => {
  it("pilot, 14 days, on three NATS nodes (R3) with two instances of every service over 4 partitions: a NATS node SIGKILLed and restarted, a stock instance stopped and a coverage instance SIGKILLed mid-run; no event lost or doubled, every figure equals the ledger", {
    timeout: 900_000,
  }, async () => {
    p = await Pipeline.start("pilot", "cluster", { partitions: 4, leaseSeconds: 10 });
    const pipeline = p;
    const ledger = join(pipeline.dir, "ledger.jsonl");
    const sim = pipeline.simulate([
      ...["--scenario", "pilot", "--days", "14", "--seed", "9"],
      ...["--speed", "15000", "--ledger", ledger],
    ]);
    let done = false;
    void sim.exited.then(() => {
      done = true;
    });
    const seqAbove = async (n: number) => {
      while (!done && ((await pipeline.streamState().catch(() => undefined))?.lastSeq ?? 0) < n)
        await sleep(200);
    };
    const log = (s: string) => console.log(`[cluster] ${s}`);

    await seqAbove(5_000);
    const beforeNodeLoss = (await pipeline.streamState()).lastSeq;
    // The hardest node to lose is the one leading the stream: the others must elect a new leader.
    const leader = await streamLeader(pipeline);
    log(`SIGKILL ${leader} (leader of HR_EVENTS) at stream seq ${beforeNodeLoss}`);
    await pipeline.kill(leader);
    await sleep(4_000);
    // The two left elect a new leader (asked again until one answers: the election takes a moment).
    let newLeader = "";
    for (let i = 0; i < 60 && (newLeader === "" || newLeader === leader); i++)
      newLeader = await streamLeader(pipeline).catch(() => sleep(500).then(() => ""));
    expect(newLeader).toMatch(/^nats-\d$/);
    expect(newLeader).not.toBe(leader);
    await pipeline.restart(leader);
    log(`${leader} restarted; ${newLeader} leads now`);

    // Hand-over: a graceful stop gives the leases back at once; a SIGKILL lets them expire.
    await seqAbove(beforeNodeLoss + 8_000);
    // Both faults land mid-run: the simulator is still publishing when they come.
    const midRun = !done;
    const stock2Before = acquired(pipeline.services.get("stock-2")?.logs() ?? "");
    log("SIGTERM stock-1, SIGKILL coverage-2");
    await pipeline.stopInstance("stock-1");
    await pipeline.kill("coverage-2");
    await sleep(10_000);
    const stock2After = acquired(pipeline.services.get("stock-2")?.logs() ?? "");
    await pipeline.restart("stock-1");
    await pipeline.restart("coverage-2");
    log(`stock-2 acquired ${stock2After - stock2Before} more partitions; stock-1 and coverage-2 restarted`);

    expect(await sim.exited, sim.output()).toBe(0);
    expect(done).toBe(true);
    const facts = ledgerFacts(ledger);
    const events = facts.filter((f) => f.fact === "event").length;
    // The faults landed mid-run.
    expect(beforeNodeLoss).toBeLessThan(events / 2);
    expect(midRun, "the simulator had finished before stock-1 and coverage-2 were stopped").toBe(true);
    await pipeline.settle(events);

    // Both gateways took part: the broker shares the machines' messages between them.
    const [g1, g2] = [await acceptedBy(pipeline, "gateway-1"), await acceptedBy(pipeline, "gateway-2")];
    log(`gateway-1 accepted ${g1}, gateway-2 ${g2}`);
    expect(g1).toBeGreaterThan(events / 10);
    expect(g2).toBeGreaterThan(events / 10);
    expect(g1 + g2).toBeGreaterThanOrEqual(events);

    // stock-2 took over stock-1's partitions; after the restart the two share them again.
    expect(stock2After - stock2Before).toBeGreaterThanOrEqual(1);
    expect(acquired(pipeline.services.get("stock-1")?.logs() ?? "")).toBeGreaterThanOrEqual(1);

    const db = pipeline.db;
    expect(await reconcileRecorder(db, facts)).toBe(events);
    const stock = await reconcileStock(db, facts);
    expect(stock.levelChanges).toBeGreaterThan(100);
    expect(stock.offline).toBeGreaterThan(2);
    const reorder = await reconcileReorder(db, facts, pipeline.scenario);
    expect(reorder.plans).toBe(pipeline.scenario.prisons.length);
    // Every fault (jam, card reader, tamper, power, temperature, door) as an alert with the ledger's
    // times, stockout and online minutes per slot, lot_expiring periods from the ledger's lots (none
    // within 14 days of the pilot: its first lot enters the window on day 20), low_stock raised at
    // the ledger's levels, and each plan's stock when it was computed.
    const machine = await reconcileMachineFacts(db, facts);
    expect(machine.faults).toBeGreaterThan(5);
    expect(machine.slots).toBeGreaterThan(2);
    expect(machine.planSlots).toBeGreaterThan(2);
    expect(await reconcileCoverage(db, facts)).toBeGreaterThan(1000);
  });
});

import { join } from "node:path";
import { heartbeatSeqs } from "@hrvend/recorder/read";
import type { HrEvent } from "@hrvend/schemas";
import { sql } from "kysely";
import { afterAll, describe, expect, it } from "vitest";
import { hrvend } from "../support/cli";
import { type Fact, ledgerFacts } from "../support/ledger";
import { Pipeline } from "../support/pipeline";
import { reconcileMachineFacts, reconcileStock } from "../support/reconcile";
import { heartbeatMismatches, recordedCount } from "../support/recorded";

let p: Pipeline | undefined;
afterAll(async () => {
  await p?.stop();
});

const eventOf = (f: Fact) => (f as unknown as { event: HrEvent }).event;
const machineOf = (e: HrEvent) => ("machineId" in e && "deviceTime" in e ? e.machineId : undefined);

/**
 * One private pipeline (mosquitto → gateway → JetStream → recorder, stock, reorder, coverage),
 * the stock service stopped from the start so it lags:
 * 1. the simulator is SIGKILLed mid-run and resumed: every machine's seqs are unique and grow,
 *    each killed connection is followed by a birth, and the stored events equal the ledger, the
 *    wills the broker published at the kill included (nothing dead-lettered);
 * 2. `summary --settle` with stock stopped fails by the deadline naming stock and its lag, with no
 *    figure; with stock running again it waits, then prints figures equal to the ledger.
 */
describe("simulator resume and summary --settle through the real pipeline", () => {
  it("kill -9 mid-run and resume keep seqs unique and births sent; settle refuses a lagging consumer and then reads the ledger's figures", {
    timeout: 600_000,
  }, async () => {
    p = await Pipeline.start("small", "resume-settle");
    await p.stopInstance("stock"); // its durable consumer stays on the server and falls behind

    const ledger = join(p.dir, "ledger.jsonl");
    const args = ["--scenario", "small", "--days", "2", "--seed", "5", "--speed", "6000", "--ledger", ledger];
    const first = p.simulate(args);
    // Raw rows plus the heartbeats their rollups counted (migration 0025).
    const stored = () => recordedCount(p!.db);
    await expect.poll(stored, { timeout: 60_000, interval: 200 }).toBeGreaterThan(400);
    first.child.kill("SIGKILL");
    await first.exited;
    const atKill = await stored();
    const resumed = p.simulate(args);
    expect(await resumed.exited, resumed.output()).toBe(0);

    const facts = ledgerFacts(ledger);
    const restarts = facts.filter((f) => f.fact === "simulator_restart");
    expect(restarts).toHaveLength(1);
    const events = facts.filter((f) => f.fact === "event");
    const restartAt = Date.parse(restarts[0]!.t);
    // The kill landed mid-run: the stream had part of the run, the ledger goes on after the restart.
    expect(atKill).toBeLessThan(events.length);
    expect(events.filter((f) => Date.parse(f.t) > restartAt).length).toBeGreaterThan(100);

    await expect.poll(stored, { timeout: 120_000, interval: 500 }).toBe(events.length);
    // Stored = ledger, event by event, payload and all: the broker's will from the kill carries the
    // bytes the ledger has for its key, and no clean shutdown reuses that key.
    const rows = await sql<{ event_key: string; payload: HrEvent }>`
      SELECT event_key, payload FROM ingest.raw_event`.execute(p.db);
    const byKey = new Map(rows.rows.map((r) => [r.event_key, r.payload]));
    const raw = events.filter((f) => eventOf(f).kind !== "heartbeat");
    expect(byKey.size).toBe(raw.length);
    for (const f of raw)
      expect(byKey.get((f as { key: string }).key), (f as { key: string }).key).toEqual(eventOf(f));
    expect(await heartbeatMismatches(p.db, events.map(eventOf))).toEqual([]);
    const dead = await sql<{ n: string }>`SELECT count(*) AS n FROM ingest.dead_letter`.execute(p.db);
    expect(Number(dead.rows[0]?.n)).toBe(0);

    // Per machine: seqs 1..n, each once, in the ledger and in the store.
    const seqs = new Map<string, number[]>();
    for (const e of rows.rows.map((r) => r.payload)) {
      const m = machineOf(e);
      if (m) seqs.set(m, [...(seqs.get(m) ?? []), e.seq]);
    }
    for (const [m, list] of await heartbeatSeqs(p.db)) seqs.set(m, [...(seqs.get(m) ?? []), ...list]);
    expect(seqs.size).toBe(3);
    for (const [m, list] of seqs)
      expect(
        [...list].sort((a, b) => a - b),
        m,
      ).toEqual(Array.from({ length: list.length }, (_, i) => i + 1));
    // Every machine connected at the kill lost its connection (the will, from the broker) and
    // reconnected with a birth whose seq is above every seq it had used.
    const offlineAtRestart = facts.filter(
      (f) => f.fact === "offline_start" && (f as { cause: string }).cause === "restart",
    );
    expect(offlineAtRestart.length).toBeGreaterThan(0);
    for (const o of offlineAtRestart) {
      const machineId = (o as { machineId: string }).machineId;
      const mine = events.map(eventOf).filter((e) => machineOf(e) === machineId);
      const before = mine.filter((e) => Date.parse((e as { deviceTime: string }).deviceTime) < restartAt);
      const birth = mine.find(
        (e) =>
          e.kind === "status" &&
          e.state === "online" &&
          Date.parse((e as { deviceTime: string }).deviceTime) === restartAt,
      );
      expect(birth, `${machineId} birth after the restart`).toBeDefined();
      expect(birth!.seq).toBeGreaterThan(Math.max(...before.map((e) => e.seq)));
      expect(byKey.get(`${machineId}:${birth!.seq}`)).toEqual(birth);
    }

    // Stock is stopped: settle must fail by its deadline, name it with its lag, and print no figure.
    const stream = await p.streamState();
    const urls = ["--database-url", p.adminUrl, "--nats-url", p.natsUrl];
    const lagging = await hrvend(["summary", "--settle", "--timeout", "8", ...urls]);
    expect(lagging.code).not.toBe(0);
    expect(lagging.stdout).toBe("");
    const named = /stock \(HR_EVENTS\) is (\d+) messages? behind/.exec(lagging.stderr);
    expect(named, lagging.stderr).not.toBeNull();
    expect(Number(named![1])).toBe(stream.messages); // stock consumed nothing since it was stopped
    expect(lagging.stderr).toMatch(/not caught up after 8 s, so no figure is printed/);
    expect(lagging.stderr).not.toMatch(/recorder \(HR_EVENTS\) is/);

    // Stock again: settle waits for it, then the figures are the ledger's.
    await p.restart("stock");
    const settled = await hrvend(["summary", "--settle", "--timeout", "300", ...urls]);
    expect(settled.code, settled.stderr).toBe(0);
    expect(settled.stderr).toMatch(/^ {2}stock +HR_EVENTS +(\d+ behind|at head)$/m);
    expect(settled.stderr).toMatch(/every consumer has reached the stream's head/);
    expect(settled.stdout).toContain(`events recorded: ${events.length}\n`);
    const byKind = new Map<string, number>();
    for (const e of events.map(eventOf)) byKind.set(e.kind, (byKind.get(e.kind) ?? 0) + 1);
    for (const [kind, n] of byKind) expect(settled.stdout).toMatch(new RegExp(`^ {2}${kind} +${n}$`, "m"));
    expect(settled.stdout).toContain("rejected (dead letters): 0\n");
    // When settle returned, stock had applied every level change of the ledger.
    const changes = await sql<{ n: string }>`SELECT count(*) AS n FROM stock.level_change`.execute(p.db);
    expect(Number(changes.rows[0]?.n)).toBe(facts.filter((f) => f.fact === "stock").length);
    // Open stockouts at the end of the ledger are the active stockout alerts the summary counts.
    const open = new Map<string, boolean>();
    for (const f of facts)
      if (f.fact === "stockout_start" || f.fact === "stockout_end")
        open.set(`${f.machineId}/${f.slotId}`, f.fact === "stockout_start");
    const openStockouts = [...open.values()].filter(Boolean).length;
    if (openStockouts > 0)
      expect(settled.stdout).toMatch(new RegExp(`^ {2}stockout +${openStockouts}$`, "m"));
    else expect(settled.stdout).not.toMatch(/^ {2}stockout +\d+$/m);
    // Across the crash: every level change, stockout and offline period (the restart's included)
    // and every machine alert the ledger implies.
    const stock = await reconcileStock(p.db, facts);
    const machine = await reconcileMachineFacts(p.db, facts);
    console.log(`[resume] reconciled: ${JSON.stringify({ ...stock, ...machine })}`);
  });
});

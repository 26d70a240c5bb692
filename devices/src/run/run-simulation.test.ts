import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { eventKey, type HrEvent, parseEventBytes } from "@hrvend/schemas";
import { describe, expect, it } from "vitest";
import { cardToken } from "../crypto/card-token";
import { FileSink } from "../delivery/file-sink";
import { MemoryConnector } from "../delivery/memory-connector";
import { MqttSink } from "../delivery/mqtt-sink";
import { OutboxStore, type RunFingerprint } from "../delivery/outbox-store";
import type { Sink } from "../delivery/sink";
import { loadScenario } from "../scenario/load-scenario";
import type { DeliveryItem } from "../sim/delivery-item";
import type { Simulation } from "../sim/simulation";
import { TEST_CARD_KEY, TEST_SECRET } from "../test-support";
import { runSimulation } from "./run-simulation";

const small = loadScenario("small").scenario;
const tmp = () => mkdtempSync(join(tmpdir(), "hrvend-devices-"));

async function runToFiles(seed: number, days: number, dir = tmp()) {
  const out = join(dir, "events.jsonl");
  const ledger = join(dir, "ledger.jsonl");
  let sim: Simulation | undefined;
  const summary = await runSimulation({
    scenario: small,
    seed,
    days,
    speed: "max",
    cardTokenKey: TEST_CARD_KEY,
    sink: new FileSink(out),
    ledgerPath: ledger,
    onSimulation: (s) => {
      sim = s;
    },
  });
  return { summary, events: readFileSync(out), ledger: readFileSync(ledger), sim: sim as Simulation };
}

describe("runSimulation", () => {
  it("given the same scenario and seed, then events and ledger are byte-identical; another seed differs", async () => {
    const a = await runToFiles(42, 7);
    const b = await runToFiles(42, 7);
    const c = await runToFiles(43, 7);
    expect(a.summary.completed).toBe(true);
    expect(a.events.length).toBeGreaterThan(500_000);
    expect(a.events.equals(b.events)).toBe(true);
    expect(a.ledger.equals(b.ledger)).toBe(true);
    expect(a.events.equals(c.events)).toBe(false);
    expect(a.ledger.equals(c.ledger)).toBe(false);
  });

  it("writes a file in which every line is a valid event", async () => {
    const { events, summary } = await runToFiles(5, 3);
    const lines = events.toString("utf8").trimEnd().split("\n");
    expect(lines).toHaveLength(summary.events);
    for (const line of lines) parseEventBytes(line);
  });

  it("never lets a card UID out: not in any published byte (MQTT or file) nor in any ledger line", async () => {
    const dir = tmp();
    const broker = new MemoryConnector();
    let sim: Simulation | undefined;
    await runSimulation({
      scenario: small,
      seed: 11,
      days: 14,
      speed: "max",
      cardTokenKey: TEST_CARD_KEY,
      sink: new MqttSink({ connector: broker, secret: TEST_SECRET }),
      ledgerPath: join(dir, "ledger.jsonl"),
      onSimulation: (s) => {
        sim = s;
      },
    });
    const file = await runToFiles(11, 14, dir);
    const uids = sim?.issuedCardUids() ?? [];
    expect(uids.length).toBeGreaterThan(50);
    expect(file.sim.issuedCardUids()).toEqual(uids);

    const published = [
      ...broker.messages.map((m) => `${m.topic}\n${m.payload}`),
      ...broker.connections.map(
        (c) => `${c.clientId}\n${c.username}\n${c.password}\n${c.will?.payload ?? ""}`,
      ),
    ].join("\n");
    const texts = {
      mqtt: published,
      file: file.events.toString("utf8"),
      ledger: readFileSync(join(dir, "ledger.jsonl"), "utf8"),
    };
    // The tokens that do go out are the HMACs of these very UIDs: the test looks at the right cards.
    const tokens = new Set(uids.map((uid) => cardToken(TEST_CARD_KEY, uid)));
    const sent = broker.messages.flatMap((m) => {
      const token = (JSON.parse(m.payload) as { cardToken?: string }).cardToken;
      return token ? [token] : [];
    });
    expect(sent.length).toBeGreaterThan(100);
    expect(sent.every((t) => tokens.has(t))).toBe(true);
    for (const uid of uids) {
      const bytes = Buffer.from(uid, "hex");
      const forms = [uid, uid.toLowerCase(), bytes.toString("base64"), bytes.toString("base64url")];
      for (const [where, text] of Object.entries(texts)) {
        for (const form of forms)
          if (text.includes(form)) throw new Error(`card UID ${uid} found in ${where}`);
      }
    }
  }, 30_000);

  it("given kill -9 twice with unacknowledged messages, when run again each time, then every event arrives, no seq carries two payloads, seqs only grow and each reconnect has its birth", async () => {
    const dir = tmp();
    const stateDir = join(dir, "state");
    const fingerprint: RunFingerprint = {
      scenario: "small",
      scenarioSha256: "test",
      seed: "3",
      days: 7,
      start: small.start,
    };
    const run = (broker: MemoryConnector, ledger: string, crashAfter?: number) => {
      const abort = new AbortController();
      const inner = new MqttSink({ connector: broker, secret: TEST_SECRET, maxInflight: 50 });
      let accepted = 0;
      // Crash part of the way through while the broker holds back its acknowledgements; the
      // process dies without closing its connections, so the broker publishes every will.
      const crashing: Sink = {
        accept(item: DeliveryItem, index: number) {
          inner.accept(item, index);
          if (++accepted === crashAfter) {
            broker.pause();
            abort.abort();
          }
        },
        skipped: (item, index) => inner.skipped(item, index),
        get backlog() {
          return inner.backlog;
        },
        waitForBacklog: (n) => inner.waitForBacklog(n),
        doneCounts: () => inner.doneCounts(),
        drain: () => inner.drain(),
        close: () => {
          if (crashAfter !== undefined) broker.crash();
          return inner.close();
        },
      };
      return runSimulation({
        scenario: small,
        seed: 3,
        days: 7,
        speed: "max",
        cardTokenKey: TEST_CARD_KEY,
        sink: crashing,
        store: OutboxStore.open(stateDir, fingerprint),
        ledgerPath: join(dir, ledger),
        signal: abort.signal,
        sliceActions: 100,
      });
    };
    const brokers = [new MemoryConnector(), new MemoryConnector(), new MemoryConnector()];
    const [b1, b2, b3] = brokers as [MemoryConnector, MemoryConnector, MemoryConnector];
    expect((await run(b1, "ledger1.jsonl", 2000)).completed).toBe(false);
    expect(b1.messages.some((m) => m.will)).toBe(true);
    expect((await run(b2, "ledger2.jsonl", 3000)).completed).toBe(false);
    expect(b2.messages.some((m) => m.will)).toBe(true);
    const run3 = await run(b3, "ledger3.jsonl");
    expect(run3.completed).toBe(true);
    expect(run3.resumedFrom).toBeDefined();

    const lines = readFileSync(join(dir, "ledger3.jsonl"), "utf8").trimEnd().split("\n");
    const facts = lines.map(
      (l) => JSON.parse(l) as { fact: string; key?: string; event?: HrEvent; t: string },
    );
    const expected = new Map<string, string>();
    for (const l of facts)
      if (l.fact === "event" && l.key && l.event) expected.set(l.key, JSON.stringify(l.event));
    expect(facts.filter((f) => f.fact === "simulator_restart")).toHaveLength(2);

    // Whatever any broker published under one key (the wills fired by the kills included) is
    // one payload, and it is the ledger's.
    const received = new Map<string, string>();
    for (const m of brokers.flatMap((b) => b.messages)) {
      const key = eventKey(JSON.parse(m.payload));
      const seen = received.get(key);
      if (seen !== undefined) expect(m.payload, key).toBe(seen);
      received.set(key, m.payload);
    }
    expect([...expected.keys()].filter((k) => !received.has(k))).toEqual([]);
    for (const [key, payload] of received) expect(payload, key).toBe(expected.get(key));

    // Per machine, seqs are unique and every connection after a kill opens with a birth whose seq
    // is above everything the machine sent before.
    for (const [i, broker] of [b1, b2].entries()) {
      const later = brokers.slice(i + 1).flatMap((b) => b.messages);
      const before = new Map<string, number>();
      for (const m of brokers.slice(0, i + 1).flatMap((b) => b.messages)) {
        const e = JSON.parse(m.payload) as { machineId?: string; seq: number };
        if (e.machineId) before.set(e.machineId, Math.max(before.get(e.machineId) ?? 0, e.seq));
      }
      const killed = new Set(broker.messages.filter((m) => m.will).map((m) => m.clientId));
      for (const machineId of killed) {
        const births = later
          .map(
            (m) => JSON.parse(m.payload) as HrEvent & { machineId?: string; state?: string; reason?: string },
          )
          .filter((e) => e.machineId === machineId && e.kind === "status" && e.reason === "connect");
        expect(births.length, machineId).toBeGreaterThan(0);
        expect(Math.min(...births.map((e) => e.seq)), machineId).toBeGreaterThan(before.get(machineId) ?? 0);
      }
    }
    const keys = facts.flatMap((f) => (f.fact === "event" && f.key ? [f.key] : []));
    expect(keys.length).toBeGreaterThan(5_000);
    expect(new Set(keys).size).toBe(keys.length);

    // What the broker acknowledged before a crash is not sent again (the resent are what was in flight).
    const firstKeys = new Set(b1.messages.filter((m) => !m.will).map((m) => eventKey(JSON.parse(m.payload))));
    const resent = b2.messages.filter((m) => !m.will && firstKeys.has(eventKey(JSON.parse(m.payload))));
    expect(firstKeys.size).toBeGreaterThan(1000);
    expect(resent.length).toBeLessThanOrEqual(50);

    // Up to the first restart the ledger is an uninterrupted run's, line for line.
    await runSimulation({
      scenario: small,
      seed: 3,
      days: 7,
      speed: "max",
      cardTokenKey: TEST_CARD_KEY,
      sink: new FileSink(join(dir, "clean.jsonl")),
      ledgerPath: join(dir, "clean-ledger.jsonl"),
    });
    const clean = readFileSync(join(dir, "clean-ledger.jsonl"), "utf8").trimEnd().split("\n");
    const cut = facts.findIndex((f) => f.fact === "simulator_restart");
    expect(cut).toBeGreaterThan(1000);
    expect(lines.slice(0, cut)).toEqual(clean.slice(0, cut));
    expect(lines.length).toBeGreaterThan(clean.length);
    // A completed run's state starts over next time.
    expect(OutboxStore.open(stateDir, fingerprint).resume).toBeUndefined();
  }, 60_000);

  it("refuses a state dir of another run", () => {
    const dir = tmp();
    const fp: RunFingerprint = {
      scenario: "small",
      scenarioSha256: "x",
      seed: "1",
      days: 7,
      start: small.start,
    };
    OutboxStore.open(dir, fp).checkpoint(new Map([["m", 1]]), 0);
    expect(() => OutboxStore.open(dir, { ...fp, seed: "2" })).toThrow(
      /belongs to another run \(different seed\)/,
    );
    expect(OutboxStore.open(dir, { ...fp, seed: "2" }, true).resume).toBeUndefined();
  });
});

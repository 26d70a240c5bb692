import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { eventKey, type HrEvent, parseEventBytes } from "@hrvend/schemas";
import { describe, expect, it } from "vitest";
import { cardToken } from "../crypto/cardToken";
import { FileSink } from "../delivery/fileSink";
import { MemoryConnector } from "../delivery/memoryConnector";
import { MqttSink } from "../delivery/mqttSink";
import { OutboxStore, type RunFingerprint } from "../delivery/outboxStore";
import type { Sink } from "../delivery/sink";
import { loadScenario } from "../scenario/loadScenario";
import type { DeliveryItem } from "../sim/deliveryItem";
import type { Simulation } from "../sim/simulation";
import { TEST_CARD_KEY, TEST_SECRET } from "../testSupport";
import { runSimulation } from "./runSimulation";

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
  });

  it("given a crash with unacknowledged messages, when run again, then it resumes: every event arrives, none with a new seq or different bytes", async () => {
    const dir = tmp();
    const stateDir = join(dir, "state");
    const fingerprint: RunFingerprint = {
      scenario: "small",
      scenarioSha256: "test",
      seed: "3",
      days: 7,
      start: small.start,
    };
    const first = new MemoryConnector();
    const abort = new AbortController();
    const inner = new MqttSink({ connector: first, secret: TEST_SECRET, maxInflight: 50 });
    let accepted = 0;
    // Crash part of the way through while the broker holds back its acknowledgements.
    const crashing: Sink = {
      accept(item: DeliveryItem, index: number) {
        inner.accept(item, index);
        if (++accepted === 2000) {
          first.pause();
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
      close: () => inner.close(),
    };
    const run1 = await runSimulation({
      scenario: small,
      seed: 3,
      days: 7,
      speed: "max",
      cardTokenKey: TEST_CARD_KEY,
      sink: crashing,
      store: OutboxStore.open(stateDir, fingerprint),
      ledgerPath: join(dir, "ledger1.jsonl"),
      signal: abort.signal,
      sliceActions: 100,
    });
    expect(run1.completed).toBe(false);

    const second = new MemoryConnector();
    const store = OutboxStore.open(stateDir, fingerprint);
    expect(store.resume?.done.size).toBeGreaterThan(0);
    const run2 = await runSimulation({
      scenario: small,
      seed: 3,
      days: 7,
      speed: "max",
      cardTokenKey: TEST_CARD_KEY,
      sink: new MqttSink({ connector: second, secret: TEST_SECRET }),
      store,
      ledgerPath: join(dir, "ledger2.jsonl"),
    });
    expect(run2.completed).toBe(true);
    expect(run2.resumedFrom).toBeDefined();

    const ledger = readFileSync(join(dir, "ledger2.jsonl"), "utf8").trimEnd().split("\n");
    const expected = new Map<string, string>();
    for (const line of ledger) {
      const l = JSON.parse(line) as { fact: string; key?: string; event?: HrEvent };
      if (l.fact === "event" && l.key && l.event) expected.set(l.key, JSON.stringify(l.event));
    }
    const received = new Map<string, string>();
    for (const m of [...first.messages, ...second.messages]) {
      const key = eventKey(JSON.parse(m.payload));
      const seen = received.get(key);
      if (seen !== undefined) expect(m.payload).toBe(seen);
      received.set(key, m.payload);
    }
    expect([...expected.keys()].filter((k) => !received.has(k))).toEqual([]);
    for (const [key, payload] of received) expect(payload).toBe(expected.get(key));
    // What the broker acknowledged before the crash is not sent again.
    const firstKeys = new Set(first.messages.map((m) => eventKey(JSON.parse(m.payload))));
    const resent = second.messages.filter((m) => firstKeys.has(eventKey(JSON.parse(m.payload))));
    expect(firstKeys.size).toBeGreaterThan(1000);
    expect(resent.length).toBeLessThanOrEqual(50);

    // The ledger of the resumed run is the same as an uninterrupted run's.
    const clean = await runSimulation({
      scenario: small,
      seed: 3,
      days: 7,
      speed: "max",
      cardTokenKey: TEST_CARD_KEY,
      sink: new FileSink(join(dir, "clean.jsonl")),
      ledgerPath: join(dir, "clean-ledger.jsonl"),
    });
    expect(clean.completed).toBe(true);
    expect(
      readFileSync(join(dir, "clean-ledger.jsonl")).equals(readFileSync(join(dir, "ledger2.jsonl"))),
    ).toBe(true);
    // A completed run's state starts over next time.
    expect(OutboxStore.open(stateDir, fingerprint).resume).toBeUndefined();
  });

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

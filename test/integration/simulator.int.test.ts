import { chmodSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { deviceCredentials, loadScenario } from "@hrvend/devices";
import { freePort, type ServerHandle, startMosquitto } from "@hrvend/local-stack";
import { newSecret } from "@hrvend/runtime";
import { eventKey, type HrEvent, isMachineEvent, parseEventBytes } from "@hrvend/schemas";
import mqtt from "mqtt";
import { afterAll, describe, expect, it } from "vitest";
import { ledgerEvents, runSimulator } from "../support/simulator";

const dir = mkdtempSync(join(tmpdir(), "hrvend-sim-"));
chmodSync(dir, 0o755);
let broker: ServerHandle | undefined;
afterAll(async () => {
  await broker?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const isOffline = (e: HrEvent) => e.kind === "status" && e.state === "offline";

describe("simulated fleet over a real mosquitto", () => {
  it("delivers every ledger event exactly once (after dedup by key), in seq order per machine, across a broker restart and a simulator SIGKILL", async () => {
    const secret = newSecret();
    const { scenario } = loadScenario("small");
    const brokerOpts = {
      dir: join(dir, "mosquitto"),
      port: await freePort(),
      users: [
        ...deviceCredentials(scenario, secret),
        { username: "watcher", password: "w", subscribe: ["hr/v1/#"] },
      ],
    };
    broker = await startMosquitto(brokerOpts);

    // A persistent-session subscriber: what it misses while the broker is down, it gets later.
    const received: HrEvent[] = [];
    const watcher = mqtt.connect(broker.url, {
      username: "watcher",
      password: "w",
      clientId: "watcher",
      clean: false,
      reconnectPeriod: 200,
    });
    watcher.on("message", (_t, payload) => received.push(parseEventBytes(payload)));
    await new Promise((r) => watcher.once("connect", r));
    await watcher.subscribeAsync("hr/v1/#", { qos: 1 });

    const ledger = join(dir, "ledger.jsonl");
    const args = [
      "--scenario",
      "small",
      "--days",
      "1",
      "--seed",
      "11",
      "--speed",
      "4000",
      "--mqtt-url",
      broker.url,
      "--ledger",
      ledger,
      "--state-dir",
      join(dir, "state"),
    ];
    const env = { HRVEND_DEPLOYMENT_SECRET: secret };

    let sim = runSimulator(args, env);
    await expect.poll(() => received.length, { timeout: 20_000 }).toBeGreaterThan(100);
    await broker.stop(); // the broker goes away mid-run...
    await new Promise((r) => setTimeout(r, 1_500));
    broker = await startMosquitto(brokerOpts); // ...and comes back with its persisted sessions
    const before = received.length;
    await expect.poll(() => received.length, { timeout: 20_000 }).toBeGreaterThan(before + 100);
    sim.child.kill("SIGKILL"); // the simulator dies without warning...
    await sim.exited;
    sim = runSimulator(args, env); // ...and resumes from its outbox
    expect(await sim.exited, sim.output()).toBe(0);

    const truth = ledgerEvents(ledger);
    const expected = new Map(truth.map((l) => [l.key, l.event]));
    await expect.poll(() => new Set(received.map(eventKey)).size, { timeout: 20_000 }).toBe(expected.size);

    const seen = new Map<string, HrEvent>();
    for (const e of received) if (!seen.has(eventKey(e))) seen.set(eventKey(e), e);
    expect([...seen.keys()].sort()).toEqual([...expected.keys()].sort());
    // Every copy of a key is the ledger's event, wills included: after the SIGKILL the broker
    // published each connected machine's will, and the resumed run records that same will and
    // reconnects with a new birth instead of reusing the will's seq for a clean shutdown.
    for (const e of received) expect(e, eventKey(e)).toEqual(expected.get(eventKey(e)));
    const restarts = readFileSync(ledger, "utf8")
      .split("\n")
      .filter((l) => l.includes('"fact":"simulator_restart"'));
    expect(restarts).toHaveLength(1);
    // Per machine, first arrivals come in seq order (offline events use a seq reserved earlier).
    const lastSeq = new Map<string, number>();
    for (const e of seen.values()) {
      if (!isMachineEvent(e) || isOffline(e)) continue;
      expect(e.seq, `${e.machineId} out of order`).toBeGreaterThan(lastSeq.get(e.machineId) ?? 0);
      lastSeq.set(e.machineId, e.seq);
    }
    expect(received.length).toBeGreaterThanOrEqual(expected.size);
    await watcher.endAsync();
  });
});

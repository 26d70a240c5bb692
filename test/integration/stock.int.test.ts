import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadScenario } from "@hrvend/devices";
import { applyMqttUsers } from "@hrvend/local-stack";
import { newSecret } from "@hrvend/runtime";
import { LocalCalendar, type LocalDate } from "@hrvend/runtime/time";
import { mqttTopic } from "@hrvend/schemas";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect as natsConnect } from "@nats-io/transport-node";
import { sql } from "kysely";
import { afterAll, describe, expect, it } from "vitest";
import { hrvend, hrvendInBackground } from "../support/cli";
import { isolate, testDatabase } from "../support/isolate";
import { type Fact, ledgerFacts, ledgerPeriods, type Period } from "../support/ledger";
import { startPrivateServers } from "../support/private-servers";
import { alertPeriods, reconcileStock, slotOf } from "../support/reconcile";
import { type ServiceProcess, startService } from "../support/services";
import { runSimulator } from "../support/simulator";

const iso = isolate("stock");
const dir = mkdtempSync(join(tmpdir(), "hrvend-stock-"));
chmodSync(dir, 0o755);
const cleanup: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const c of cleanup.reverse()) await c().catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
});

describe("stock service through the real pipeline", () => {
  it("small scenario, 30 days: every level change, final level, stockout, low-stock and offline period equals the ledger; a SIGKILL and a rebuild change nothing", {
    timeout: 300_000,
  }, async () => {
    const secret = newSecret();
    const { scenario } = loadScenario("small");
    const { broker, nats, stop } = await startPrivateServers(dir, scenario, secret);
    cleanup.push(stop);
    const tdb = await testDatabase(iso);
    cleanup.push(() => tdb.close());

    const gateway = await startService(
      "gateway",
      {
        GATEWAY_ID: "stock",
        MQTT_URL: broker.url,
        MQTT_USERNAME: "gw",
        MQTT_PASSWORD: "gw",
        NATS_URL: nats.url,
        METRICS_PORT: "0",
      },
      "stock-gateway",
    );
    cleanup.push(() => gateway.kill("SIGTERM"));
    // A Min per slot (10, or the capacity of a smaller slot), as the reorder service would store it.
    const mins = new Map<string, number>();
    for (const p of scenario.prisons)
      for (const m of p.machines)
        for (const x of m.slots) {
          mins.set(`${m.machineId}/${x.slotId}`, Math.min(10, x.capacity));
          await sql`
            INSERT INTO reorder.slot_parameters (prison_id, machine_id, slot_id, item_id, capacity, stock, lots, source,
              average_daily, sigma, weekday_factors, safety_stock, min, max, as_of, revision)
            VALUES (${p.prisonId}, ${m.machineId}, ${x.slotId}, ${x.itemId}, ${x.capacity}, 0, '[]', 'history',
              1, 0, '{1,1,1,1,1,1,1}', 0, ${Math.min(10, x.capacity)}, ${x.capacity}, now(), 1)`.execute(
            tdb.db,
          );
        }
    const stockEnv = { NATS_URL: nats.url, DATABASE_URL: tdb.roleUrl("hrvend_writer"), METRICS_PORT: "0" };
    let stock: ServiceProcess = await startService("stock", stockEnv, "stock");
    cleanup.push(() => stock.kill("SIGTERM"));

    const ledger = join(dir, "ledger.jsonl");
    const sim = runSimulator(
      [
        "--scenario",
        "small",
        "--days",
        "30",
        "--seed",
        "5",
        "--speed",
        "max",
        "--mqtt-url",
        broker.url,
        "--ledger",
        ledger,
        "--state-dir",
        join(dir, "sim"),
      ],
      { HRVEND_DEPLOYMENT_SECRET: secret },
    );
    const changes = async () =>
      Number(
        (await sql<{ n: string }>`SELECT count(*) AS n FROM stock.level_change`.execute(tdb.db)).rows[0]?.n,
      );
    await expect.poll(changes, { timeout: 60_000, interval: 100 }).toBeGreaterThan(60);
    await stock.kill("SIGKILL"); // mid-run: it resumes from its committed position
    stock = await startService("stock", stockEnv, "stock");
    expect(await sim.exited, sim.output()).toBe(0);

    const facts = ledgerFacts(ledger);
    const nc = await natsConnect({ servers: nats.url });
    const jsm = await jetstreamManager(nc);
    const inStream = async () => (await jsm.streams.info("HR_EVENTS")).state.messages;
    await expect
      .poll(inStream, { timeout: 120_000, interval: 250 })
      .toBe(facts.filter((f) => f.fact === "event").length);
    const last = (await jsm.streams.info("HR_EVENTS")).state.last_seq;
    await nc.close();
    await expect
      .poll(
        async () =>
          Number(
            (
              await sql<{
                s: string;
              }>`SELECT stream_seq AS s FROM ingest.stream_position WHERE consumer = 'stock'`.execute(tdb.db)
            ).rows[0]?.s,
          ),
        { timeout: 120_000, interval: 250 },
      )
      .toBe(last);

    const stockFacts = facts.filter((f): f is Fact & { fact: "stock" } => f.fact === "stock");
    // Every level change and final level; one alert per stockout and offline period, at the ledger's times.
    const counted = await reconcileStock(tdb.db, facts);
    expect(counted.stockouts).toBeGreaterThan(2);
    expect(counted.offline).toBeGreaterThan(2);
    const finalLedger = new Map(stockFacts.map((f) => [slotOf(f), f.level]));
    const stockouts = ledgerPeriods(facts, "stockout_start", "stockout_end", (f) =>
      slotOf(f as { machineId: string; slotId: string }),
    );
    const offline = ledgerPeriods(
      facts,
      "offline_start",
      "offline_end",
      (f) => (f as { machineId: string }).machineId,
    );
    // Low stock: from the stock fact that took a slot below its Min to the one that brought it back.
    const lows = new Map<string, Period[]>();
    for (const f of stockFacts) {
      const list = lows.get(slotOf(f)) ?? [];
      const open = list.at(-1)?.end === null;
      const min = mins.get(slotOf(f)) as number;
      if (f.level < min && !open) list.push({ start: Date.parse(f.t), end: null });
      if (f.level >= min && open) (list.at(-1) as Period).end = Date.parse(f.t);
      if (list.length > 0) lows.set(slotOf(f), list);
    }
    expect([...lows.values()].flat().length).toBeGreaterThan(2);
    expect(await alertPeriods(tdb.db, "low_stock", slotOf)).toEqual(lows);
    // Grafana's role reads the reporting views, never the service's own tables.
    const grafana = (await import("@hrvend/runtime/db")).createDb(tdb.roleUrl("hrvend_admin_national"), {
      max: 1,
    });
    await expect(sql`SELECT count(*) FROM administration.slot_stock`.execute(grafana)).resolves.toBeDefined();
    // Stockout minutes and availability per slot over the whole run, as Grafana reads them.
    const runStart = facts.find((f) => f.fact === "run_start") as Fact & { start: string; end: string };
    const avail = await sql<{
      machine_id: string;
      slot_id: string;
      stockout_minutes: number;
      stocked_online_minutes: number;
      known_online_minutes: number;
      availability_pct: number | null;
      uptime_pct: number;
    }>`SELECT * FROM administration.slot_availability(${runStart.start}::timestamptz, ${runStart.end}::timestamptz)`.execute(
      grafana,
    );
    expect(avail.rows.length).toBe(finalLedger.size);
    const runEnd = Date.parse(runStart.end);
    const timeZoneOf = (machineId: string) =>
      scenario.prisons.find((p) => p.machines.some((m) => m.machineId === machineId))?.timeZone as string;
    for (const r of avail.rows) {
      const want =
        (stockouts.get(slotOf(r)) ?? []).reduce((n, p) => n + ((p.end ?? runEnd) - p.start), 0) / 60_000;
      expect(r.stockout_minutes, slotOf(r)).toBeCloseTo(want, 3);
      expect(r.uptime_pct).toBeGreaterThan(90);
      expect(r.uptime_pct).toBeLessThan(100);
      if (want > 0) expect(r.availability_pct).toBeLessThan(100);
      // Availability from the ledger: stock > 0 while online, expired naloxone not counting.
      const expected = ledgerAvailability(stockFacts, offline, slotOf(r), runEnd, timeZoneOf(r.machine_id));
      expect(r.known_online_minutes, slotOf(r)).toBeCloseTo(expected.knownOnline, 3);
      // Expiry days end at local midnight in the prison's time zone, also across a DST change.
      expect(r.stocked_online_minutes, slotOf(r)).toBeCloseTo(expected.stockedOnline, 3);
    }
    await expect(sql`SELECT state FROM stock.machine_state`.execute(grafana)).rejects.toThrow(
      /permission denied/,
    );
    await grafana.destroy();

    // `hrvend replay --service stock` rebuilds the same tables from the whole stream.
    const stockTables = async () => {
      const q = async (table: string, order: string) =>
        (await sql.raw(`SELECT * FROM stock.${table} ORDER BY ${order}`).execute(tdb.db)).rows.map((r) => {
          // updated_at and the row version count writes, which depend on how the stream was batched
          const { updated_at: _, version: _v, ...rest } = r as Record<string, unknown>;
          return rest;
        });
      return {
        levelChanges: await q("level_change", "event_key"),
        slots: await q("slot", "machine_id, slot_id"),
        health: await q("machine_health", "machine_id"),
        alerts: await q("alert", "alert_id"),
        states: await q("machine_state", "machine_id"),
        held: await q("held_event", "machine_id, seq, k"),
      };
    };
    const live = await stockTables();
    await stock.kill("SIGTERM");
    const position = async () =>
      Number(
        (
          await sql<{
            s: string;
          }>`SELECT stream_seq AS s FROM ingest.stream_position WHERE consumer = 'stock'`.execute(tdb.db)
        ).rows[0]?.s ?? 0,
      );
    const replay = hrvendInBackground([
      "replay",
      "--service",
      "stock",
      "--database-url",
      tdb.adminUrl,
      "--nats-url",
      nats.url,
    ]);
    await expect.poll(position, { timeout: 30_000, interval: 50 }).toBe(0);
    stock = await startService("stock", stockEnv, "stock");
    const replayed = await replay;
    expect(replayed.code, replayed.stderr).toBe(0);
    expect(replayed.stdout).toContain(`stock: rebuilt from ${last} stream messages`);
    const rebuilt = await stockTables();
    expect(rebuilt.levelChanges).toEqual(live.levelChanges);
    expect(rebuilt.slots).toEqual(live.slots);
    expect(rebuilt.alerts).toEqual(live.alerts);
    expect(rebuilt.health).toEqual(live.health);
    expect(rebuilt.states).toEqual(live.states);
    expect(rebuilt.held).toEqual(live.held);

    // A person acknowledges an active alert with the CLI; a cleared one cannot be acknowledged.
    const listed = await hrvend([
      "alerts",
      "list",
      "--all",
      "--json",
      "--database-url",
      tdb.roleUrl("hrvend_writer"),
    ]);
    expect(listed.code, listed.stderr).toBe(0);
    const all = JSON.parse(listed.stdout) as { id: string; clearedAt: string | null }[];
    expect(all.length).toBe(live.alerts.length);
    const active = all.find((a) => a.clearedAt === null);
    const cleared = all.find((a) => a.clearedAt !== null);
    expect(active).toBeDefined();
    // The acknowledgement is an event from the operator's source: its own broker account.
    const operator = "ops-tester";
    await applyMqttUsers(broker.dir, broker.pid, "operator", [
      {
        username: operator,
        password: "ops-pw",
        publish: [mqttTopic({ prisonId: "+", sourceId: operator, kind: "alert_ack" })],
      },
    ]);
    const passwordFile = join(dir, "operator.pw");
    writeFileSync(passwordFile, "ops-pw");
    const db = [
      "--database-url",
      tdb.roleUrl("hrvend_writer"),
      "--operator",
      operator,
      "--mqtt-url",
      broker.url,
      "--mqtt-password-file",
      passwordFile,
    ];
    const acked = await hrvend(["alerts", "ack", active?.id as string, "--by", "tester", ...db]);
    expect(acked.code, acked.stderr).toBe(0);
    const row = await sql<{ acknowledged_by: string; acknowledged_at: Date | null }>`
      SELECT acknowledged_by, acknowledged_at FROM stock.alert WHERE alert_id = ${active?.id as string}`.execute(
      tdb.db,
    );
    expect(row.rows[0]?.acknowledged_by).toBe("tester");
    const refused = await hrvend(["alerts", "ack", cleared?.id as string, "--by", "tester", ...db]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain("nothing to acknowledge");
  });
});

/**
 * A slot's known-online and stocked-online minutes from the ledger: each stock fact's level holds
 * until the slot's next fact; stocked while level > 0 and before its lots have all expired (end
 * of the last expiry day, local time); online outside the machine's ledger offline periods.
 */
function ledgerAvailability(
  stockFacts: readonly (Fact & { fact: "stock" })[],
  offline: Map<string, Period[]>,
  slot: string,
  runEnd: number,
  timeZone: string,
): { knownOnline: number; stockedOnline: number } {
  const facts = stockFacts.filter((f) => `${f.machineId}/${f.slotId}` === slot);
  const machineId = slot.split("/")[0] as string;
  const away = (offline.get(machineId) ?? []).map((p) => ({ start: p.start, end: p.end ?? runEnd }));
  const onlineMs = (a: number, b: number) =>
    Math.max(0, b - a) - away.reduce((n, p) => n + Math.max(0, Math.min(b, p.end) - Math.max(a, p.start)), 0);
  const calendar = LocalCalendar.for(timeZone);
  let knownOnline = 0;
  let stockedOnline = 0;
  facts.forEach((f, i) => {
    const from = Date.parse(f.t);
    const to = i + 1 < facts.length ? Date.parse((facts[i + 1] as Fact).t) : runEnd;
    knownOnline += onlineMs(from, to);
    if (f.level === 0) return;
    const lots = (f.lots ?? []).filter((l) => l.quantity > 0);
    const lastExpiry = lots.reduce((d, l) => (l.expiry > d ? l.expiry : d), "");
    const usableUntil =
      lots.length === 0 ? to : calendar.startOfDay(LocalCalendar.addDays(lastExpiry as LocalDate, 1));
    stockedOnline += onlineMs(from, Math.min(to, usableUntil));
  });
  return { knownOnline: knownOnline / 60_000, stockedOnline: stockedOnline / 60_000 };
}

import { appendFileSync, chmodSync, copyFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { migrateToLatest } from "@hrvend/cli/db";
import { ReplayFileError, replayFile, replayStream } from "@hrvend/recorder";
import { recordedEventKeys } from "@hrvend/recorder/read";
import { createDb, ensureDatabase, withDatabase } from "@hrvend/runtime/db";
import { addressOf, eventKey, natsSubject, parseEventBytes } from "@hrvend/schemas";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect as natsConnect } from "@nats-io/transport-node";
import { sql } from "kysely";
import { afterAll, describe, expect, it } from "vitest";
import { isolate, testDatabase, withRolesLock } from "../support/isolate";
import { ledgerEvents, runSimulator } from "../support/simulator";

const iso = isolate("replay");
const dir = mkdtempSync(join(tmpdir(), "hrvend-replay-"));
chmodSync(dir, 0o755);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const rowsOf = async (db: ReturnType<typeof createDb>) => ({
  raw: (await sql`SELECT event_key, payload FROM ingest.raw_event ORDER BY event_key`.execute(db)).rows,
  // Heartbeats are rolled up, not stored raw (migration 0025): the rollups must be identical too.
  hourly: (await sql`SELECT * FROM ingest.heartbeat_hourly ORDER BY machine_id, hour`.execute(db)).rows,
  intervals: (
    await sql`SELECT * FROM ingest.machine_health_interval ORDER BY machine_id, started_at, status`.execute(
      db,
    )
  ).rows,
});

describe("replay", () => {
  it("loads a simulator --out file, idempotently, and rebuilds identical tables from the stream", async () => {
    const out = join(dir, "events.jsonl");
    const ledger = join(dir, "ledger.jsonl");
    const sim = runSimulator(
      ["--scenario", "small", "--days", "3", "--seed", "r1", "--out", out, "--ledger", ledger],
      { HRVEND_DEPLOYMENT_SECRET: "replay-test-secret-0123456789" },
    );
    expect(await sim.exited, sim.output()).toBe(0);
    const truth = ledgerEvents(ledger);

    const a = await testDatabase(iso);
    const first = await replayFile(out, a.db, () => {});
    expect(first.result).toEqual({ inserted: truth.length, duplicates: 0, conflicts: 0 });
    const again = await replayFile(out, a.db, () => {});
    expect(again.result).toEqual({ inserted: 0, duplicates: truth.length, conflicts: 0 });
    const fromFile = await rowsOf(a.db);
    expect((await recordedEventKeys(a.db)).sort()).toEqual(truth.map((t) => t.key).sort());

    // The same events through a JetStream stream, replayed into a second, empty database.
    const nc = await natsConnect({ servers: iso.servers.natsUrl });
    const jsm = await jetstreamManager(nc);
    const stream = iso.stream("events");
    await jsm.streams.add({ name: stream, subjects: [`${iso.tag}.>`] });
    const js = jetstream(nc);
    for (const line of readFileSync(out, "utf8").split("\n").filter(Boolean)) {
      const e = parseEventBytes(line);
      await js.publish(`${iso.tag}.${natsSubject(addressOf(e))}`, line, { msgID: eventKey(e) });
    }
    const adminB = createDb(iso.servers.postgresAdminUrl, { max: 1 });
    await ensureDatabase(adminB, `${iso.tag}b`);
    await adminB.destroy();
    const b = createDb(withDatabase(iso.servers.postgresAdminUrl, `${iso.tag}b`), { max: 2 });
    await withRolesLock(iso.servers.postgresAdminUrl, () => migrateToLatest(b));
    const fromStream = await replayStream(js, jsm, b, stream, () => {});
    expect(fromStream.result.inserted).toBe(truth.length);
    expect(await rowsOf(b)).toEqual(fromFile);
    await b.destroy();
    await nc.close();

    // A broken line stops the replay and names its line.
    const bad = join(dir, "bad.jsonl");
    copyFileSync(out, bad);
    appendFileSync(bad, '{"v":1,"kind":"dispense","quantity":"lots"}\n');
    const lineNo = readFileSync(bad, "utf8").split("\n").filter(Boolean).length;
    await expect(replayFile(bad, a.db, () => {})).rejects.toThrow(ReplayFileError);
    await expect(replayFile(bad, a.db, () => {})).rejects.toThrow(
      new RegExp(`bad\\.jsonl:${lineNo}: invalid dispense`),
    );
    await a.close();
  });
});

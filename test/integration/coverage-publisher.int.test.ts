import { publishIfBehind, publishRound, solveInWorker, startPublisher, yearMemo } from "@hrvend/coverage";
import { applyBatch } from "@hrvend/coverage/store";
import { committedSeq } from "@hrvend/runtime/db";
import { type HrEvent, HrEvent as HrEventSchema } from "@hrvend/schemas";
import { sql } from "kysely";
import pino from "pino";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { coverageEvents } from "../support/coverage-events";
import { isolate, type TestDatabase, testDatabase } from "../support/isolate";

/**
 * The service's publisher solves suppression in a worker thread from a snapshot read without the
 * figures lock (services/coverage/src/publish.ts): batches commit while a round solves, a pattern
 * is written only with the figures it was solved for and never over a newer publication, and a
 * worker that dies publishes nothing.
 */

const iso = isolate("covpub");
let tdb: TestDatabase;
beforeAll(async () => {
  tdb = await testDatabase(iso);
});
afterAll(async () => tdb?.close());

const valid = (events: HrEvent[]) => events.map((e) => HrEventSchema.parse(e));
const HEAP = { heapMb: 512 };
const solve = (input: Parameters<typeof solveInWorker>[0]) => solveInWorker(input, HEAP);

/** A prison whose quarter has `clients` NSP clients (one kit each on 2 June 2026). */
function prisonEvents(p: string, clients: number, first = 1) {
  const ev = coverageEvents(p, "UTC");
  return {
    ev,
    start: valid([
      ev.refItem("2026-06-01T00:00:00Z", `kit-${p}`, "syringe_kit", 10),
      ev.refPrison("2026-06-01T00:00:00Z"),
      ev.census("2026-06-01T21:05:00Z", "2026-06-01", 200),
      ...Array.from({ length: clients }, (_, i) =>
        ev.dispense("2026-06-02T10:00:00Z", ev.token(first + i), `kit-${p}`),
      ),
    ]),
  };
}

async function state() {
  const r = await sql<{ figure_revision: string; published_revision: string }>`
    SELECT figure_revision, published_revision FROM coverage.publish_state WHERE id = 1`.execute(tdb.db);
  return r.rows[0];
}
async function publishedClients(scope: string) {
  const r = await sql<{ nsp_clients: number | null; suppressed: string[] }>`
    SELECT nsp_clients, suppressed FROM coverage.published
    WHERE scope = ${scope} AND grain = 'quarter' AND period_start = '2026-04-01'`.execute(tdb.db);
  return r.rows[0];
}

describe("coverage's publisher (worker thread, snapshot, revision check)", () => {
  it("given figures that move while a round solves, then the pattern is written only with the figures it was solved for (the snapshot's), the publication stays behind, and the next round publishes the new figures", async () => {
    const a = iso.prison("stale-a");
    const b = iso.prison("stale-b");
    const pa = prisonEvents(a, 12);
    const pb = prisonEvents(b, 9);
    await applyBatch(tdb.db, [...pa.start, ...pb.start], null);
    const memo = yearMemo();
    // Two clients more at b while the worker solves: b's quarter goes from 9 to 11.
    const more = valid([
      pb.ev.dispense("2026-06-03T10:00:00Z", pb.ev.token(100), `kit-${b}`),
      pb.ev.dispense("2026-06-03T11:00:00Z", pb.ev.token(101), `kit-${b}`),
    ]);
    let snapshotRevision = "";
    const r = await publishRound(tdb.db, memo, async (input) => {
      const out = await solve(input);
      snapshotRevision = (await state())?.figure_revision ?? "";
      await applyBatch(tdb.db, more, null);
      return out;
    });
    expect(r).toMatchObject({ outcome: "behind" });
    // The snapshot's figures with their pattern: 9, not the 11 committed during the solve.
    expect(await publishedClients(b)).toMatchObject({ nsp_clients: 9 });
    const s = await state();
    expect(s?.published_revision).toBe(snapshotRevision);
    expect(BigInt(s?.published_revision ?? 0)).toBeLessThan(BigInt(s?.figure_revision ?? 0));
    const next = await publishRound(tdb.db, memo, solve);
    expect(next).toMatchObject({ outcome: "published" });
    expect(await publishedClients(b)).toMatchObject({ nsp_clients: 11 });
    expect(await publishedClients(a)).toMatchObject({ nsp_clients: 12 });
    const after = await state();
    expect(after?.published_revision).toBe(after?.figure_revision);
  });

  it("given a newer publication written while a round solves (estimates loaded), then the round's older pattern is not written", async () => {
    const c = iso.prison("newer-c");
    const pc = prisonEvents(c, 6);
    await applyBatch(tdb.db, pc.start, null);
    const r = await publishRound(tdb.db, yearMemo(), async (input) => {
      const out = await solve(input);
      await applyBatch(
        tdb.db,
        valid([pc.ev.dispense("2026-06-03T10:00:00Z", pc.ev.token(200), `kit-${c}`)]),
        null,
      );
      expect(await publishIfBehind(tdb.db)).not.toBeNull(); // in-process, under the lock: 7 clients
      return out;
    });
    expect(r).toEqual({ outcome: "stale" });
    expect(await publishedClients(c)).toMatchObject({ nsp_clients: 7 });
    const s = await state();
    expect(s?.published_revision).toBe(s?.figure_revision);
  });

  it("given a worker that dies over its heap cap, then nothing is published (no small count shown), the failure is logged and counted, and the next round publishes it hidden", async () => {
    const own = await testDatabase(isolate("covpubheap"));
    try {
      const big = iso.prison("heap-big");
      const small = iso.prison("heap-small");
      await applyBatch(own.db, [...prisonEvents(big, 30).start, ...prisonEvents(small, 2, 500).start], null);
      const registry = new Registry();
      const lines: string[] = [];
      const log = pino({ level: "debug" }, { write: (l: string) => void lines.push(l) });
      const dying = startPublisher(own.db, { intervalMs: 60_000, heapMb: 2, log, registry });
      await dying.stop(); // the first round and the final one: both in a 2 MB worker
      const published = await sql<{ n: number }>`SELECT count(*)::int AS n FROM coverage.published`.execute(
        own.db,
      );
      expect(published.rows[0]?.n).toBe(0);
      const metric = await registry.getSingleMetric("hrvend_coverage_publication_rounds_total")?.get();
      expect(metric?.values.find((v) => v.labels["outcome"] === "worker_failed")?.value).toBe(2);
      const errors = lines.map((l) => JSON.parse(l) as { level: number; msg: string; reason?: string });
      expect(errors.filter((e) => e.level === 50 && e.reason === "heap")).toHaveLength(2);

      const okRegistry = new Registry();
      const ok = startPublisher(own.db, { intervalMs: 60_000, heapMb: 512, log, registry: okRegistry });
      await ok.stop();
      const okMetric = await okRegistry.getSingleMetric("hrvend_coverage_publication_rounds_total")?.get();
      expect(okMetric?.values.find((v) => v.labels["outcome"] === "published")?.value).toBe(1);
      const r = await sql<{ scope: string; nsp_clients: number | null; suppressed: string[] }>`
        SELECT scope, nsp_clients, suppressed FROM coverage.published
        WHERE grain = 'quarter' AND scope IN (${big}, ${small}) ORDER BY scope`.execute(own.db);
      const byScope = new Map(r.rows.map((x) => [x.scope, x]));
      // 2 clients is under the threshold 5: hidden (and the 30 stays published or hidden by the pattern).
      expect(byScope.get(small)).toMatchObject({ nsp_clients: null });
      expect(byScope.get(small)?.suppressed).toContain("nspClients");
      expect(byScope.get(big)).toBeDefined();
    } finally {
      await own.close();
    }
  });

  it("given a slow round during which figures move and then stop, then the next round starts once they have been quiet for an interval, not after the pacing of 5 × the round", async () => {
    const own = await testDatabase(isolate("covpubquiet"));
    try {
      const p = iso.prison("quiet");
      const pe = prisonEvents(p, 8);
      await applyBatch(own.db, pe.start, null);
      const SLOW_MS = 3_000; // pacing after this round: at least 15 s
      let first = true;
      const lines: string[] = [];
      const log = pino({ level: "debug" }, { write: (l: string) => void lines.push(l) });
      const publisher = startPublisher(own.db, {
        intervalMs: 200,
        heapMb: 512,
        log,
        registry: new Registry(),
        solve: async (input) => {
          await new Promise((r) => setTimeout(r, SLOW_MS));
          if (first) {
            first = false;
            // The figures move during the first round, then stay still.
            await applyBatch(
              own.db,
              valid([pe.ev.dispense("2026-06-05T10:00:00Z", pe.ev.token(3000), `kit-${p}`)]),
              null,
            );
          }
          return solve(input);
        },
      });
      try {
        await expect
          .poll(() => lines.some((l) => l.includes('"outcome":"behind"')), { timeout: 30_000, interval: 50 })
          .toBe(true);
        const roundEnded = Date.now();
        await expect
          .poll(
            async () => {
              const s = await sql<{ current: boolean }>`
                SELECT published_revision = figure_revision AS current FROM coverage.publish_state`.execute(
                own.db,
              );
              return s.rows[0]?.current;
            },
            { timeout: 60_000, interval: 50 },
          )
          .toBe(true);
        const waited = Date.now() - roundEnded;
        // The second round itself takes SLOW_MS; the pacing alone would have waited 15 s before it.
        expect(waited).toBeLessThan(5 * SLOW_MS);
        const r = await sql<{ nsp_clients: number | null }>`
          SELECT nsp_clients FROM coverage.published
          WHERE scope = ${p} AND grain = 'quarter' AND period_start = '2026-04-01'`.execute(own.db);
        expect(r.rows[0]?.nsp_clients).toBe(9);
      } finally {
        await publisher.stop();
      }
    } finally {
      await own.close();
    }
  }, 120_000);

  it("given a round solving, then consumer batches commit meanwhile (the position advances during the solve) and no figure lock is held by the round", async () => {
    const p = iso.prison("live");
    const pe = prisonEvents(p, 7);
    await applyBatch(tdb.db, pe.start, { consumer: "covpub-live", stream: "HR_EVENTS", seq: 1 });
    const memo = yearMemo();
    let seq = 1;
    const seqsDuringSolve: number[] = [];
    const r = await publishRound(tdb.db, memo, async (input) => {
      let solving = true;
      const round = solve(input).finally(() => {
        solving = false;
      });
      // The consumer's work while the worker solves: batches that take the figures lock and move the position.
      while (solving) {
        seq++;
        await applyBatch(
          tdb.db,
          valid([pe.ev.dispense("2026-06-04T10:00:00Z", pe.ev.token(1000 + seq), `kit-${p}`)]),
          {
            consumer: "covpub-live",
            stream: "HR_EVENTS",
            seq,
          },
        );
        if (solving) seqsDuringSolve.push(await committedSeq(tdb.db, "covpub-live"));
      }
      return round;
    });
    expect(seqsDuringSolve.length).toBeGreaterThan(0);
    expect(seqsDuringSolve[0]).toBeGreaterThan(1);
    expect(r).toMatchObject({ outcome: "behind" }); // the batches moved the figures: the snapshot is published
    expect(await publishRound(tdb.db, memo, solve)).toMatchObject({ outcome: "published" });
    expect(await publishedClients(p)).toMatchObject({ nsp_clients: 7 + (seq - 1) });
  });
});

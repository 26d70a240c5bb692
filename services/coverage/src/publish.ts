import type { Database } from "@hrvend/runtime/db";
import type { Kysely } from "kysely";
import type { Logger } from "pino";
import { Counter, Histogram, type Registry } from "prom-client";
import {
  type Figure,
  figureKey,
  publishedRow,
  type SuppressedColumn,
  type ThresholdRow,
  thresholdFor,
} from "./domain";
import { type YearMemo, yearMemo } from "./memo";
import {
  type CoverageDb,
  coverageDb,
  lockFigures,
  publicationBehind,
  readPublishable,
  revisions,
  writePublication,
} from "./store";
import { type RoundInput, type RoundOutput, solveRound } from "./suppress-round";
import {
  RECYCLING_DEFAULTS,
  SuppressionWorkerError,
  suppressionWorker,
  type WorkerRecycling,
} from "./suppress-worker";

/** The published rows of a snapshot under a solved pattern. */
function publishedRows(figures: readonly Figure[], thresholds: readonly ThresholdRow[], out: RoundOutput) {
  const cells = new Map(out.cells.map(([k, cols]) => [k, new Set<SuppressedColumn>(cols)]));
  return figures.map((f) =>
    publishedRow(f, cells.get(figureKey(f)) ?? new Set(), thresholdFor(f.periodEnd, thresholds)),
  );
}

/**
 * Publishes the funder figures (quarters and years; the funder view reads them) under optimal
 * complementary suppression (domain/suppress.ts, HiGHS), in-process. Suppression links the cells
 * of a year (prisons → programme, quarters → year), so it runs over every funder figure; only rows
 * whose published content changed are rewritten. Runs inside the caller's transaction, under the
 * lock (the CLI's estimates load; the service's publisher solves in a worker, `publishRound`).
 */
export async function republish(trx: CoverageDb): Promise<number> {
  const { revision, figures, thresholds } = await readPublishable(trx);
  const out = await solveRound({ figures, thresholds, memo: [] });
  return writePublication(trx, publishedRows(figures, thresholds, out), revision);
}

/** Brings the publication up to date in its own transaction, in-process (tests, the CLI's settle). */
export async function publishIfBehind(db: Kysely<Database>): Promise<number | null> {
  const cdb = coverageDb(db);
  if (!(await publicationBehind(cdb))) return null;
  return cdb.transaction().execute(async (trx) => {
    await lockFigures(trx);
    return republish(trx);
  });
}

type Solve = (input: RoundInput) => Promise<RoundOutput>;

/**
 * One round of the service's publisher: a snapshot of the figures read without the figures lock
 * (one repeatable-read transaction, so figures, thresholds and revision agree), solved by `solve`
 * (a worker thread), then written under the lock. The pattern is only ever written with the very
 * figures it was solved for (the snapshot's), never applied to figures that moved meanwhile:
 * - figures unchanged since the snapshot: the publication becomes current (`published`);
 * - figures moved, the snapshot still newer than the publication: the snapshot's protected
 *   publication is written and marked published up to the snapshot's revision, so it stays
 *   behind and the next round starts from the new figures (`behind`); a service under constant
 *   traffic, whose every round sees new figures, thus still publishes, one round late;
 * - a newer publication was written meanwhile (the CLI's estimates load), or the revisions went
 *   back (a rebuild): nothing (`stale`).
 * `null` when the publication was not behind.
 */
export async function publishRound(
  db: Kysely<Database>,
  memo: YearMemo,
  solve: Solve,
): Promise<{ outcome: "published" | "behind"; rows: number } | { outcome: "stale" } | null> {
  const cdb = coverageDb(db);
  if (!(await publicationBehind(cdb))) return null;
  const snap = await cdb
    .transaction()
    .setIsolationLevel("repeatable read")
    .execute((trx) => readPublishable(trx));
  const out = await solve({ figures: snap.figures, thresholds: snap.thresholds, memo: memo.entries() });
  // The memo's patterns are keyed by their whole input: valid whether or not this round is written.
  for (const [year, digest, hidden] of out.memo) memo.load(year, digest, hidden);
  return cdb.transaction().execute(async (trx) => {
    await lockFigures(trx);
    const now = await revisions(trx);
    // A newer publication, or revisions that went back (a rebuild emptied publish_state): not this snapshot.
    if (BigInt(now.published) >= BigInt(snap.revision) || BigInt(now.figure) < BigInt(snap.revision))
      return { outcome: "stale" as const };
    const rows = await writePublication(
      trx,
      publishedRows(snap.figures, snap.thresholds, out),
      snap.revision,
    );
    return { outcome: now.figure === snap.revision ? ("published" as const) : ("behind" as const), rows };
  });
}

/**
 * Keeps the suppressed publication up to date with the committed figures: at start, then every
 * interval while figures move, and once more on stop. Suppression runs over every figure, so
 * doing it per micro-batch would cost more than the batch; a second of delay costs funders nothing.
 * Rounds solve in a worker thread (heap capped at `heapMb`), kept across rounds and recycled as
 * `recycle` says (suppress-worker.ts): the consumer keeps committing batches meanwhile. A round's
 * worker uses a core, so while figures move the pause after a round is at least five times the
 * round; once they have been quiet for an interval, the next round starts (`schedule`). A
 * worker that dies publishes nothing; the next round retries.
 */
export function startPublisher(
  db: Kysely<Database>,
  opts: {
    intervalMs: number;
    heapMb: number;
    log: Logger;
    registry: Registry;
    recycle?: Omit<WorkerRecycling, "heapMb">;
    solve?: Solve;
  },
) {
  const { intervalMs, log } = opts;
  const rounds = new Counter({
    name: "hrvend_coverage_publication_rounds_total",
    help: "Publication rounds by outcome: published (current), behind (the snapshot published, figures moved during the solve), stale (a newer publication exists: nothing written), worker_failed, failed",
    labelNames: ["outcome"],
    registers: [opts.registry],
  });
  const seconds = new Histogram({
    name: "hrvend_coverage_publication_round_seconds",
    help: "Duration of a publication round that solved (snapshot, worker, write)",
    buckets: [0.1, 0.5, 1, 5, 15, 60, 180],
    registers: [opts.registry],
  });
  const worker = suppressionWorker({ ...RECYCLING_DEFAULTS, ...opts.recycle, heapMb: opts.heapMb });
  const solve = opts.solve ?? ((input: RoundInput) => worker.solve(input));
  let running: Promise<void> = Promise.resolve();
  let busy = false;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const memo = yearMemo();
  const tick = () => {
    if (busy) return running;
    busy = true;
    const started = Date.now();
    running = publishRound(db, memo, solve)
      .then((r) => {
        if (r === null) return;
        seconds.observe((Date.now() - started) / 1000);
        rounds.inc({ outcome: r.outcome });
        if (r.outcome === "stale")
          log.debug("a newer publication was written during the solve; nothing written");
        else log.debug({ rows: r.rows, outcome: r.outcome }, "publication updated");
      })
      .catch((err: unknown) => {
        if (err instanceof SuppressionWorkerError) {
          rounds.inc({ outcome: "worker_failed" });
          log.error(
            { err, reason: err.reason, heapMb: opts.heapMb },
            "suppression worker died; nothing published, the next round retries",
          );
        } else {
          rounds.inc({ outcome: "failed" });
          log.warn({ err }, "publication failed; the next round retries");
        }
      })
      .finally(() => {
        busy = false;
        schedule(Date.now() - started);
      });
    return running;
  };
  /**
   * The next round: after `max(interval, 5 × the round)` while figures keep moving (a round's
   * worker uses a core), or as soon as figures have been quiet for an interval with the
   * publication behind (the consumer caught up: this round is the last one needed, so it is not
   * held back by the pacing).
   */
  const schedule = (roundMs: number) => {
    if (stopped) return;
    const paceUntil = Date.now() + Math.max(intervalMs, 5 * roundMs);
    let seen: string | undefined;
    const check = async () => {
      if (stopped) return;
      if (Date.now() >= paceUntil) return void tick();
      const now = await revisions(coverageDb(db)).catch(() => undefined);
      if (stopped) return;
      if (now && now.figure === seen && BigInt(now.published) < BigInt(now.figure)) return void tick();
      seen = now?.figure;
      wait();
    };
    const wait = () => {
      timer = setTimeout(() => void check(), Math.max(0, Math.min(intervalMs, paceUntil - Date.now())));
    };
    wait();
  };
  void tick();
  return {
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      await running;
      await tick();
      await worker.close();
    },
  };
}

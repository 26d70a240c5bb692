import { createHash } from "node:crypto";
import type { Database } from "@hrvend/runtime/db";
import type { Kysely } from "kysely";
import type { Logger } from "pino";
import { figureKey, publishedRow, type SuppressionMemo, suppress, thresholdFor } from "./domain";
import { loadSolver } from "./highs";
import {
  type CoverageDb,
  coverageDb,
  lockFigures,
  publicationBehind,
  readPublishable,
  writePublication,
} from "./store";

/**
 * Publishes the funder figures (quarters and years; the funder view reads them) under optimal
 * complementary suppression (domain/suppress.ts, HiGHS). Suppression links the cells of a year
 * (prisons → programme, quarters → year), so it runs over every funder figure; only rows whose
 * published content changed are rewritten. Runs inside the caller's transaction, under the lock.
 */
export async function republish(trx: CoverageDb, memo?: SuppressionMemo): Promise<number> {
  const { revision, figures, thresholds } = await readPublishable(trx);
  const thresholdOf = (f: { periodEnd: string }) => thresholdFor(f.periodEnd, thresholds);
  const { cells } = suppress(await loadSolver(), figures, thresholdOf, memo);
  const rows = figures.map((f) => publishedRow(f, cells.get(figureKey(f)) ?? new Set(), thresholdOf(f)));
  return writePublication(trx, rows, revision);
}

/**
 * The publisher's memory of each year's last pattern, keyed by a SHA-256 of the year's whole
 * input: one entry per year (32 bytes and the hidden cells' keys), so a round solves only the
 * years whose figures or thresholds changed (in practice the current one) instead of every year
 * of the history.
 */
export function yearMemo(): SuppressionMemo {
  const years = new Map<string, { digest: string; hidden: readonly string[] }>();
  const digest = (input: string) => createHash("sha256").update(input).digest("base64");
  return {
    get: (year, input) => {
      const e = years.get(year);
      return e !== undefined && e.digest === digest(input) ? e.hidden : undefined;
    },
    set: (year, input, hidden) => void years.set(year, { digest: digest(input), hidden }),
  };
}

/** Brings the publication up to date in its own transaction (the service's timer, start-up, drain). */
export async function publishIfBehind(db: Kysely<Database>, memo?: SuppressionMemo): Promise<number | null> {
  const cdb = coverageDb(db);
  if (!(await publicationBehind(cdb))) return null;
  return cdb.transaction().execute(async (trx) => {
    await lockFigures(trx);
    return republish(trx, memo);
  });
}

/**
 * Keeps the suppressed publication up to date with the committed figures: at start, then every
 * interval while figures move, and once more on stop. Suppression runs over every figure, so
 * doing it per micro-batch would cost more than the batch; a second of delay costs funders nothing.
 * While it runs it holds the figures lock, so the pause after a round is at least five times the
 * round: on a long history the publication never takes more than a sixth of the service's time.
 */
export function startPublisher(db: Kysely<Database>, intervalMs: number, log: Logger) {
  let running: Promise<void> = Promise.resolve();
  let busy = false;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const memo = yearMemo();
  const tick = () => {
    if (busy) return running;
    busy = true;
    const started = Date.now();
    running = publishIfBehind(db, memo)
      .then((rows) => {
        if (rows !== null) log.debug({ rows }, "publication updated");
      })
      .catch((err: unknown) => log.warn({ err }, "publication failed; the next round retries"))
      .finally(() => {
        busy = false;
        if (!stopped) timer = setTimeout(() => void tick(), Math.max(intervalMs, 5 * (Date.now() - started)));
      });
    return running;
  };
  void tick();
  return {
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      await running;
      await tick();
    },
  };
}

import { HIDDEN } from "@hrvend/coverage";
import { funderPublicationQuery } from "@hrvend/coverage/read";
import type { Audience, Database } from "@hrvend/runtime/db";
import { type Kysely, type RawBuilder, sql } from "kysely";

/** A table for people: column names, then rows of text, numbers or empty cells. */
export interface Table {
  name: string;
  columns: string[];
  rows: (string | number | null)[][];
}

export const EXPORT_AUDIENCES = ["admin", "outreach", "funder", "operator"] as const;
export type ExportAudience = (typeof EXPORT_AUDIENCES)[number];
export const AUDIENCE_OF: Record<ExportAudience, Audience> = {
  admin: "administration",
  outreach: "outreach",
  funder: "funder",
  operator: "operator",
};

interface Dataset {
  /** Sheet name and what it holds. */
  name: string;
  describe: string;
  /** The columns, in order (an empty range still gets its header). */
  columns: string[];
  query(from: string, to: string): RawBuilder<Record<string, unknown>>;
  /** Cells as people read them (the funder's hidden values as the one symbol). */
  cells?(row: Record<string, unknown>, column: string): string | number | null;
}

const dayAfter = (d: string) => sql`(${d}::date + 1)`;

/**
 * What each audience may read, the way its dashboards read it (README, "Who can see what"):
 * the export connects as the audience's own role, so the database decides, not this file.
 */
export const DATASETS: Record<ExportAudience, Dataset> = {
  admin: {
    name: "slot_availability",
    columns: [
      "prison_id",
      "machine_id",
      "slot_id",
      "item_id",
      "window_minutes",
      "online_minutes",
      "stocked_online_minutes",
      "stockout_minutes",
      "availability_pct",
      "uptime_pct",
    ],
    describe:
      "per machine slot: availability and uptime over the range (administration.slot_availability; a staff login sees its prisons only)",
    query: (from, to) => sql`
      SELECT prison_id, machine_id, slot_id, item_id, window_minutes, online_minutes, stocked_online_minutes,
             stockout_minutes, availability_pct, uptime_pct
      FROM administration.slot_availability(${from}::date::timestamptz, ${dayAfter(to)}::timestamptz)
      ORDER BY prison_id, machine_id, slot_id`,
  },
  outreach: {
    name: "dispense_daily",
    columns: ["prison_id", "machine_id", "item_id", "local_date", "quantity", "dispenses"],
    describe: "dispenses per machine, item and local day (reporting.dispense_daily)",
    query: (from, to) => sql`
      SELECT prison_id, machine_id, item_id, local_date::text AS local_date, quantity, dispenses
      FROM reporting.dispense_daily WHERE local_date BETWEEN ${from}::date AND ${to}::date
      ORDER BY local_date, prison_id, machine_id, item_id`,
  },
  funder: {
    name: "coverage",
    columns: [
      "prison_id",
      "prison_name",
      "grain",
      "period_start",
      "period_end",
      "days_observed",
      "avg_population",
      "admissions",
      "releases",
      "nsp_clients",
      "nsp_regular",
      "nsp_reach_pct",
      "regular_pct",
      "syringes",
      "syringes_per_pwid_year",
      "syringe_band",
      "naloxone_kits",
      "naloxone_per_100_prisoners",
      "naloxone_per_100_releases",
      "oat_active_end",
      "oat_reach_pct",
      "oat_band",
      "est_pwid",
      "est_opioid_dependent",
      "threshold",
    ],
    describe: `the protected publication, quarters and years wholly inside the range (funder.coverage); hidden values read ${HIDDEN}, undefined rates are empty`,
    query: funderPublicationQuery,
    cells: (row, column) => {
      const camel = column.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
      if ((row["suppressed"] as string[]).includes(camel)) return HIDDEN;
      return cell(row[column]);
    },
  },
  operator: {
    name: "pipeline_counts",
    columns: ["day", "prison_id", "kind", "events"],
    describe:
      "accepted events per UTC day, prison and kind, without the OAT register (reporting.pipeline_counts)",
    query: (from, to) => sql`
      SELECT to_char(bucket AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, prison_id, kind, events::integer AS events
      FROM reporting.pipeline_counts(${from}::date::timestamptz, ${dayAfter(to)}::timestamptz, interval '1 day')
      ORDER BY day, prison_id, kind`,
  },
};

function cell(v: unknown): string | number | null {
  if (v === null || v === undefined) return null;
  if (typeof v === "number" || typeof v === "string") return v;
  if (v instanceof Date) return v.toISOString();
  return String(v);
}

export class ExportError extends Error {
  override name = "ExportError";
}

/** Reads an audience's table with a connection the caller opened as that audience's role. */
export async function readDataset(
  db: Kysely<Database>,
  audience: ExportAudience,
  from: string,
  to: string,
): Promise<Table> {
  const d = DATASETS[audience];
  const r = await d
    .query(from, to)
    .execute(db)
    .catch((e: unknown) => {
      const code = (e as { code?: string }).code;
      if (code === "42501")
        throw new ExportError(`this role may not read the ${audience} figures: ${(e as Error).message}`, {
          cause: e,
        });
      if (code === "42P01" || code === "3F000" || code === "42883")
        throw new ExportError(`this database has no ${audience} figures yet: run npx hrvend db migrate`, {
          cause: e,
        });
      throw e;
    });
  const columns = d.columns;
  return {
    name: d.name,
    columns,
    rows: r.rows.map((row) => columns.map((c) => (d.cells ? d.cells(row, c) : cell(row[c])))),
  };
}

import { type Kysely, sql } from "kysely";

/** One table's retention: what it keeps and, at `now`, which of its chunks are past it. */
export interface RetentionRow {
  table: string;
  keepDays: number;
  /** Rows older than this may go; only chunks that end at or before it are dropped. */
  cutoff: string;
  /** Chunks that end at or before the cutoff (what a run drops). */
  chunks: { name: string; rangeStart: string; rangeEnd: string }[];
  /** The first instant still kept after a run (start of the oldest chunk that stays), if any. */
  keptFrom: string | null;
}

export class NotAHypertableError extends Error {
  override readonly name = "NotAHypertableError";
}

const iso = (v: unknown): string => (v instanceof Date ? v : new Date(String(v))).toISOString();

/** Every policy with, at `now`, its cutoff and the chunks past it (nothing is changed). */
export async function retentionPlan(db: Kysely<any>, now: Date): Promise<RetentionRow[]> {
  const policies = await sql<{ table_name: string; keep_days: number; cutoff: Date }>`
    SELECT table_name, extract(day FROM keep)::int AS keep_days, ${now}::timestamptz - keep AS cutoff
    FROM ops.retention_policy ORDER BY table_name`.execute(db);
  const out: RetentionRow[] = [];
  for (const p of policies.rows) {
    const [schema, name] = p.table_name.split(".") as [string, string];
    const chunks = await sql<{
      chunk_schema: string;
      chunk_name: string;
      range_start: Date;
      range_end: Date;
    }>`
      SELECT chunk_schema, chunk_name, range_start, range_end FROM timescaledb_information.chunks
      WHERE hypertable_schema = ${schema} AND hypertable_name = ${name}
      ORDER BY range_start`.execute(db);
    const cutoff = p.cutoff;
    const past = chunks.rows.filter((c) => c.range_end.getTime() <= cutoff.getTime());
    const kept = chunks.rows.find((c) => c.range_end.getTime() > cutoff.getTime());
    out.push({
      table: p.table_name,
      keepDays: p.keep_days,
      cutoff: iso(cutoff),
      chunks: past.map((c) => ({
        name: `${c.chunk_schema}.${c.chunk_name}`,
        rangeStart: iso(c.range_start),
        rangeEnd: iso(c.range_end),
      })),
      keptFrom: kept ? iso(kept.range_start) : null,
    });
  }
  return out;
}

/** Drops, for every policy, the chunks wholly older than its cutoff at `now`; returns what went. */
export async function runRetention(db: Kysely<any>, now: Date): Promise<RetentionRow[]> {
  const plan = await retentionPlan(db, now);
  for (const row of plan) {
    if (row.chunks.length === 0) continue;
    const dropped = await sql<{ drop_chunks: string }>`
      SELECT drop_chunks(${row.table}::regclass, older_than => ${new Date(row.cutoff)}::timestamptz)`.execute(
      db,
    );
    row.chunks = row.chunks.filter((c) => dropped.rows.some((d) => d.drop_chunks === c.name));
  }
  return plan;
}

/** Sets how long `table` keeps its rows; the table must be a hypertable (only chunks are dropped). */
export async function setRetention(db: Kysely<any>, table: string, keepDays: number): Promise<void> {
  const [schema, name] = table.split(".") as [string, string];
  const found = await sql<{ n: number }>`
    SELECT count(*)::int AS n FROM timescaledb_information.hypertables
    WHERE hypertable_schema = ${schema} AND hypertable_name = ${name}`.execute(db);
  if (found.rows[0]?.n !== 1)
    throw new NotAHypertableError(
      `${table} is not a hypertable: retention drops whole chunks and applies to hypertables only`,
    );
  await sql`
    INSERT INTO ops.retention_policy (table_name, keep, updated_at)
    VALUES (${table}, make_interval(days => ${keepDays}), now())
    ON CONFLICT (table_name) DO UPDATE SET keep = EXCLUDED.keep, updated_at = now()`.execute(db);
}

import { readFigurePeriod, readPublishedPeriod } from "@hrvend/coverage/read";
import type { Database } from "@hrvend/runtime/db";
import { type Kysely, sql } from "kysely";
import type { SourceRow } from "./build";
import { Dhis2ExportError } from "./build";
import type { Dhis2Period } from "./periods";

/** The grains the funder publication holds (migration 0011_disclosure): anything finer is unprotected. */
export const PROTECTED_TYPES = ["quarter", "year"] as const;

const camel = (s: string) => s.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
function toRow(r: object): SourceRow {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(r)) out[camel(k)] = v;
  const row = r as { prison_id: unknown; suppressed?: string[] | null };
  return { ...out, prisonId: String(row.prison_id), suppressed: row.suppressed ?? [] };
}

/** The funder publication for one period, as the connected role reads it (hidden values NULL, named in `suppressed`). */
export async function readProtected(db: Kysely<Database>, period: Dhis2Period): Promise<SourceRow[]> {
  const rows = await readPublishedPeriod(db, period).catch((e: unknown) => {
    throw databaseError(e, "the funder publication (funder.coverage)");
  });
  return rows.map(toRow);
}

/**
 * The figures without disclosure control (coverage.figure), only for the role the mapping names;
 * the database decides whether that role may read them (a DBA grants SELECT on coverage.figure).
 */
export async function readUnprotected(
  db: Kysely<Database>,
  period: Dhis2Period,
  role: string,
): Promise<SourceRow[]> {
  const who = await sql<{ user: string; member: boolean | null }>`
    SELECT current_user AS "user",
           CASE WHEN EXISTS (SELECT 1 FROM pg_roles WHERE rolname = ${role})
                THEN pg_has_role(current_user, ${role}, 'MEMBER') END AS member`.execute(db);
  const me = who.rows[0];
  if (!me || me.member === null)
    throw new Dhis2ExportError(`the mapping's unprotected.role '${role}' is not a role of this database`);
  if (!me.member)
    throw new Dhis2ExportError(
      `connected as '${me.user}', but the mapping allows unprotected figures only to role '${role}': connect as it (--database-url)`,
    );
  const rows = await readFigurePeriod(db, period).catch((e: unknown) => {
    throw databaseError(e, `the unprotected figures (coverage.figure) as '${me.user}'`);
  });
  return rows.map(toRow);
}

function databaseError(e: unknown, what: string): Error {
  const code = (e as { code?: string }).code;
  if (code === "42501")
    return new Dhis2ExportError(`this role may not read ${what}: ${(e as Error).message}`, { cause: e });
  if (code === "42P01" || code === "3F000")
    return new Dhis2ExportError(`this database has no ${what} yet: run npx hrvend db migrate`, { cause: e });
  return e as Error;
}

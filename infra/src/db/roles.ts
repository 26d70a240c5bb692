import { type Kysely, sql } from "kysely";

export const DB_ROLES = ["hrvend_writer", "hrvend_grafana", "hrvend_funder"] as const;
export type DbRole = (typeof DB_ROLES)[number];

/** Lets the least-privilege roles log in with the deployment's passwords (never stored in the repo). */
export async function setRolePasswords(db: Kysely<any>, passwords: Record<DbRole, string>): Promise<void> {
  for (const role of DB_ROLES) {
    await sql`ALTER ROLE ${sql.id(role)} LOGIN PASSWORD ${sql.lit(passwords[role])}`.execute(db);
  }
}

/** Creates a database if it does not exist (CREATE DATABASE cannot run in a transaction). */
export async function ensureDatabase(admin: Kysely<any>, name: string): Promise<void> {
  const found = await sql<{ n: number }>`SELECT 1 AS n FROM pg_database WHERE datname = ${name}`.execute(
    admin,
  );
  if (found.rows.length === 0) await sql`CREATE DATABASE ${sql.id(name)}`.execute(admin);
}

import { type Kysely, sql } from "kysely";

/**
 * Login roles with a password from the deployment's secrets (never stored in the repo): the
 * services' writer and one role per audience (migration 0010_audiences). Prison staff groups log
 * in with roles of their own, created by `grantAdmin`.
 */
export const DB_ROLES = [
  "hrvend_writer",
  "hrvend_admin_national",
  "hrvend_outreach",
  "hrvend_funder",
  "hrvend_operator",
  /** The notifier service (migration 0021_notifier): its own schema, nothing else to write. */
  "hrvend_notifier",
] as const;
export type DbRole = (typeof DB_ROLES)[number];

/** The four audiences that read hrvend (docs/architecture.md §Privacy and security). */
export const AUDIENCES = ["administration", "outreach", "funder", "operator"] as const;
export type Audience = (typeof AUDIENCES)[number];

/**
 * Each audience's login (administration: the national administration's, which sees every prison;
 * a prison's staff use a login from `grantAdmin` instead) and the group role its grants are on.
 */
export const AUDIENCE_ROLE: Record<Audience, { login: DbRole; group: string }> = {
  administration: { login: "hrvend_admin_national", group: "hrvend_admin" },
  outreach: { login: "hrvend_outreach", group: "hrvend_outreach" },
  funder: { login: "hrvend_funder", group: "hrvend_funder" },
  operator: { login: "hrvend_operator", group: "hrvend_operator" },
};

/** Lets the least-privilege roles log in with the deployment's passwords (never stored in the repo). */
export async function setRolePasswords(db: Kysely<any>, passwords: Record<DbRole, string>): Promise<void> {
  for (const role of DB_ROLES) {
    await sql`ALTER ROLE ${sql.id(role)} LOGIN PASSWORD ${sql.lit(passwords[role])}`.execute(db);
  }
}

/** A login name or prison id that cannot be granted. */
export class AccessGrantError extends Error {
  override readonly name = "AccessGrantError";
  constructor(
    message: string,
    readonly context: { login: string; prisons?: string[] },
  ) {
    super(message);
  }
}

/** Login names a staff group may take: lower-case SQL identifiers, never one of hrvend's own roles. */
const LOGIN = /^[a-z_][a-z0-9_]{0,62}$/;
const RESERVED =
  /^(hrvend_(writer|grafana|admin|outreach|funder|operator|admin_national|notifier)|postgres|pg_.*)$/;

/**
 * Creates (or updates) a prison administration login: LOGIN with `password`, member of
 * hrvend_admin, seeing exactly `prisons` (replacing what it saw before; '*' is every prison).
 * Runs as the database owner (the migration role): audience roles cannot write `access`.
 */
export async function grantAdmin(
  db: Kysely<any>,
  login: string,
  prisons: string[],
  password: string,
): Promise<void> {
  if (!LOGIN.test(login) || RESERVED.test(login))
    throw new AccessGrantError(
      `login '${login}' must be a lower-case identifier (a-z, 0-9, _) and not one of hrvend's own roles`,
      { login, prisons },
    );
  if (prisons.length === 0 || prisons.some((p) => p.trim() === ""))
    throw new AccessGrantError(`login '${login}' needs at least one non-empty --prison`, { login, prisons });
  await db.transaction().execute(async (tx) => {
    const found = await sql`SELECT 1 FROM pg_roles WHERE rolname = ${login}`.execute(tx);
    if (found.rows.length === 0)
      await sql`CREATE ROLE ${sql.id(login)} LOGIN PASSWORD ${sql.lit(password)}`.execute(tx);
    else await sql`ALTER ROLE ${sql.id(login)} LOGIN PASSWORD ${sql.lit(password)}`.execute(tx);
    await sql`GRANT hrvend_admin TO ${sql.id(login)}`.execute(tx);
    await sql`DELETE FROM access.admin_prison WHERE login = ${login}`.execute(tx);
    for (const p of new Set(prisons))
      await sql`INSERT INTO access.admin_prison (login, prison_id) VALUES (${login}, ${p})`.execute(tx);
  });
}

/** Removes a login's prisons in this database (it then sees nothing) and its membership of hrvend_admin. */
export async function revokeAdmin(db: Kysely<any>, login: string): Promise<void> {
  await sql`DELETE FROM access.admin_prison WHERE login = ${login}`.execute(db);
  const found = await sql`SELECT 1 FROM pg_roles WHERE rolname = ${login}`.execute(db);
  if (found.rows.length > 0) await sql`REVOKE hrvend_admin FROM ${sql.id(login)}`.execute(db);
}

/** Each administration login of this database and the prisons it sees. */
export async function listAdmins(db: Kysely<any>): Promise<{ login: string; prisons: string[] }[]> {
  const r = await sql<{ login: string; prisons: string[] }>`
    SELECT login::text AS login, array_agg(prison_id ORDER BY prison_id) AS prisons
    FROM access.admin_prison GROUP BY login ORDER BY login`.execute(db);
  return r.rows;
}

/** Creates a database if it does not exist (CREATE DATABASE cannot run in a transaction). */
export async function ensureDatabase(admin: Kysely<any>, name: string): Promise<void> {
  const found = await sql<{ n: number }>`SELECT 1 AS n FROM pg_database WHERE datname = ${name}`.execute(
    admin,
  );
  if (found.rows.length === 0) await sql`CREATE DATABASE ${sql.id(name)}`.execute(admin);
}

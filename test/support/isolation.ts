import { randomBytes } from "node:crypto";
import { migrateToLatest } from "@hrvend/cli/db";
import { applyMqttUsers } from "@hrvend/local-stack";
import type { MqttUser } from "@hrvend/runtime";
import {
  createDb,
  type Database,
  DB_ROLES,
  type DbRole,
  ensureDatabase,
  setRolePasswords,
  withCredentials,
  withDatabase,
} from "@hrvend/runtime/db";
import { type Kysely, sql } from "kysely";
import type { TestServers } from "./servers";

/**
 * What one test file owns on the shared servers: its own database, its own stream names and
 * prison ids, its own MQTT accounts. Nothing is shared between files except the processes.
 */
export interface Isolated {
  /** Short unique tag, usable in ids, stream names, database names. */
  tag: string;
  /** Prefix it into every prison id so topics and subjects never overlap between files. */
  prison(name: string): string;
  /** A unique JetStream stream name. */
  stream(name: string): string;
  servers: TestServers;
}

/** Vitest-free: benchmarks use it too. Tests call `isolate` from ./isolate. */
export function isolateOn(label: string, servers: TestServers): Isolated {
  const tag = `${label
    .replace(/[^a-z0-9]/gi, "")
    .slice(0, 12)
    .toLowerCase()}${randomBytes(3).toString("hex")}`;
  return {
    tag,
    prison: (name) => `${tag}-${name}`,
    stream: (name) => `${name.toUpperCase()}_${tag.toUpperCase()}`,
    servers,
  };
}

export interface TestDatabase {
  name: string;
  adminUrl: string;
  db: Kysely<Database>;
  /** Connection URL for a least-privilege role, with a password set for this run. */
  roleUrl(role: DbRole): string;
  close(): Promise<void>;
}

/**
 * Runs `f` (a migration of a database on the shared server, role passwords) while no other test
 * file does: migrations and passwords change cluster-wide roles, which PostgreSQL does not let two
 * transactions alter at once ("tuple concurrently updated", or a duplicate role). The lock is held
 * in the server's admin database, on one connection.
 */
export async function withRolesLock<T>(postgresAdminUrl: string, f: () => Promise<T>): Promise<T> {
  const lock = createDb(postgresAdminUrl, { max: 1 });
  try {
    await sql`SELECT pg_advisory_lock(20120)`.execute(lock);
    return await f();
  } finally {
    await sql`SELECT pg_advisory_unlock(20120)`.execute(lock).catch(() => undefined);
    await lock.destroy();
  }
}

/** Creates and migrates a database of this file's own. */
export async function testDatabase(iso: Isolated): Promise<TestDatabase> {
  // Roles are cluster-wide: every file sets the same run-wide password.
  const base = iso.servers.postgresAdminUrl;
  const admin = createDb(base, { max: 1 });
  await ensureDatabase(admin, iso.tag);
  await admin.destroy();
  const adminUrl = withDatabase(base, iso.tag);
  const db = createDb(adminUrl);
  const pw = iso.servers.rolePassword;
  const passwords = Object.fromEntries(DB_ROLES.map((r) => [r, pw])) as Record<DbRole, string>;
  await withRolesLock(base, async () => {
    await migrateToLatest(db);
    await setRolePasswords(db, passwords);
  });
  return {
    name: iso.tag,
    adminUrl,
    db,
    roleUrl: (role) => withCredentials(adminUrl, role, passwords[role]),
    close: () => db.destroy(),
  };
}

/** Registers MQTT accounts for this file on the shared broker and waits for the reload. */
export async function mqttAccounts(iso: Isolated, users: MqttUser[]): Promise<void> {
  await applyMqttUsers(iso.servers.mosquittoDir, iso.servers.mosquittoPid, iso.tag, users);
}

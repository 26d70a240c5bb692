import { Kysely, PostgresDialect } from "kysely";
import pg from "pg";
import type { Database } from "./schema";

// bigint (int8) and numeric come back as strings unless told otherwise: keep them exact.
export function createDb(
  connectionString: string,
  opts: { max?: number; onIdleError?: (err: Error) => void } = {},
): Kysely<Database> {
  const pool = new pg.Pool({ connectionString, max: opts.max ?? 10 });
  // An idle connection dies when the server restarts; pg reports it here and drops it. Without
  // a listener the process would crash; the next query reconnects (or fails and is retried).
  const onError = opts.onIdleError ?? (() => {});
  pool.on("error", onError);
  // A connection checked out of the pool (inside a transaction, between two statements) that
  // dies with the server emits 'error' on its client, where the pool's listener is not
  // attached: without this the process crashes; the statement in hand fails and is retried.
  pool.on("connect", (client) => client.on("error", onError));
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}

/** Replaces the database name in a PostgreSQL URL. */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/** Replaces the credentials in a PostgreSQL URL (to connect as a service or reporting role). */
export function withCredentials(url: string, user: string, password: string): string {
  const u = new URL(url);
  u.username = user;
  u.password = encodeURIComponent(password);
  return u.toString();
}

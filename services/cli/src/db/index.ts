import { coverageMigrations } from "@hrvend/coverage/migrations";
import { notifierMigrations } from "@hrvend/notifier/migrations";
import { recorderMigrations } from "@hrvend/recorder/migrations";
import { reorderMigrations } from "@hrvend/reorder/migrations";
import { migrateToLatest as migrate, runtimeMigrations } from "@hrvend/runtime/db";
import { stockMigrations } from "@hrvend/stock/migrations";
import type { Kysely, Migration } from "kysely";
import { sharedMigrations } from "./migrations";

/**
 * The whole database: each service's own migrations (its `src/store/migrations`), the consumer
 * runtime's, and the ones that span services (audiences, views, privacy; `./migrations`).
 * Names are unique across the repository and apply in name order.
 */
export const MIGRATIONS: Record<string, Migration> = Object.fromEntries(
  Object.entries({
    ...runtimeMigrations,
    ...recorderMigrations,
    ...stockMigrations,
    ...reorderMigrations,
    ...coverageMigrations,
    ...notifierMigrations,
    ...sharedMigrations,
  }).sort(([a], [b]) => a.localeCompare(b)),
);

/** Applies every pending migration of the whole database; returns the names applied. */
export const migrateToLatest = (db: Kysely<any>): Promise<string[]> => migrate(db, MIGRATIONS);

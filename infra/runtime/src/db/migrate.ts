import { type Kysely, type MigrationResult, Migrator } from "kysely";
import { MIGRATIONS } from "./migrations";

export class MigrationError extends Error {
  override readonly name = "MigrationError";
  constructor(
    message: string,
    readonly results: MigrationResult[],
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Applies every pending migration (in one transaction each); returns the names applied. */
export async function migrateToLatest(db: Kysely<any>): Promise<string[]> {
  // Workspaces add their migrations independently; a later-numbered one may land first.
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => MIGRATIONS },
    allowUnorderedMigrations: true,
  });
  const { error, results = [] } = await migrator.migrateToLatest();
  if (error) {
    const failed = results.find((r) => r.status === "Error")?.migrationName ?? "?";
    throw new MigrationError(`migration ${failed} failed: ${(error as Error).message ?? error}`, results, {
      cause: error,
    });
  }
  return results.filter((r) => r.status === "Success").map((r) => r.migrationName);
}

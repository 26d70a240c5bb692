import { type Kysely, type Migration, type MigrationResult, Migrator } from "kysely";

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

/**
 * Applies every pending migration of `migrations` (in one transaction each); returns the names
 * applied. Each service owns its migrations (`services/<name>/src/store/migrations`); the whole
 * database's list is composed by the CLI (`@hrvend/cli/db`, `MIGRATIONS`). Names are global:
 * `NNNN_what`, numbered across the repository, applied in name order.
 */
export async function migrateToLatest(
  db: Kysely<any>,
  migrations: Record<string, Migration>,
): Promise<string[]> {
  // Workspaces add their migrations independently; a later-numbered one may land first.
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => migrations },
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

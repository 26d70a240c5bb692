import type { Migration } from "kysely";
import * as m0021_notifier from "./0021_notifier";

/** The notifier's tables (schema notifier). */
export const notifierMigrations: Record<string, Migration> = {
  "0021_notifier": m0021_notifier,
};

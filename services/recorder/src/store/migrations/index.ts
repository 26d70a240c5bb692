import type { Migration } from "kysely";
import * as m0001_foundation from "./0001_foundation";
import * as m0002_recorder from "./0002_recorder";
import * as m0009_deadLetterBytes from "./0009_dead_letter_bytes";

/** The recorder's tables: ingest.raw_event, dead_letter, event_key, and the stream positions every consumer moves. */
export const recorderMigrations: Record<string, Migration> = {
  "0001_foundation": m0001_foundation,
  "0002_recorder": m0002_recorder,
  "0009_dead_letter_bytes": m0009_deadLetterBytes,
};

import type { Migration } from "kysely";
import * as foundation from "./0001_foundation";
import * as recorder from "./0002_recorder";
import * as stock from "./0003_stock";
import * as reorder from "./0004_reorder";
import * as coverage from "./0005_coverage";
import * as dashboards from "./0006_dashboards";
import * as availability from "./0007_availability";
import * as refSource from "./0008_ref_source";
import * as deadLetterBytes from "./0009_dead_letter_bytes";
import * as audiences from "./0010_audiences";
import * as disclosure from "./0011_disclosure";
import * as stockLive from "./0012_stock_live";
import * as parked from "./0014_parked";
import * as catalogPrivacy from "./0015_catalog_privacy";
import * as operatorPipeline from "./0016_operator_pipeline";
import * as operatorPrivacy from "./0017_operator_privacy";
import * as notifier from "./0021_notifier";
import * as operatorIds from "./0022_operator_ids";
import * as oatSupersede from "./0023_oat_supersede";

/** Every migration in order. Later services add theirs here (names sort by their prefix). */
export const MIGRATIONS: Record<string, Migration> = {
  "0001_foundation": foundation,
  "0002_recorder": recorder,
  "0003_stock": stock,
  "0004_reorder": reorder,
  "0005_coverage": coverage,
  "0006_dashboards": dashboards,
  "0007_availability": availability,
  "0008_ref_source": refSource,
  "0009_dead_letter_bytes": deadLetterBytes,
  "0010_audiences": audiences,
  "0011_disclosure": disclosure,
  "0012_stock_live": stockLive,
  "0014_parked": parked,
  "0015_catalog_privacy": catalogPrivacy,
  "0016_operator_pipeline": operatorPipeline,
  "0017_operator_privacy": operatorPrivacy,
  "0021_notifier": notifier,
  "0022_operator_ids": operatorIds,
  "0023_oat_supersede": oatSupersede,
};

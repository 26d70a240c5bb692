import type { Migration } from "kysely";
import * as m0006_dashboards from "./0006_dashboards";
import * as m0008_refSource from "./0008_ref_source";
import * as m0010_audiences from "./0010_audiences";
import * as m0015_catalogPrivacy from "./0015_catalog_privacy";
import * as m0016_operatorPipeline from "./0016_operator_pipeline";
import * as m0017_operatorPrivacy from "./0017_operator_privacy";
import * as m0022_operatorIds from "./0022_operator_ids";
import * as m0024_retention from "./0024_retention";
import * as m0025_heartbeatRollups from "./0025_heartbeat_rollups";

/** Migrations that span services: audience roles and views, row-level privacy, cross-service columns. */
export const sharedMigrations: Record<string, Migration> = {
  "0006_dashboards": m0006_dashboards,
  "0008_ref_source": m0008_refSource,
  "0010_audiences": m0010_audiences,
  "0015_catalog_privacy": m0015_catalogPrivacy,
  "0016_operator_pipeline": m0016_operatorPipeline,
  "0017_operator_privacy": m0017_operatorPrivacy,
  "0022_operator_ids": m0022_operatorIds,
  "0024_retention": m0024_retention,
  "0025_heartbeat_rollups": m0025_heartbeatRollups,
};

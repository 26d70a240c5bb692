import { coverageDashboard } from "./dashboards/coverage";
import { machinesDashboard } from "./dashboards/machines";
import { pipelineDashboard } from "./dashboards/pipeline";
import { restockDashboard } from "./dashboards/restock";
import type { DashboardSpec } from "./model";

export { toGrafana } from "./grafana";
export { applyGrafanaAccess, GrafanaAccessError, type GrafanaFetch } from "./grafana-access";
export * from "./macros";
export * from "./model";
export { ACCESS_PLAN, adminGroupProvisioning, provisioningFiles } from "./provisioning";
export * from "./run";
export * from "./sql";

/** Every dashboard, one per audience, in the order the preview shows them. */
export const DASHBOARDS: DashboardSpec[] = [
  machinesDashboard,
  restockDashboard,
  coverageDashboard,
  pipelineDashboard,
];

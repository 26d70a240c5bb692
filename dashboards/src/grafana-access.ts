import type { AccessPlan } from "./provisioning";

/**
 * Applies `provisioning/access/hrvend-access.json` through Grafana's HTTP API, which file
 * provisioning cannot do: it creates the audiences' organizations (in the plan's order, so a fresh
 * Grafana numbers them as the provisioning files expect) and sets each audience folder's
 * permissions (`POST /api/folders/:uid/permissions`, `X-Grafana-Org-Id`). Run it as Grafana's
 * server admin after Grafana has provisioned the folders.
 */

/** The narrow HTTP interface used: one JSON request, its status and body. */
export type GrafanaFetch = (
  method: "GET" | "POST",
  path: string,
  body?: unknown,
  orgId?: number,
) => Promise<{ status: number; body: unknown }>;

export class GrafanaAccessError extends Error {
  override readonly name = "GrafanaAccessError";
  constructor(
    message: string,
    readonly context: { path: string; status?: number; orgId?: number },
  ) {
    super(message);
  }
}

export async function applyGrafanaAccess(
  api: GrafanaFetch,
  plan: AccessPlan,
  say: (line: string) => void = () => undefined,
): Promise<void> {
  for (const org of [...plan.orgs].sort((a, b) => a.orgId - b.orgId)) {
    const found = await api("GET", `/api/orgs/${org.orgId}`);
    if (found.status === 404) {
      const made = await api("POST", "/api/orgs", { name: org.name });
      const id = (made.body as { orgId?: number }).orgId;
      if (made.status !== 200 || id !== org.orgId)
        throw new GrafanaAccessError(
          `creating organization '${org.name}' gave id ${id ?? "none"} (HTTP ${made.status}), the provisioning files expect ${org.orgId}: create the organizations in order on a fresh Grafana, or change ACCESS in dashboards/src/model.ts`,
          { path: "/api/orgs", status: made.status, orgId: org.orgId },
        );
      say(`organization ${org.orgId} '${org.name}': created`);
    } else if (found.status === 200) say(`organization ${org.orgId}: exists`);
    else
      throw new GrafanaAccessError(`reading organization ${org.orgId}: HTTP ${found.status}`, {
        path: `/api/orgs/${org.orgId}`,
        status: found.status,
      });
    for (const folder of org.folders) {
      const path = `/api/folders/${folder.uid}/permissions`;
      const r = await api("POST", path, { items: plan.folderPermissions }, org.orgId);
      if (r.status !== 200)
        throw new GrafanaAccessError(
          `setting the permissions of folder '${folder.title}' in organization ${org.orgId}: HTTP ${r.status} (has Grafana provisioned its dashboards yet?)`,
          { path, status: r.status, orgId: org.orgId },
        );
      say(
        `folder ${folder.uid} (organization ${org.orgId}): ${plan.folderPermissions.map((p) => `${p.role} ${p.permission === 1 ? "view" : p.permission === 2 ? "edit" : "admin"}`).join(", ")}`,
      );
    }
  }
}

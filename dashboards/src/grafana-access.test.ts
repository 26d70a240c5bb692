import { describe, expect, it } from "vitest";
import { applyGrafanaAccess, GrafanaAccessError, type GrafanaFetch } from "./grafana-access";
import { ACCESS } from "./model";
import { ACCESS_PLAN } from "./provisioning";

/** A Grafana that numbers new organizations in order and knows the provisioned folders. */
function fakeGrafana(existing: number[], opts: { folders?: boolean } = {}) {
  const orgs = new Set(existing);
  const calls: string[] = [];
  const api: GrafanaFetch = async (method, path, body, orgId) => {
    calls.push(
      `${method} ${path}${orgId === undefined ? "" : ` org=${orgId}`}${body ? ` ${JSON.stringify(body)}` : ""}`,
    );
    const org = /^\/api\/orgs\/(\d+)$/.exec(path);
    if (method === "GET" && org) return { status: orgs.has(Number(org[1])) ? 200 : 404, body: {} };
    if (method === "POST" && path === "/api/orgs") {
      const id = Math.max(0, ...orgs) + 1;
      orgs.add(id);
      return { status: 200, body: { orgId: id } };
    }
    if (method === "POST" && /^\/api\/folders\/[^/]+\/permissions$/.test(path))
      return { status: opts.folders === false ? 404 : 200, body: {} };
    return { status: 400, body: {} };
  };
  return { api, calls, orgs };
}

describe("applying the audiences' organizations and folder permissions", () => {
  it("given a fresh Grafana (main organization only), when applied, then organizations 2–4 are created in order and every audience folder gets view for Viewers and Editors, admin for Admins, in its own organization", async () => {
    const g = fakeGrafana([1]);
    await applyGrafanaAccess(g.api, ACCESS_PLAN);
    expect([...g.orgs].sort()).toEqual(
      Object.values(ACCESS)
        .map((a) => a.orgId)
        .sort(),
    );
    const perms = g.calls.filter((c) => c.includes("/permissions"));
    expect(perms.length).toBe(Object.keys(ACCESS).length);
    for (const a of Object.values(ACCESS))
      expect(perms).toContain(
        `POST /api/folders/${a.folderUid}/permissions org=${a.orgId} {"items":[{"role":"Viewer","permission":1},{"role":"Editor","permission":1},{"role":"Admin","permission":4}]}`,
      );
  });

  it("given a Grafana whose organization numbers differ from the files', when applied, then it refuses with the reason", async () => {
    const g = fakeGrafana([1, 2, 5]);
    await expect(applyGrafanaAccess(g.api, ACCESS_PLAN)).rejects.toThrow(GrafanaAccessError);
    await expect(applyGrafanaAccess(fakeGrafana([1, 2, 5]).api, ACCESS_PLAN)).rejects.toThrow(
      /gave id 6.*expect 3/,
    );
  });

  it("given folders not provisioned yet, when applied, then it says so", async () => {
    await expect(
      applyGrafanaAccess(fakeGrafana([1, 2, 3, 4], { folders: false }).api, ACCESS_PLAN),
    ).rejects.toThrow(/HTTP 404 \(has Grafana provisioned its dashboards yet\?\)/);
  });
});

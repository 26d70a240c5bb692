import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { drift, generatedFiles, provisioningDrift } from "./generate";
import { ACCESS, DASHBOARDS, panelsOf } from "./index";

describe("generated dashboards", () => {
  it("the checked-in JSON equals what the code generates (run `npm run gen -w @hrvend/dashboards`)", () => {
    expect(drift()).toEqual([]);
  });

  it("one dashboard per audience, unique uids, every panel and variable on its audience's datasource", () => {
    expect(DASHBOARDS.map((d) => d.uid)).toEqual([...new Set(DASHBOARDS.map((d) => d.uid))]);
    expect(DASHBOARDS.map((d) => d.access).sort()).toEqual(Object.keys(ACCESS).sort());
    for (const spec of DASHBOARDS) {
      const text = generatedFiles().get(`${spec.access}/${spec.uid}.json`) as string;
      const d = JSON.parse(text) as {
        panels: {
          type: string;
          datasource?: { uid: string };
          targets?: { datasource?: { uid: string } }[];
        }[];
        templating: { list: { datasource?: { uid: string } }[] };
      };
      const uid = ACCESS[spec.access].datasourceUid;
      for (const p of d.panels.filter((x) => x.type !== "row")) {
        expect(p.datasource?.uid).toBe(uid);
        for (const t of p.targets ?? []) expect(t.datasource?.uid).toBe(uid);
      }
      for (const v of d.templating.list) expect(v.datasource?.uid).toBe(uid);
    }
  });

  it("each dashboard reads only its audience's schemas, never a card token or a raw payload", () => {
    for (const spec of DASHBOARDS) {
      const queries = [
        ...panelsOf(spec).map((p) => [p.title, p.query.sql]),
        ...spec.variables.map((v) => [v.name, v.query.sql]),
      ];
      for (const [title, text] of queries as [string, string][]) {
        const schemas = [...text.matchAll(/\b(?:FROM|JOIN)\s+([a-z_]+)\.([a-z_]+)/gi)].map((m) => m[1]);
        expect(schemas.length, title).toBeGreaterThan(0);
        for (const s of schemas) expect(ACCESS[spec.access].schemas, `${spec.uid} ${title}`).toContain(s);
        expect(text).not.toMatch(/card_?token|\bpayload\b|\bingest\./i);
      }
    }
  });

  it("time series panels return a time column first; tables and stats name what they return", () => {
    for (const p of DASHBOARDS.flatMap(panelsOf)) {
      if (p.format === "time_series") expect(p.query.columns[0], p.title).toBe("time");
      expect(p.query.columns.length, p.title).toBeGreaterThan(0);
    }
  });
});

describe("provisioning", () => {
  const read = (p: string) => readFileSync(new URL(`../provisioning/${p}`, import.meta.url), "utf8");
  /** The YAML list entries under `key:` (the files are flat: `  - name: …` then 4-space fields). */
  const entries = (text: string, key: string) =>
    (text.split(`\n${key}:\n`)[1] ?? "").split(/^ {2}- /m).filter((e) => e.trim() !== "");

  it("is what the code generates (run `npm run gen -w @hrvend/dashboards`)", () => {
    expect(provisioningDrift()).toEqual([]);
  });

  it("one datasource per audience: its own organization, uid, database role and password variable; TimescaleDB on", () => {
    const ds = entries(read("datasources/hrvend.yaml"), "datasources");
    expect(ds.length).toBe(Object.keys(ACCESS).length);
    const seen = new Set<string>();
    for (const a of Object.values(ACCESS)) {
      const e = ds.find((x) => x.includes(`\n    uid: ${a.datasourceUid}\n`)) as string;
      expect(e, a.datasourceUid).toBeDefined();
      expect(e).toMatch(new RegExp(`^\\s+orgId: ${a.orgId}$`, "m"));
      expect(e).toMatch(new RegExp(`^\\s+user: ${a.role}$`, "m"));
      expect(e).toMatch(new RegExp(`^\\s+password: \\$\\{${a.passwordEnv}\\}$`, "m"));
      expect(e).toMatch(/^\s+type: grafana-postgresql-datasource$/m);
      expect(e).toMatch(/^\s+timescaledb: true$/m);
      expect(e).toMatch(/^\s+postgresVersion: 1500$/m);
      seen.add(`${a.orgId}`);
    }
    // No two audiences share an organization (Grafana OSS: any member may query any datasource of it).
    expect(seen.size).toBe(Object.keys(ACCESS).length);
    expect(read("datasources/hrvend.yaml")).not.toMatch(/password: (?!\$\{)/);
    expect(read("datasources/hrvend.yaml")).not.toMatch(/user: hrvend_grafana/);
  });

  it("one dashboard folder per audience, in its organization, from its own directory of generated JSON", () => {
    const providers = entries(read("dashboards/hrvend.yaml"), "providers");
    expect(providers.length).toBe(Object.keys(ACCESS).length);
    for (const [audience, a] of Object.entries(ACCESS)) {
      const e = providers.find((x) => x.includes(`\n    folderUid: ${a.folderUid}\n`)) as string;
      expect(e, a.folderUid).toBeDefined();
      expect(e).toMatch(new RegExp(`^\\s+orgId: ${a.orgId}$`, "m"));
      expect(e).toMatch(new RegExp(`^\\s+path: \\$\\{HRVEND_DASHBOARDS_DIR\\}/${audience}$`, "m"));
      expect(e).toMatch(/^\s+allowUiUpdates: false$/m);
    }
    for (const name of generatedFiles().keys()) {
      const spec = DASHBOARDS.find((d) => name === `${d.access}/${d.uid}.json`);
      expect(spec, name).toBeDefined();
    }
  });

  it("folder permissions: viewers and editors view, only the organization's admins edit", () => {
    const plan = JSON.parse(read("access/hrvend-access.json")) as {
      orgs: { orgId: number; folders: { uid: string }[] }[];
      folderPermissions: { role: string; permission: number }[];
    };
    expect(plan.orgs.map((o) => o.orgId).sort()).toEqual(
      Object.values(ACCESS)
        .map((a) => a.orgId)
        .sort(),
    );
    expect(plan.folderPermissions).toEqual([
      { role: "Viewer", permission: 1 },
      { role: "Editor", permission: 1 },
      { role: "Admin", permission: 4 },
    ]);
  });
});

import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { drift, generatedFiles } from "./generate";
import { DASHBOARDS, panelsOf } from "./index";

describe("generated dashboards", () => {
  it("the checked-in JSON equals what the code generates (run `npm run gen -w @hrvend/dashboards`)", () => {
    expect(drift()).toEqual([]);
  });

  it("one dashboard per audience, unique uids, every panel on the provisioned datasource", () => {
    expect(DASHBOARDS.map((d) => d.uid)).toEqual([...new Set(DASHBOARDS.map((d) => d.uid))]);
    for (const text of generatedFiles().values()) {
      const d = JSON.parse(text) as { panels: { type: string; datasource?: { uid: string } }[] };
      for (const p of d.panels.filter((x) => x.type !== "row"))
        expect(p.datasource?.uid).toBe("hrvend-timescaledb");
    }
  });

  it("panels read only the reporting and funder schemas, never a card token or a raw payload", () => {
    for (const p of DASHBOARDS.flatMap(panelsOf)) {
      const tables = [...p.query.sql.matchAll(/\b(?:FROM|JOIN)\s+([a-z_]+)\.([a-z_]+)/gi)].map((m) => m[1]);
      expect(
        tables.every((s) => s === "reporting" || s === "funder"),
        p.title,
      ).toBe(true);
      expect(p.query.sql).not.toMatch(/card_?token|\bpayload\b|\bingest\./i);
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
  it("the datasource: fixed uid, read-only role, password from the environment, TimescaleDB on", () => {
    const ds = read("datasources/hrvend.yaml");
    expect(ds).toMatch(/^\s+uid: hrvend-timescaledb$/m);
    expect(ds).toMatch(/^\s+type: grafana-postgresql-datasource$/m);
    expect(ds).toMatch(/^\s+user: hrvend_grafana$/m);
    expect(ds).toMatch(/^\s+password: \$\{HRVEND_GRAFANA_DB_PASSWORD\}$/m);
    expect(ds).toMatch(/^\s+timescaledb: true$/m);
    expect(ds).toMatch(/^\s+postgresVersion: 1500$/m);
    expect(ds).not.toMatch(/password: (?!\$\{)/);
  });
  it("the dashboards provider points at the generated JSON", () => {
    expect(read("dashboards/hrvend.yaml")).toMatch(/path: \$\{HRVEND_DASHBOARDS_DIR\}/);
  });
});

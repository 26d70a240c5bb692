import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { AUDIENCE_ROLE, AUDIENCES, DB_ROLES } from "../../infra/runtime/src/db/roles";
import { DEPLOY, parseEnvFile, read } from "./deploy-files";

// The deployment's database roles and Grafana datasources (one access boundary per audience,
// migration 0010_audiences): the PostgreSQL, Grafana and secrets files must agree with the
// repository's provisioning and with the roles the migrations create.

const REPO = resolve(DEPLOY, "../..");
const provisioning = (p: string) => readFileSync(join(REPO, "dashboards/provisioning", p), "utf8");
const datasources = provisioning("datasources/hrvend.yaml");
const providers = provisioning("dashboards/hrvend.yaml");
const secrets = parseEnvFile(read("env/secrets.example/grafana.env"), "grafana secrets");
const grafanaEnv = parseEnvFile(read("grafana/grafana.env"), "grafana.env");

/** pg_hba lines (TYPE DATABASE USER ADDRESS METHOD), comments dropped. */
const hba = read("postgres/pg_hba.hrvend.conf")
  .split("\n")
  .map((l) => l.replace(/#.*/, "").trim())
  .filter(Boolean)
  .map((l) => {
    const [type, database, user, address, method] = l.split(/\s+/) as [
      string,
      string,
      string,
      string,
      string,
    ];
    return { type, database, user, address, method };
  });

/** The first pg_hba line that matches a connection (PostgreSQL: first match wins). */
function matchHba(user: string, address: string, ssl: boolean, groups: string[]) {
  return hba.find(
    (l) =>
      (l.type === "host" || (l.type === "hostssl" && ssl)) &&
      (l.database === "hrvend" || l.database === "all") &&
      (l.user === user || l.user === "all" || (l.user.startsWith("+") && groups.includes(l.user.slice(1)))) &&
      (l.address === "0.0.0.0/0" || (l.address === "127.0.0.1/32" && address === "127.0.0.1")),
  );
}

const datasourceUsers = [...datasources.matchAll(/^\s+user: (\S+)$/gm)].map((m) => m[1] as string);

describe("one database role and Grafana datasource per audience", () => {
  it("the provisioning has one datasource per audience, each logging in with that audience's role", () => {
    expect(datasourceUsers.sort()).toEqual(AUDIENCES.map((a) => AUDIENCE_ROLE[a].login).sort());
    expect(datasourceUsers).not.toContain("hrvend_grafana");
  });

  it("Grafana's environment defines every variable its provisioning files read, passwords only in the secrets file", () => {
    const vars = [...`${datasources}${providers}`.matchAll(/\$\{([A-Z0-9_]+)\}/g)].map((m) => m[1] as string);
    expect(vars.length).toBeGreaterThan(0);
    for (const v of new Set(vars)) {
      if (/PASSWORD/.test(v)) expect(secrets[v], `${v} in env/secrets.example/grafana.env`).toBeDefined();
      else expect(grafanaEnv[v], `${v} in grafana/grafana.env`).toBeDefined();
    }
    expect(Object.keys(secrets).filter((k) => /GRAFANA_DB/.test(k))).toEqual([]);
  });

  it("every audience's dashboards directory exists in the installed release", () => {
    const dir = grafanaEnv["HRVEND_DASHBOARDS_DIR"] as string;
    expect(dir).toBe("/opt/hrvend/dashboards/generated");
    const dirs = [...providers.matchAll(/path: \$\{HRVEND_DASHBOARDS_DIR\}\/(\S+)$/gm)].map(
      (m) => m[1] as string,
    );
    expect(dirs.sort()).toEqual([...AUDIENCES].sort());
    for (const d of dirs) expect(existsSync(join(REPO, "dashboards/generated", d)), d).toBe(true);
  });

  it("pg_hba admits each datasource's role from Grafana on loopback, and a staff group's login through hrvend_admin", () => {
    for (const user of datasourceUsers) {
      const groups = user === AUDIENCE_ROLE.administration.login ? ["hrvend_admin"] : [];
      const line = matchHba(user, "127.0.0.1", false, groups);
      expect(line?.method, user).toBe("scram-sha-256");
    }
    expect(matchHba("staff_north", "127.0.0.1", false, ["hrvend_admin"])?.method).toBe("scram-sha-256");
    // An audience role from anywhere else, or the retired shared role: refused.
    expect(matchHba("hrvend_operator", "10.20.0.9", true, [])?.method).toBe("reject");
    expect(matchHba("hrvend_grafana", "127.0.0.1", false, [])?.method).toBe("reject");
    // The services' writer over TLS from the application subnet only.
    expect(hba.find((l) => l.user === "hrvend_writer")?.type).toBe("hostssl");
  });

  it("migrate.sh names every login role whose password it generates", () => {
    const echo = read("postgres/migrate.sh")
      .split("\n")
      .find((l) => l.startsWith('echo "role passwords'));
    for (const role of DB_ROLES) expect(echo, role).toContain(role);
    expect(echo).not.toContain("hrvend_grafana");
  });
});

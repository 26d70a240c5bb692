import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import type { z } from "zod";
import { CoverageEnv, loadCoverageConfig } from "../../services/coverage/src/config";
import { GatewayEnv, loadGatewayConfig } from "../../services/gateway/src/config";
import { loadRecorderConfig, RecorderEnv } from "../../services/recorder/src/config";
import { loadReorderConfig, ReorderEnv } from "../../services/reorder/src/config";
import { loadStockConfig, StockEnv } from "../../services/stock/src/config";
import {
  DEPLOY,
  list,
  loadNatsNode,
  mergedEnv,
  parseEnvFile,
  read,
  unitEnvironmentFiles,
  unitSetting,
} from "./deploy-files";

// The production deployment files (infra/deploy) against the services' own config schemas: what
// systemd would hand each instance must start it, and the pieces must agree with each other.

const SERVICES: Record<string, { schema: z.ZodObject; load: (env: Record<string, string>) => unknown }> = {
  gateway: { schema: GatewayEnv, load: loadGatewayConfig },
  recorder: { schema: RecorderEnv, load: loadRecorderConfig },
  stock: { schema: StockEnv, load: loadStockConfig },
  reorder: { schema: ReorderEnv, load: loadReorderConfig },
  coverage: { schema: CoverageEnv, load: loadCoverageConfig },
};
const NAMES = Object.keys(SERVICES);
const FAKE = "example-not-a-secret";
/** Keys whose value is a credential; DATABASE_URL carries one too. */
const SECRET_KEY = /PASSWORD|SECRET|TOKEN|^DATABASE_URL$/;

const unitOf = (svc: string) => read(`systemd/hrvend-${svc}@.service`);
const instancesOf = (svc: string) =>
  list("env")
    .map((f) => new RegExp(`^${svc}@(\\d+)\\.env$`).exec(f)?.[1])
    .filter((i): i is string => i !== undefined);
const deployments = NAMES.flatMap((svc) =>
  instancesOf(svc).map((i) => ({ svc, i, ...mergedEnv(unitOf(svc), i) })),
);
const natsNodes = list("nats")
  .filter((f) => /^nats-\d+\.conf$/.test(f))
  .map((f) => loadNatsNode(`nats/${f}`));

describe("each service instance, with the env files its systemd unit loads", () => {
  it.each(NAMES)("%s runs at least two instances from /opt/hrvend", (svc) => {
    expect(instancesOf(svc).length).toBeGreaterThanOrEqual(2);
    const unit = unitOf(svc);
    expect(unitSetting(unit, "WorkingDirectory")).toBe("/opt/hrvend");
    const main = unitSetting(unit, "ExecStart")?.split(" ").pop() ?? "";
    expect(main).toBe(`services/${svc}/src/main.ts`);
    expect(existsSync(join(resolve(DEPLOY, "../.."), main))).toBe(true);
    expect(unitEnvironmentFiles(unit, "1").map((f) => f.installed)).toEqual([
      `/etc/hrvend/${svc}.env`,
      `/etc/hrvend/${svc}@1.env`,
      `/etc/hrvend/secrets/${svc}.env`,
    ]);
  });

  it.each(deployments.map((d) => [`${d.svc}@${d.i}`, d] as const))(
    "%s: the merged environment passes the service's config loader",
    (_, d) => {
      expect(d.files).toContain(`env/${d.svc}@${d.i}.env`);
      expect(() => SERVICES[d.svc]?.load(d.env)).not.toThrow();
    },
  );

  it.each(deployments.map((d) => [`${d.svc}@${d.i}`, d] as const))(
    "%s: every variable set is one the schema knows (zod would drop a misspelt one silently)",
    (_, d) => {
      const known = Object.keys(SERVICES[d.svc]?.schema.shape ?? {});
      expect(Object.keys(d.env).filter((k) => !known.includes(k))).toEqual([]);
    },
  );

  it("PARTITIONS is set, positive and the same for the gateway and every service", () => {
    const values = new Set(deployments.map((d) => d.env["PARTITIONS"]));
    expect([...values]).toHaveLength(1);
    expect(Number([...values][0])).toBeGreaterThan(0);
  });

  it("instances have distinct names and metrics ports (two may share a host)", () => {
    for (const svc of NAMES) {
      const key = svc === "gateway" ? "GATEWAY_ID" : "INSTANCE_ID";
      const ids = deployments.filter((d) => d.svc === svc).map((d) => d.env[key]);
      expect(ids.every(Boolean), `${svc} ${key}`).toBe(true);
      expect(new Set(ids).size, `${svc} ${key}`).toBe(ids.length);
    }
    const ports = deployments.map((d) => d.env["METRICS_PORT"]);
    expect(ports.every(Boolean)).toBe(true);
    expect(new Set(ports).size).toBe(ports.length);
  });
});

describe("secrets stay out of the repository", () => {
  const publicFiles = [
    ...list("env")
      .filter((f) => f.endsWith(".env"))
      .map((f) => `env/${f}`),
    "grafana/grafana.env",
  ];

  it.each(publicFiles)("%s holds no credential", (file) => {
    const env = parseEnvFile(read(file), file);
    expect(Object.keys(env).filter((k) => SECRET_KEY.test(k))).toEqual([]);
    // A URL with a password in it (user:password@host) under any name.
    expect(Object.values(env).filter((v) => /:\/\/[^/@\s]*:[^/@\s]*@/.test(v))).toEqual([]);
  });

  it.each(list("env/secrets.example").map((f) => `env/secrets.example/${f}`))(
    "%s holds only obviously fake values",
    (file) => {
      const env = parseEnvFile(read(file), file);
      expect(Object.keys(env).length).toBeGreaterThan(0);
      for (const [k, v] of Object.entries(env)) {
        expect(SECRET_KEY.test(k), `${k} is not a secret: it belongs in the public file`).toBe(true);
        const secret = k === "DATABASE_URL" ? decodeURIComponent(new URL(v).password) : v;
        expect(secret, k).toContain(FAKE);
      }
    },
  );

  it("NATS configs take every password from the environment, never a literal", () => {
    const users = natsNodes.flatMap((n) => n.users);
    expect(users.length).toBeGreaterThan(0);
    expect(users.filter((u) => !/^\$[A-Z][A-Z0-9_]*$/.test(u.password))).toEqual([]);
  });
});

describe("the NATS cluster", () => {
  it("has three nodes with distinct server names in one cluster", () => {
    expect(natsNodes).toHaveLength(3);
    expect(new Set(natsNodes.map((n) => n.serverName)).size).toBe(3);
    expect(natsNodes.every((n) => n.serverName !== "")).toBe(true);
    expect(new Set(natsNodes.map((n) => n.clusterName)).size).toBe(1);
  });

  it.each(natsNodes.map((n) => [n.serverName, n] as const))(
    "%s routes to the other two nodes at their cluster ports, not to itself",
    (_, node) => {
      // Route hosts are named after the node: nats-2 is nats-2.<domain>.
      const targets = node.routes.map((r) => `${r.protocol}//${r.hostname.split(".")[0]}:${r.port}`).sort();
      const others = natsNodes
        .filter((n) => n !== node)
        .map((n) => `nats-route://${n.serverName}:${n.clusterPort}`)
        .sort();
      expect(targets).toEqual(others);
    },
  );

  it("every node knows the same users", () => {
    const usersOf = (n: (typeof natsNodes)[number]) => JSON.stringify(n.users);
    expect(new Set(natsNodes.map(usersOf)).size).toBe(1);
  });

  it("each service's NATS_URL lists every node's client port", () => {
    const hostOf = (name: string) =>
      natsNodes.flatMap((n) => n.routes).find((r) => r.hostname.split(".")[0] === name)?.hostname;
    const expected = natsNodes.map((n) => `nats://${hostOf(n.serverName)}:${n.clientPort}`).sort();
    for (const d of deployments) {
      expect((d.env["NATS_URL"] ?? "").split(",").sort(), `${d.svc}@${d.i}`).toEqual(expected);
    }
  });

  it("each service's NATS user exists, in a JetStream account, with a password provided", () => {
    const nats = parseEnvFile(read("env/secrets.example/nats.env"), "nats.env");
    const users = natsNodes[0]?.users ?? [];
    for (const d of deployments) {
      const user = users.find((u) => u.user === d.env["NATS_USER"]);
      expect(user, `${d.svc}@${d.i} NATS_USER ${d.env["NATS_USER"]}`).toBeDefined();
      expect(user?.accountHasJetStream).toBe(true);
      // The service's NATS_PASSWORD is the very variable nats-server reads for that user.
      expect(d.env["NATS_PASSWORD"], `${d.svc}@${d.i}`).toBe(nats[user?.password.slice(1) ?? ""]);
    }
    expect(new Set(deployments.map((d) => d.env["NATS_USER"])).size).toBe(NAMES.length);
  });

  it("services replicate what they create on every node", () => {
    for (const d of deployments)
      expect(Number(d.env["STREAM_REPLICAS"]), `${d.svc}@${d.i}`).toBe(natsNodes.length);
  });
});

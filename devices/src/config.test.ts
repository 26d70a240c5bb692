import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadSimulateConfig, type SimulateOptions } from "./config";
import { ConfigError, SecretError } from "./errors";

const base: SimulateOptions = {
  scenario: "pilot",
  days: "90",
  seed: "42",
  stateDir: ".hrvend/sim",
  secretFile: "/nonexistent/secret",
  fresh: false,
  progress: true,
  maxInflight: "1000",
};
const env = { HRVEND_DEPLOYMENT_SECRET: "a-long-enough-deployment-secret" };

describe("loadSimulateConfig", () => {
  it("given --out, then it writes to a file at max speed; otherwise MQTT in real time", () => {
    const file = loadSimulateConfig({ ...base, out: "events.jsonl" }, env);
    expect(file.output).toEqual({ kind: "file", path: "events.jsonl" });
    expect(file.speed).toBe("max");
    const mqtt = loadSimulateConfig(base, env);
    expect(mqtt.output).toEqual({ kind: "mqtt", url: "mqtt://localhost:1883" });
    expect(mqtt.speed).toBe(1);
    expect(mqtt.stateDir).toMatch(/\.hrvend\/sim\/pilot-42$/);
  });

  it("parses speeds realtime, N and max, and rejects others", () => {
    expect(loadSimulateConfig({ ...base, speed: "realtime" }, env).speed).toBe(1);
    expect(loadSimulateConfig({ ...base, speed: "60" }, env).speed).toBe(60);
    expect(loadSimulateConfig({ ...base, speed: "max" }, env).speed).toBe("max");
    expect(() => loadSimulateConfig({ ...base, speed: "fast" }, env)).toThrow(/--speed: 'fast'/);
  });

  it("rejects bad options with the option's name", () => {
    expect(() => loadSimulateConfig({ ...base, days: "-1" }, env)).toThrow(ConfigError);
    expect(() => loadSimulateConfig({ ...base, days: "-1" }, env)).toThrow(/--days: must be a positive/);
    expect(() => loadSimulateConfig({ ...base, mqtt: "localhost" }, env)).toThrow(
      /--mqtt: must be a broker URL/,
    );
    expect(() => loadSimulateConfig({ ...base, out: "x", mqtt: "mqtt://h:1" }, env)).toThrow(/not both/);
  });

  it("reads the secret from the environment, else from the secret file, and refuses a missing or short one", () => {
    expect(loadSimulateConfig(base, env).secret).toBe(env.HRVEND_DEPLOYMENT_SECRET);
    const dir = mkdtempSync(join(tmpdir(), "hrvend-secret-"));
    writeFileSync(join(dir, "secret"), "from-the-file-0123456789\n");
    expect(loadSimulateConfig({ ...base, secretFile: join(dir, "secret") }, {}).secret).toBe(
      "from-the-file-0123456789",
    );
    expect(() => loadSimulateConfig(base, {})).toThrow(SecretError);
    expect(() => loadSimulateConfig(base, { HRVEND_DEPLOYMENT_SECRET: "short" })).toThrow(/at least 16/);
  });
});

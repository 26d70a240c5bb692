import { ConfigError } from "@hrvend/infra";
import { describe, expect, it } from "vitest";
import { loadConfig } from "./config";

describe("CLI config", () => {
  it("defaults to the project state dir and ports clear of the machine's own services", () => {
    const c = loadConfig({});
    expect(c.stateDir.endsWith(".hrvend")).toBe(true);
    expect(c.ports).toEqual({ postgres: 55432, nats: 14222, natsMonitor: 18222, mqtt: 11883 });
    expect(c.debug).toBe(false);
  });

  it("takes ports from the environment", () => {
    expect(loadConfig({ HRVEND_MQTT_PORT: "2883" }).ports.mqtt).toBe(2883);
  });

  it("names the variable and the problem when a port is invalid", () => {
    expect(() => loadConfig({ HRVEND_PG_PORT: "70000" })).toThrow(ConfigError);
    expect(() => loadConfig({ HRVEND_PG_PORT: "70000" })).toThrow(/HRVEND_PG_PORT: .*65535/);
  });
});

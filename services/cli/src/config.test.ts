import { ConfigError } from "@hrvend/runtime";
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

  it("HRVEND_DEBUG is on only when it says so: 0, false, no, off and empty are off; a word it does not know is refused", () => {
    for (const off of ["0", "false", "FALSE", "no", "off", ""])
      expect(loadConfig({ HRVEND_DEBUG: off }).debug).toBe(false);
    for (const on of ["1", "true", "Yes", "on"]) expect(loadConfig({ HRVEND_DEBUG: on }).debug).toBe(true);
    expect(() => loadConfig({ HRVEND_DEBUG: "maybe" })).toThrow(
      /HRVEND_DEBUG: must be one of 1, true, yes, on, 0, false, no, off/,
    );
  });

  it("takes the services' first metrics port from HRVEND_METRICS_PORT (9464 by default, 0 for free ports)", () => {
    expect(loadConfig({}).metricsPort).toBe(9464);
    expect(loadConfig({ HRVEND_METRICS_PORT: "19464" }).metricsPort).toBe(19464);
    expect(loadConfig({ HRVEND_METRICS_PORT: "0" }).metricsPort).toBe(0);
    expect(() => loadConfig({ HRVEND_METRICS_PORT: "65536" })).toThrow(/HRVEND_METRICS_PORT: .*65535/);
  });

  it("names the variable and the problem when a port is invalid", () => {
    expect(() => loadConfig({ HRVEND_PG_PORT: "70000" })).toThrow(ConfigError);
    expect(() => loadConfig({ HRVEND_PG_PORT: "70000" })).toThrow(/HRVEND_PG_PORT: .*65535/);
  });

  it("reads the language of what people read from HRVEND_LANG, English by default, and refuses others by name", () => {
    expect(loadConfig({}).lang).toBe("en");
    expect(loadConfig({ HRVEND_LANG: "ro-MD" }).lang).toBe("ro");
    expect(loadConfig({ HRVEND_LANG: "uk_UA.UTF-8" }).lang).toBe("uk");
    expect(() => loadConfig({ HRVEND_LANG: "de" })).toThrow(ConfigError);
    expect(() => loadConfig({ HRVEND_LANG: "de" })).toThrow(/HRVEND_LANG: not one of en, ro, ru, uk/);
  });
});

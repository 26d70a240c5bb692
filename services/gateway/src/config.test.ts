import { ConfigError } from "@hrvend/infra";
import { describe, expect, it } from "vitest";
import { loadGatewayConfig } from "./config";

const minimal = {
  MQTT_URL: "mqtt://127.0.0.1:1883",
  MQTT_USERNAME: "gw",
  MQTT_PASSWORD: "pw",
  NATS_URL: "nats://127.0.0.1:4222",
};

describe("gateway config", () => {
  it("given the four required variables, then it subscribes to all of hr/v1 in group ingest with sensible defaults", () => {
    const c = loadGatewayConfig(minimal);
    expect(c.mqtt).toMatchObject({ shareGroup: "ingest", filters: ["hr/v1/#"], connections: 4, window: 256 });
    expect(c.streams).toMatchObject({ events: "HR_EVENTS", dead: "HR_DEAD_LETTERS", deadPrefix: "hr.dead" });
    // One subject per contract kind, so alerts (hr.v1.<prison>.<machine>.alert) stay out of it.
    expect(c.streams.eventSubjects).toContain("hr.v1.*.*.dispense");
    expect(c.streams.eventSubjects).not.toContain("hr.v1.*.*.alert");
    expect(c.maxClockSkewMs).toBe(300_000);
  });

  it("given lists, then they are split on commas", () => {
    const c = loadGatewayConfig({
      ...minimal,
      MQTT_FILTERS: "hr/v1/a/#, hr/v1/b/#",
      EVENTS_SUBJECTS: "hr.v1.a.>,hr.v1.b.>",
    });
    expect(c.mqtt.filters).toEqual(["hr/v1/a/#", "hr/v1/b/#"]);
    expect(c.streams.eventSubjects).toEqual(["hr.v1.a.>", "hr.v1.b.>"]);
  });

  it("given a missing password and a bad URL, then the error names both variables", () => {
    const { MQTT_PASSWORD: _, ...rest } = minimal;
    const err = (() => {
      try {
        loadGatewayConfig({ ...rest, MQTT_URL: "not a url" });
      } catch (e) {
        return e as Error;
      }
    })();
    expect(err).toBeInstanceOf(ConfigError);
    expect(err?.message).toMatch(/MQTT_URL/);
    expect(err?.message).toMatch(/MQTT_PASSWORD/);
  });
});

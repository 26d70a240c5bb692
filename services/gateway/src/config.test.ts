import { ConfigError } from "@hrvend/runtime";
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
    expect(c.mqtt).toMatchObject({ shareGroup: "ingest", filters: ["hr/v1/#"], connections: 1, window: 256 });
    expect(c.streams).toMatchObject({ events: "HR_EVENTS", dead: "HR_DEAD_LETTERS", deadPrefix: "hr.dead" });
    // One subject per contract kind, so alerts (hr.v1.<prison>.<machine>.alert) stay out of it.
    expect(c.streams.eventSubjects).toContain("hr.v1.*.*.dispense");
    expect(c.streams.eventSubjects).not.toContain("hr.v1.*.*.alert");
    expect(c.maxClockSkewMs).toBe(300_000);
    expect(c.metricsHost).toBe("127.0.0.1");
  });

  it("given PARTITIONS on a cluster, then the stream takes the partitioned subjects, 3 replicas and a retention", () => {
    const c = loadGatewayConfig({
      ...minimal,
      PARTITIONS: "8",
      STREAM_REPLICAS: "3",
      STREAM_MAX_AGE_DAYS: "30",
    });
    expect(c.partitions).toBe(8);
    expect(c.streams).toMatchObject({ eventSubjects: ["hr.v1.*.*.*.*"], replicas: 3, maxAgeDays: 30 });
    expect(loadGatewayConfig(minimal).streams).toMatchObject({ replicas: 1, maxAgeDays: 0 });
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

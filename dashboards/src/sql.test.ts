import { describe, expect, it } from "vitest";
import { inVar, literal, select, timeFilter, timeGroup } from "./sql";

describe("SQL builder", () => {
  it("writes the columns in order, the time group as $__timeGroupAlias, conditions ANDed", () => {
    const q = select({ time: timeGroup("bucket"), metric: "kind", events: "sum(events)" })
      .from("reporting.ingest_hourly")
      .where(timeFilter("bucket"), inVar("prison_id", "prison"), false)
      .groupBy("1", "2")
      .orderBy("1")
      .limit(10)
      .build();
    expect(q.columns).toEqual(["time", "metric", "events"]);
    expect(q.sql).toBe(
      [
        "SELECT $__timeGroupAlias(bucket, $__interval),",
        "       kind AS metric,",
        "       sum(events) AS events",
        "FROM reporting.ingest_hourly",
        "WHERE $__timeFilter(bucket)",
        "  AND prison_id IN ($prison)",
        "GROUP BY 1, 2",
        "ORDER BY 1",
        "LIMIT 10",
      ].join("\n"),
    );
  });
  it("common table expressions, quoted aliases and literals", () => {
    const inner = select({ a: "a" }).from("t").build();
    const q = select({ "Nice name": "a", b: literal("it's") })
      .with("x", inner)
      .from("x")
      .build();
    expect(q.sql).toBe(
      `WITH x AS (\n  SELECT a\n  FROM t\n)\nSELECT a AS "Nice name",\n       'it''s' AS b\nFROM x`,
    );
  });
});

describe("dashboard time ranges", () => {
  it("resolves now-Nd … now and calendar years at a given now", async () => {
    const { resolveRange } = await import("./run");
    const now = new Date(Date.UTC(2026, 3, 14, 22));
    expect(resolveRange({ from: "now-30d", to: "now" }, now)).toEqual({
      from: new Date(Date.UTC(2026, 2, 15, 22)),
      to: now,
    });
    expect(resolveRange({ from: "now-1y", to: "now" }, now).from).toEqual(
      new Date(Date.UTC(2025, 3, 14, 22)),
    );
    expect(() => resolveRange({ from: "yesterday", to: "now" }, now)).toThrow(/unsupported/);
  });
});

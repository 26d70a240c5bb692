import { describe, expect, it } from "vitest";
import {
  expandQuery,
  formatInterval,
  interpolateGlobal,
  interpolateMacros,
  MacroError,
  panelIntervalMs,
  parseIntervalMs,
  replaceVariables,
  rfc3339Nano,
} from "./macros";

// Cases from Grafana's own tests: pkg/tsdb/grafana-postgresql-datasource/macros_test.go
// (TestMacroEngine) and packages/grafana-sql SqlDatasource variable interpolation.
const plain = { timescaledb: false };
const ts = { timescaledb: true };

describe("PostgreSQL macro engine (macros_test.go)", () => {
  const from = new Date(Date.UTC(2018, 3, 12, 18, 0, 0));
  const range = { from, to: new Date(from.getTime() + 5 * 60_000) };
  const m = (sql: string, o = plain) => interpolateMacros(sql, range, o);

  it("__time, also inside an aggregation", () => {
    expect(m("select $__time(time_column)")).toBe('select time_column AS "time"');
    expect(m("select min($__time(time_column))")).toBe('select min(time_column AS "time")');
  });
  it("__timeFilter, __timeFrom, __timeTo", () => {
    expect(m("WHERE $__timeFilter(time_column)")).toBe(
      "WHERE time_column BETWEEN '2018-04-12T18:00:00Z' AND '2018-04-12T18:05:00Z'",
    );
    expect(m("select $__timeFrom()")).toBe("select '2018-04-12T18:00:00Z'");
    expect(m("select $__timeTo()")).toBe("select '2018-04-12T18:05:00Z'");
  });
  it("__timeGroup pre 5.3 compatibility: a comma right after it adds the alias", () => {
    expect(m("SELECT $__timeGroup(time_column,'5m'), value")).toBe(
      'SELECT floor(extract(epoch from time_column)/300)*300 AS "time", value',
    );
    expect(m("SELECT $__timeGroup(time_column,'5m') as time, value")).toBe(
      "SELECT floor(extract(epoch from time_column)/300)*300 as time, value",
    );
  });
  it("__timeGroup and __timeGroupAlias, with spaces between args", () => {
    expect(m("SELECT $__timeGroup(time_column,'5m')")).toBe(
      "SELECT floor(extract(epoch from time_column)/300)*300",
    );
    expect(m("SELECT $__timeGroupAlias(time_column,'5m')")).toBe(
      'SELECT floor(extract(epoch from time_column)/300)*300 AS "time"',
    );
    expect(m("$__timeGroup(time_column , '5m')")).toBe("floor(extract(epoch from time_column)/300)*300");
    expect(m("$__timeGroupAlias(time_column , '5m')")).toBe(
      'floor(extract(epoch from time_column)/300)*300 AS "time"',
    );
  });
  it("__timeGroup with TimescaleDB enabled: time_bucket with seconds to 3 decimals", () => {
    expect(m("GROUP BY $__timeGroup(time_column,'5m')", ts)).toBe(
      "GROUP BY time_bucket('300.000s',time_column)",
    );
    expect(m("GROUP BY $__timeGroup(time_column , '5m')", ts)).toBe(
      "GROUP BY time_bucket('300.000s',time_column)",
    );
    expect(m("GROUP BY $__timeGroup(time_column , '12d')", ts)).toBe(
      "GROUP BY time_bucket('1036800.000s',time_column)",
    );
    expect(m("GROUP BY $__timeGroup(time_column , '20ms')", ts)).toBe(
      "GROUP BY time_bucket('0.020s',time_column)",
    );
    expect(m("SELECT $__timeGroupAlias(bucket,'1h')", ts)).toBe(
      `SELECT time_bucket('3600.000s',bucket) AS "time"`,
    );
  });
  it("unix epoch macros", () => {
    const s = from.getTime() / 1000;
    const e = s + 300;
    expect(m("select $__unixEpochFilter(time)")).toBe(`select time >= ${s} AND time <= ${e}`);
    expect(m("select $__unixEpochNanoFilter(time)")).toBe(
      `select time >= ${s}000000000 AND time <= ${e}000000000`,
    );
    expect(m("select $__unixEpochNanoFrom()")).toBe(`select ${s}000000000`);
    expect(m("select $__unixEpochNanoTo()")).toBe(`select ${e}000000000`);
    expect(m("SELECT $__unixEpochGroup(time_column+time_adjustment,'5m')")).toBe(
      "SELECT floor((time_column+time_adjustment)/300)*300",
    );
    expect(m("SELECT $__unixEpochGroupAlias(time_column+time_adjustment,'5m')")).toBe(
      'SELECT floor((time_column+time_adjustment)/300)*300 AS "time"',
    );
  });
  it("ranges before 1970 and with fractional seconds format as Go's RFC3339Nano", () => {
    const r = {
      from: new Date(Date.UTC(1960, 1, 1, 7, 0, 0, 500)),
      to: new Date(Date.UTC(1980, 1, 3, 8, 0, 0, 500)),
    };
    expect(rfc3339Nano(r.from)).toBe("1960-02-01T07:00:00.5Z");
    expect(interpolateMacros("WHERE $__timeFilter(time_column)", r, plain)).toBe(
      "WHERE time_column BETWEEN '1960-02-01T07:00:00.5Z' AND '1980-02-03T08:00:00.5Z'",
    );
    expect(interpolateMacros("select $__unixEpochFilter(time)", r, plain)).toBe(
      `select time >= ${Math.floor(r.from.getTime() / 1000)} AND time <= ${Math.floor(r.to.getTime() / 1000)}`,
    );
  });
  it("an unknown macro or a bad interval is an error", () => {
    expect(() => m("SELECT $__nope(x)")).toThrow(MacroError);
    expect(() => m("SELECT $__timeGroup(x)")).toThrow(/needs time column and interval/);
    expect(() => m("SELECT $__timeGroup(x, 'soon')")).toThrow(/error parsing interval/);
  });
});

describe("sqleng.Interpolate and gtime", () => {
  const range = { from: new Date(Date.UTC(2018, 3, 12, 18)), to: new Date(Date.UTC(2018, 3, 12, 18, 5)) };
  it("replaces $__interval_ms before $__interval, and the unix epoch bounds", () => {
    expect(
      interpolateGlobal("$__interval_ms $__interval $__unixEpochFrom() $__unixEpochTo()", range, 600_000),
    ).toBe("600000 10m 1523556000 1523556300");
  });
  it("FormatInterval takes the largest whole unit; ParseInterval reads Go durations and calendar units", () => {
    expect([
      formatInterval(10),
      formatInterval(1500),
      formatInterval(90 * 60_000),
      formatInterval(400 * 86_400_000),
    ]).toEqual(["10ms", "1s", "1h", "1y"]);
    expect(parseIntervalMs("1h30m")).toBe(5_400_000);
    expect(parseIntervalMs("1.5s")).toBe(1500);
    expect(parseIntervalMs("7d")).toBe(7 * 86_400_000);
    const now = new Date(Date.UTC(2026, 0, 31));
    expect(parseIntervalMs("1M", now)).toBe(31 * 86_400_000); // Jan 31 + 1 month = Mar 3 (Go's AddDate normalises)
  });
  it("the frontend's interval: range / max data points, rounded, at least the panel's min interval", () => {
    const week = { from: new Date(0), to: new Date(7 * 86_400_000) };
    expect(panelIntervalMs(week, 1000)).toBe(600_000);
    expect(panelIntervalMs(week, 1000, 3_600_000)).toBe(3_600_000);
  });
});

describe("template variables (SqlDatasource.interpolateVariable)", () => {
  it("multi-value and include-All variables become quoted lists; single values are escaped, not quoted", () => {
    const vars = {
      prison: { value: ["md-p13", "md-p5"], multi: true, includeAll: true },
      one: { value: "md-p13", multi: true },
      single: { value: "it's", multi: false },
    };
    expect(replaceVariables("WHERE prison_id IN ($prison)", vars)).toBe(
      "WHERE prison_id IN ('md-p13','md-p5')",
    );
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's variable syntax, not a template
    expect(replaceVariables("WHERE prison_id IN (${one})", vars)).toBe("WHERE prison_id IN ('md-p13')");
    expect(replaceVariables("WHERE x = '$single'", vars)).toBe("WHERE x = 'it''s'");
    expect(replaceVariables("WHERE x IN ([[prison]])", vars)).toBe("WHERE x IN ('md-p13','md-p5')");
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's variable syntax, not a template
    expect(replaceVariables("'${prison:csv}'", vars)).toBe("'md-p13,md-p5'");
    expect(replaceVariables("WHERE y = $unknown", vars)).toBe("WHERE y = $unknown");
  });
  it("a value with a quote cannot break out of its literal", () => {
    const vars = { p: { value: ["a', 'b"], multi: true } };
    expect(replaceVariables("IN ($p)", vars)).toBe("IN ('a'', ''b')");
  });
  it("the whole expansion: variables, then $__interval, then the macros", () => {
    const range = { from: new Date(Date.UTC(2026, 0, 1)), to: new Date(Date.UTC(2026, 0, 8)) };
    const sql = expandQuery(
      "SELECT $__timeGroupAlias(bucket, $__interval), sum(events) FROM t WHERE $__timeFilter(bucket) AND prison_id IN ($prison) GROUP BY 1",
      {
        range,
        intervalMs: 3_600_000,
        variables: { prison: { value: ["a"], multi: true, includeAll: true } },
      },
    );
    expect(sql).toBe(
      `SELECT time_bucket('3600.000s',bucket) AS "time", sum(events) FROM t WHERE bucket BETWEEN '2026-01-01T00:00:00Z' AND '2026-01-08T00:00:00Z' AND prison_id IN ('a') GROUP BY 1`,
    );
  });
});

/**
 * Grafana's expansion of a PostgreSQL panel query, step by step as Grafana does it, so tests and
 * the preview run exactly the SQL Grafana would send:
 *
 * 1. Frontend, `templateSrv.replace(rawSql, scopedVars, SqlDatasource.interpolateVariable)`
 *    (packages/grafana-sql/src/datasource/SqlDatasource.ts): `$var`, `${var}`, `${var:format}`,
 *    `[[var]]`; a multi-value or include-All variable becomes a list of quoted literals
 *    `'a','b'` (`'` doubled), a single-value one its text with `'` doubled; the scoped
 *    `$__interval`, `$__interval_ms`, `$__from`, `$__to` come from the request.
 * 2. Backend, `sqleng.Interpolate` (pkg/tsdb/grafana-postgresql-datasource/sqleng/sql_engine.go):
 *    any `$__interval_ms`, `$__interval` left, `$__unixEpochFrom()`, `$__unixEpochTo()`.
 * 3. Backend, the PostgreSQL macro engine (pkg/tsdb/grafana-postgresql-datasource/macros.go):
 *    `$__name(args)` with `$__timeFilter`, `$__timeGroup[Alias]` (TimescaleDB on → `time_bucket`)…
 *
 * Unknown variables are left as written (as templateSrv does); an unknown macro is an error.
 */

export interface TimeRange {
  from: Date;
  to: Date;
}

/** A template variable's current value and the two flags that decide its formatting. */
export interface VariableValue {
  value: string | string[];
  multi?: boolean;
  includeAll?: boolean;
}

export interface ExpandOptions {
  range: TimeRange;
  variables?: Record<string, VariableValue>;
  /** The interval the frontend computed for the panel (see `panelIntervalMs`). */
  intervalMs?: number;
  /** The datasource's jsonData.timescaledb. */
  timescaledb?: boolean;
  /** Wall clock, for `$__timeGroup` intervals in months or years (Go's ParseInterval is relative to now). */
  now?: Date;
}

export class MacroError extends Error {
  override name = "MacroError";
}

/** The whole expansion: what Grafana's PostgreSQL datasource executes for `rawSql`. */
export function expandQuery(rawSql: string, o: ExpandOptions): string {
  const intervalMs = o.intervalMs ?? 60_000;
  const scoped: Record<string, VariableValue> = {
    __interval: { value: secondsToHms(intervalMs / 1000) },
    __interval_ms: { value: String(intervalMs) },
    __from: { value: String(o.range.from.getTime()) },
    __to: { value: String(o.range.to.getTime()) },
    ...o.variables,
  };
  const templated = replaceVariables(rawSql, scoped);
  const global = interpolateGlobal(templated, o.range, intervalMs);
  return interpolateMacros(global, o.range, { timescaledb: o.timescaledb ?? true, now: o.now });
}

// ---- 1. frontend: templateSrv.replace with SqlDatasource.interpolateVariable -------------------

// templateSrv's variableRegex: $var | [[var:fmt]] | ${var.fieldPath:fmt}
const VARIABLE = /\$(\w+)|\[\[(\w+?)(?::(\w+))?\]\]|\$\{(\w+)(?:\.([^:^}]+))?(?::([^}]+))?\}/g;

const quoteLiteral = (v: string) => `'${String(v).replace(/'/g, "''")}'`;

/** `SqlDatasource.interpolateVariable`: the datasource's default format. */
export function interpolateVariable(value: string | string[] | number, variable: VariableValue): string {
  if (typeof value === "string") {
    if (variable.multi || variable.includeAll) return quoteLiteral(value);
    return value.replace(/'/g, "''");
  }
  if (typeof value === "number") return String(value);
  return value.map(quoteLiteral).join(",");
}

/** The explicit `${var:format}` formats a SQL query may use (Grafana's variable format options). */
function formatAs(value: string | string[], format: string): string {
  const list = Array.isArray(value) ? value : [value];
  switch (format) {
    case "csv":
      return list.join(",");
    case "raw":
      return Array.isArray(value) ? list.join(",") : value;
    case "singlequote":
      return list.map((v) => `'${v.replace(/'/g, "\\'")}'`).join(",");
    case "sqlstring":
      return list.map(quoteLiteral).join(",");
    case "doublequote":
      return list.map((v) => `"${v.replace(/"/g, '\\"')}"`).join(",");
    default:
      throw new MacroError(`variable format '${format}' is not supported here`);
  }
}

export function replaceVariables(sql: string, variables: Record<string, VariableValue>): string {
  return sql.replace(VARIABLE, (match, v1, v2, fmt2, v3, _path, fmt3) => {
    const name: string = v1 ?? v2 ?? v3;
    const variable = variables[name];
    if (!variable) return match;
    const format: string | undefined = fmt2 ?? fmt3;
    return format ? formatAs(variable.value, format) : interpolateVariable(variable.value, variable);
  });
}

// ---- 2. backend: sqleng.Interpolate -------------------------------------------------------------

export function interpolateGlobal(sql: string, range: TimeRange, intervalMs: number): string {
  return sql
    .replaceAll("$__interval_ms", String(Math.trunc(intervalMs)))
    .replaceAll("$__interval", formatInterval(intervalMs))
    .replaceAll("$__unixEpochFrom()", String(Math.floor(range.from.getTime() / 1000)))
    .replaceAll("$__unixEpochTo()", String(Math.floor(range.to.getTime() / 1000)));
}

// ---- 3. backend: the PostgreSQL macro engine -----------------------------------------------------

const MACRO = /\$([_a-zA-Z0-9]+)\(([^)]*)\)/g;

export function interpolateMacros(
  sql: string,
  range: TimeRange,
  o: { timescaledb: boolean; now?: Date | undefined },
): string {
  let error: Error | undefined;
  const out = sql.replace(MACRO, (match, name: string, rawArgs: string) => {
    let macro = name;
    // Pre-5.3 compatibility: `$__timeGroup(…),` (a comma right after the call, at its first
    // occurrence in the original text) is read as `$__timeGroupAlias`.
    if (macro === "__timeGroup") {
      const at = sql.indexOf(match);
      if (at >= 0 && sql[at + match.length] === ",") macro = "__timeGroupAlias";
    }
    const args = rawArgs.split(",").map((a) => a.trim());
    try {
      return evaluateMacro(macro, args, range, o);
    } catch (e) {
      error ??= e as Error;
      return "macro_error()";
    }
  });
  if (error) throw error;
  return out;
}

function evaluateMacro(
  name: string,
  args: string[],
  range: TimeRange,
  o: { timescaledb: boolean; now?: Date | undefined },
): string {
  const from = rfc3339Nano(range.from);
  const to = rfc3339Nano(range.to);
  const needColumn = () => {
    // Go's strings.Split("") gives [""]: one (empty) argument, so only a call with no text fails.
    if (args.length === 0) throw new MacroError(`missing time column argument for macro ${name}`);
    return args[0]!;
  };
  switch (name) {
    case "__time":
      return `${needColumn()} AS "time"`;
    case "__timeEpoch":
      return `extract(epoch from ${needColumn()}) as "time"`;
    case "__timeFilter":
      return `${needColumn()} BETWEEN '${from}' AND '${to}'`;
    case "__timeFrom":
      return `'${from}'`;
    case "__timeTo":
      return `'${to}'`;
    case "__timeGroup": {
      if (args.length < 2)
        throw new MacroError(`macro ${name} needs time column and interval and optional fill value`);
      const seconds = parseIntervalMs(trimQuotes(args[1]!), o.now) / 1000;
      if (o.timescaledb) return `time_bucket('${seconds.toFixed(3)}s',${args[0]})`;
      return `floor(extract(epoch from ${args[0]})/${goFloat(seconds)})*${goFloat(seconds)}`;
    }
    case "__timeGroupAlias":
      return `${evaluateMacro("__timeGroup", args, range, o)} AS "time"`;
    case "__unixEpochFilter": {
      const c = needColumn();
      return `${c} >= ${unix(range.from)} AND ${c} <= ${unix(range.to)}`;
    }
    case "__unixEpochNanoFilter": {
      const c = needColumn();
      return `${c} >= ${nanos(range.from)} AND ${c} <= ${nanos(range.to)}`;
    }
    case "__unixEpochNanoFrom":
      return nanos(range.from);
    case "__unixEpochNanoTo":
      return nanos(range.to);
    case "__unixEpochGroup": {
      if (args.length < 2)
        throw new MacroError(`macro ${name} needs time column and interval and optional fill value`);
      const seconds = parseIntervalMs(trimQuotes(args[1]!), o.now) / 1000;
      return `floor((${args[0]})/${goFloat(seconds)})*${goFloat(seconds)}`;
    }
    case "__unixEpochGroupAlias":
      return `${evaluateMacro("__unixEpochGroup", args, range, o)} AS "time"`;
    default:
      throw new MacroError(`unknown macro "${name}"`);
  }
}

const trimQuotes = (s: string) => s.replace(/^'+|'+$/g, "");
const unix = (d: Date) => String(Math.floor(d.getTime() / 1000));
const nanos = (d: Date) => (BigInt(d.getTime()) * 1_000_000n).toString();
/** Go's %v of a float64: shortest representation (300, 0.02, 1.5). */
const goFloat = (x: number) => String(x);

/** Go's time.Format(time.RFC3339Nano) in UTC: fractional seconds without trailing zeros. */
export function rfc3339Nano(d: Date): string {
  return d.toISOString().replace(/\.(\d*?)0*Z$/, (_m, frac: string) => (frac ? `.${frac}Z` : "Z"));
}

// ---- gtime (grafana-plugin-sdk-go backend/gtime) ------------------------------------------------

const GO_UNITS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/** gtime.ParseInterval, in ms: Go durations (`5m`, `1h30m`, `20ms`) or `Nd`, `Nw`, `NM`, `Ny` (calendar, from now, UTC). */
export function parseIntervalMs(inp: string, now = new Date()): number {
  const date = /^(\d+)([dwMy])$/.exec(inp);
  if (date) {
    const n = Number(date[1]);
    const t = new Date(now.getTime());
    switch (date[2]) {
      case "d":
        t.setUTCDate(t.getUTCDate() + n);
        break;
      case "w":
        t.setUTCDate(t.getUTCDate() + 7 * n);
        break;
      case "M":
        t.setUTCMonth(t.getUTCMonth() + n);
        break;
      default:
        t.setUTCFullYear(t.getUTCFullYear() + n);
    }
    return t.getTime() - now.getTime();
  }
  // Go's time.ParseDuration.
  const m = /^([-+]?)((?:\d*\.?\d+(?:ns|us|µs|ms|s|m|h))+|0)$/.exec(inp);
  if (!m) throw new MacroError(`error parsing interval ${inp}`);
  if (m[2] === "0") return 0;
  let ms = 0;
  for (const part of m[2]!.matchAll(/(\d*\.?\d+)(ns|us|µs|ms|s|m|h)/g))
    ms += Number(part[1]) * GO_UNITS[part[2]!]!;
  return m[1] === "-" ? -ms : ms;
}

/** gtime.FormatInterval: the largest whole unit (y = 365 d). */
export function formatInterval(ms: number): string {
  const units: [number, string][] = [
    [365 * 86_400_000, "y"],
    [86_400_000, "d"],
    [3_600_000, "h"],
    [60_000, "m"],
    [1000, "s"],
    [1, "ms"],
  ];
  for (const [size, unit] of units) if (ms >= size) return `${Math.trunc(ms / size)}${unit}`;
  return "1ms";
}

/** The frontend's kbn secondsToHms (the text of the scoped `$__interval`). */
export function secondsToHms(seconds: number): string {
  const years = Math.floor(seconds / 31536000);
  if (years) return `${years}y`;
  const days = Math.floor((seconds % 31536000) / 86400);
  if (days) return `${days}d`;
  const hours = Math.floor(((seconds % 31536000) % 86400) / 3600);
  if (hours) return `${hours}h`;
  const minutes = Math.floor((((seconds % 31536000) % 86400) % 3600) / 60);
  if (minutes) return `${minutes}m`;
  const secs = Math.floor((((seconds % 31536000) % 86400) % 3600) % 60);
  if (secs) return `${secs}s`;
  const millis = Math.floor(seconds * 1000);
  if (millis) return `${millis}ms`;
  return "less than a millisecond";
}

/** The frontend's rangeutil.roundInterval: a "nice" interval near the raw one (ms). */
export function roundInterval(interval: number): number {
  const steps: [number, number][] = [
    [15, 10],
    [35, 20],
    [75, 50],
    [150, 100],
    [350, 200],
    [750, 500],
    [1500, 1000],
    [3500, 2000],
    [7500, 5000],
    [12500, 10000],
    [17500, 15000],
    [25000, 20000],
    [45000, 30000],
    [90000, 60000],
    [210000, 120000],
    [450000, 300000],
    [750000, 600000],
    [1050000, 900000],
    [1500000, 1200000],
    [2700000, 1800000],
    [5400000, 3600000],
    [9000000, 7200000],
    [16200000, 10800000],
    [32400000, 21600000],
    [86400000, 43200000],
    [604800000, 86400000],
    [1814400000, 604800000],
    [3628800000, 2592000000],
  ];
  for (const [below, nice] of steps) if (interval < below) return nice;
  return 31536000000;
}

/**
 * The frontend's rangeutil.calculateInterval for a panel: (to − from) / max data points, rounded,
 * never below the panel's min interval (`interval` in the panel JSON).
 */
export function panelIntervalMs(range: TimeRange, maxDataPoints: number, minIntervalMs = 0): number {
  const raw = (range.to.getTime() - range.from.getTime()) / maxDataPoints;
  return Math.max(roundInterval(raw), minIntervalMs);
}

/**
 * A small typed SQL builder for Grafana panel queries (the foundation SDK has none). A query
 * knows the columns it returns, so a panel can state which ones it needs and the tests can check
 * them against what PostgreSQL actually returns. It writes Grafana's macros and template
 * variables into the text; `macros.ts` expands them as Grafana does.
 */

/** A query's text (with Grafana macros and `$variables`) and the columns it returns, in order. */
export interface Query<C extends string = string> {
  readonly sql: string;
  readonly columns: readonly C[];
}

/** `$__timeFilter(col)`: the dashboard's time range. */
export const timeFilter = (column: string) => `$__timeFilter(${column})`;
/** `$__timeGroup(col, interval)`: as the `time` column it becomes `$__timeGroupAlias`. */
export const timeGroup = (column: string, interval = "$__interval") => `$__timeGroup(${column}, ${interval})`;
export const timeFrom = "$__timeFrom()";
export const timeTo = "$__timeTo()";
/** `col IN ($var)`: every variable is multi-value with All, so it expands to a quoted list. */
export const inVar = (column: string, variable: string) => `${column} IN ($${variable})`;
/** A SQL string literal. */
export const literal = (s: string) => `'${s.replace(/'/g, "''")}'`;
/** Epoch milliseconds, what Grafana's stat shows as a date (units dateTimeAsIso, dateTimeFromNow). */
export const epochMs = (expr: string) => `(extract(epoch from ${expr}) * 1000)`;

const TIME_GROUP = /^\$__timeGroup\((.*)\)$/s;

type Columns = Record<string, string>;

export class Select<C extends string> {
  private ctes: [string, Query][] = [];
  private source = "";
  private joins: string[] = [];
  private conditions: string[] = [];
  private groups: string[] = [];
  private orders: string[] = [];
  private max: number | undefined;

  constructor(private readonly cols: Columns) {}

  with(name: string, query: Query): this {
    this.ctes.push([name, query]);
    return this;
  }
  from(source: string): this {
    this.source = source;
    return this;
  }
  leftJoin(source: string, on: string): this {
    this.joins.push(`LEFT JOIN ${source} ON ${on}`);
    return this;
  }
  /** Conditions are ANDed; `false`/`undefined` entries are skipped (optional filters). */
  where(...conditions: (string | false | undefined)[]): this {
    for (const c of conditions) if (c) this.conditions.push(c);
    return this;
  }
  groupBy(...exprs: string[]): this {
    this.groups.push(...exprs);
    return this;
  }
  orderBy(...exprs: string[]): this {
    this.orders.push(...exprs);
    return this;
  }
  limit(n: number): this {
    this.max = n;
    return this;
  }

  build(): Query<C> {
    const columns = Object.keys(this.cols) as C[];
    if (!this.source) throw new Error("a query needs a FROM");
    const list = Object.entries(this.cols).map(([alias, expr]) => {
      const g = TIME_GROUP.exec(expr);
      if (alias === "time" && g) return `$__timeGroupAlias(${g[1]})`;
      return expr === alias ? expr : `${expr} AS ${quoteIdent(alias)}`;
    });
    const lines: string[] = [];
    if (this.ctes.length)
      lines.push(`WITH ${this.ctes.map(([n, q]) => `${n} AS (\n${indent(q.sql)}\n)`).join(",\n")}`);
    lines.push(`SELECT ${list.join(",\n       ")}`);
    lines.push(`FROM ${this.source}`);
    lines.push(...this.joins);
    if (this.conditions.length) lines.push(`WHERE ${this.conditions.join("\n  AND ")}`);
    if (this.groups.length) lines.push(`GROUP BY ${this.groups.join(", ")}`);
    if (this.orders.length) lines.push(`ORDER BY ${this.orders.join(", ")}`);
    if (this.max !== undefined) lines.push(`LIMIT ${this.max}`);
    return { sql: lines.join("\n"), columns };
  }
}

/** `select({ alias: expression, … })`: the aliases are the query's columns, in order. */
export function select<const S extends Columns>(cols: S): Select<Extract<keyof S, string>> {
  return new Select(cols);
}

function quoteIdent(name: string): string {
  return /^[a-z_][a-z0-9_]*$/.test(name) ? name : `"${name.replace(/"/g, '""')}"`;
}

const indent = (s: string) =>
  s
    .split("\n")
    .map((l) => `  ${l}`)
    .join("\n");

import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { censusSourceId, healthSourceId } from "@hrvend/devices";
import type { Database } from "@hrvend/runtime/db";
import { createDb } from "@hrvend/runtime/db";
import { type TFunction, translator } from "@hrvend/runtime/i18n";
import { eventKey, eventSource, type HrEvent } from "@hrvend/schemas";
import { Command } from "commander";
import type { Kysely } from "kysely";
import type { CliConfig } from "../config";
import { withinPrisons } from "../imports/allowed";
import { CENSUS_COLUMNS, censusKey, parseCensus } from "../imports/census";
import { censusEvents, oatEvents, planCensus, planOat } from "../imports/changes";
import { MAX_FILE_BYTES, readCsv } from "../imports/csv";
import { ImportFileError, type RowProblem } from "../imports/errors";
import { OAT_COLUMNS, parseOat } from "../imports/oat";
import { knownPrisons, recordedCensus, recordedOat, waitRecorded } from "../imports/recorded";
import { formatReport, type ImportReport, type RowChange } from "../imports/report";
import { oatClientToken } from "../imports/token";
import { oatTokenKeyOf } from "../imports/token-key";
import { deploymentSecret } from "../publish/deployment-secret";
import { type BrokerOptions, officeBrokers } from "../publish/office-broker";
import { databaseUrlOf } from "../registry/connections";
import { publishEvents } from "../registry/publish";

interface Options extends BrokerOptions {
  dryRun?: boolean;
  json?: boolean;
  skipInvalid?: boolean;
  databaseUrl?: string;
  secretFile?: string;
  oatKeyFile?: string;
  prison: string[];
  wait: string;
}

/** Which prisons' rows an import may publish, and how to say why another's is refused. */
interface Allowed {
  allowed?: (prisonId: string) => boolean;
  why: string;
}

/** `hrvend import census|oat <csv>`: the prison census and the health unit's OAT register. */
export function importCommand(config: CliConfig): Command {
  const t = translator(config.lang, "cli");
  const cmd = new Command("import").description(t("import.description"));
  const common = (c: Command) =>
    c
      .argument("<csv>", t("import.csv"))
      .option("--dry-run", t("import.dryRun"))
      .option("--json", t("import.json"))
      .option("--skip-invalid", t("import.skipInvalid"))
      .option("--database-url <url>", t("opt.databaseUrl", { role: "hrvend_writer" }))
      .option("--mqtt-url <url>", t("alerts.mqttUrl"))
      .option("--mqtt-password-dir <dir>", t("import.mqttPasswordDir"))
      .option("--mqtt-ca-file <file>", t("import.mqttCaFile"))
      .option("--secret-file <file>", t("import.secretFile"))
      .option("--prison <id>", t("import.prison"), (v: string, acc: string[]) => [...acc, v], [] as string[])
      .option("--wait <seconds>", t("import.wait"), "60");

  common(
    cmd
      .command("census")
      .description(t("import.census"))
      .addHelpText(
        "after",
        `
${t("import.censusHelp")}

${t("opt.examples")}
  npx hrvend import census infra/deploy/examples/census.csv --dry-run
  npx hrvend import census census-2026-03.csv
  npx hrvend import census census.csv --skip-invalid --json`,
      ),
  ).action(async (file: string, o: Options) => {
    await runImport(config, "census", file, o);
  });

  common(
    cmd
      .command("oat")
      .description(t("import.oat"))
      .option("--oat-key-file <file>", t("import.oatKeyFile"))
      .addHelpText(
        "after",
        `
${t("import.oatHelp")}

${t("opt.examples")}
  npx hrvend import oat infra/deploy/examples/oat-register.csv --dry-run
  npx hrvend import oat register.csv --oat-key-file /etc/hrvend/oat-token.key --prison md-p13 \\
      --mqtt-url mqtts://broker:8883 --mqtt-password-dir /etc/hrvend/pw \\
      --database-url postgres://hrvend_writer@db/hrvend`,
      ),
  ).action(async (file: string, o: Options) => {
    await runImport(config, "oat", file, o);
  });
  return cmd;
}

/** What one kind of import produced before publishing: its rows' fates and the events due. */
interface Prepared {
  rows: number;
  changes: RowChange[];
  events: { line: number; event: HrEvent }[];
  problems: RowProblem[];
}

async function prepareCensus(
  db: Kysely<Database>,
  bytes: Buffer,
  now: Date,
  may: Allowed,
): Promise<Prepared> {
  const prisons = await knownPrisons(db, prisonsNamed(bytes, CENSUS_COLUMNS));
  const read = parseCensus(bytes, prisons, now.getTime());
  const within = withinPrisons(read.rows, may.allowed, may.why);
  const parsed = { rows: within.rows, problems: [...read.problems, ...within.problems] };
  const recorded = await recordedCensus(db, [...new Set(parsed.rows.map((r) => r.prisonId))]);
  const plan = planCensus(parsed.rows, recorded);
  const out = censusEvents(plan, recorded, now);
  return {
    rows: parsed.rows.length + new Set(parsed.problems.map((p) => p.line)).size,
    changes: plan.map(({ row, change }) => {
      const fields = change === "changed" ? censusFields(recorded.latest.get(censusKey(row)), row) : [];
      return {
        line: row.line,
        prison: row.prisonId,
        date: row.date,
        change,
        ...(fields.length ? { fields } : {}),
      };
    }),
    events: out.events,
    problems: [...parsed.problems, ...out.problems],
  };
}

async function prepareOat(
  db: Kysely<Database>,
  bytes: Buffer,
  now: Date,
  key: Buffer,
  may: Allowed,
): Promise<Prepared> {
  const prisons = await knownPrisons(db, prisonsNamed(bytes, OAT_COLUMNS));
  const read = parseOat(bytes, prisons, (p, id) => oatClientToken(key, p, id), now.getTime());
  const within = withinPrisons(read.rows, may.allowed, may.why);
  const parsed = { rows: within.rows, problems: [...read.problems, ...within.problems] };
  const dates = parsed.rows.map((r) => r.date).sort();
  const used = new Map(
    [...new Set(parsed.rows.map((r) => r.prisonId))].map((p) => [p, prisons.get(p) ?? "UTC"]),
  );
  const span = dates.length ? { from: dates[0] as string, to: dates[dates.length - 1] as string } : undefined;
  const recorded = await recordedOat(db, used, span);
  const plan = planOat(parsed.rows, recorded);
  const out = oatEvents(plan, recorded, now);
  return {
    rows: parsed.rows.length + new Set(parsed.problems.map((p) => p.line)).size,
    changes: plan.map(({ row, change }) => ({
      line: row.line,
      prison: row.prisonId,
      date: row.date,
      event: row.action,
      change,
    })),
    events: out.events,
    problems: [...parsed.problems, ...out.problems],
  };
}

/** The prison ids a file names, to ask the registry about (validation checks each row later). */
function prisonsNamed(bytes: Buffer, columns: typeof CENSUS_COLUMNS): string[] {
  try {
    return readCsv(bytes, columns).rows.map((r) => r.values["prison"] ?? "");
  } catch {
    return []; // the parse proper reports why the file cannot be read
  }
}

/**
 * The prisons an import may publish for: --prison's, else (a host with its own accounts'
 * passwords) those whose office account has a password file, else (the owner) any.
 */
function allowedPrisons(kind: "census" | "oat", o: Options, t: TFunction): Allowed {
  if (o.prison.length > 0) {
    const set = new Set(o.prison);
    return { allowed: (p) => set.has(p), why: `--prison ${o.prison.join(", ")}` };
  }
  const dir = o.mqttPasswordDir;
  if (dir === undefined) return { why: "" };
  const sourceOf = kind === "census" ? censusSourceId : healthSourceId;
  return {
    allowed: (p) => existsSync(join(dir, sourceOf(p))),
    why: t("import.notInPasswordDir"),
  };
}

async function runImport(config: CliConfig, kind: "census" | "oat", file: string, o: Options): Promise<void> {
  const t = translator(config.lang, "cli");
  // Refused before it is read into memory (readCsv checks again for callers with bytes).
  if (statSync(file).size > MAX_FILE_BYTES)
    throw new ImportFileError(t("import.tooLarge", { file, max: MAX_FILE_BYTES }), { file });
  const bytes = readFileSync(file);
  const now = new Date();
  const db = createDb(databaseUrlOf(config, o.databaseUrl), { max: 1 });
  try {
    // A refusal's reason is part of the report; --json keeps it English.
    const may = allowedPrisons(kind, o, o.json ? translator("en", "cli") : t);
    const p =
      kind === "census"
        ? await prepareCensus(db, bytes, now, may)
        : await prepareOat(db, bytes, now, oatTokenKeyOf(config, o.oatKeyFile, o.secretFile), may);
    const invalid = new Set(p.problems.map((x) => x.line)).size;
    const stopped = invalid > 0 && !o.skipInvalid;
    const report: ImportReport = {
      kind,
      file,
      dryRun: Boolean(o.dryRun),
      rows: p.rows,
      valid: p.rows - invalid,
      invalid,
      new: p.changes.filter((c) => c.change === "new").length,
      changed: p.changes.filter((c) => c.change === "changed").length,
      unchanged: p.changes.filter((c) => c.change === "unchanged").length,
      published: 0,
      recorded: 0,
      stopped,
      problems: [...p.problems].sort((a, b) => a.line - b.line),
      changes: p.changes,
    };
    if (!stopped && !o.dryRun && p.events.length > 0) {
      report.published = await publishBySource(
        config,
        kind,
        p.events.map((e) => e.event),
        o,
      );
      const waitMs = Math.max(0, Number(o.wait) || 0) * 1000;
      const missing = await waitRecorded(
        db,
        p.events.map((e) => eventKey(e.event)),
        waitMs,
      );
      report.recorded = report.published - missing.length;
    }
    console.log(o.json ? JSON.stringify(report, null, 2) : formatReport(report));
    if (stopped) process.exitCode = 1;
  } finally {
    await db.destroy();
  }
}

/** Publishes each office source's events with its own account, in seq order; returns how many. */
async function publishBySource(
  config: CliConfig,
  kind: "census" | "oat",
  events: HrEvent[],
  o: Options,
): Promise<number> {
  const bySource = new Map<string, HrEvent[]>();
  for (const e of events) {
    const s = eventSource(e);
    const es = bySource.get(s);
    if (es) es.push(e);
    else bySource.set(s, [e]);
  }
  const sources = [...bySource].map(([sourceId, es]) => ({
    sourceId,
    prisonId: (es[0] as HrEvent).prisonId,
  }));
  // Passwords come from the directory when given, otherwise from the deployment secret.
  const secret =
    o.mqttUrl !== undefined && o.mqttPasswordDir !== undefined ? "" : deploymentSecret(config, o.secretFile);
  const brokers = await officeBrokers(
    config,
    kind === "census" ? "census_office" : "health_unit",
    sources,
    secret,
    o,
  );
  let n = 0;
  for (const [sourceId, es] of bySource) {
    const broker = brokers.get(sourceId);
    if (!broker)
      throw new Error(translator(config.lang, "cli")("import.noBrokerAccount", { source: sourceId }));
    await publishEvents(broker, es);
    n += es.length;
  }
  return n;
}

function censusFields(
  was: { population: number; admissions: number; releases: number } | undefined,
  now: { population: number; admissions: number; releases: number },
): string[] {
  if (!was) return [];
  return (["population", "admissions", "releases"] as const)
    .filter((f) => was[f] !== now[f])
    .map((f) => `${f}: ${was[f]} → ${now[f]}`);
}

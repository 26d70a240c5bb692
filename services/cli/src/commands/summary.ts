import { HIDDEN, UNDEFINED } from "@hrvend/coverage";
import { readSummaryQuarter } from "@hrvend/coverage/read";
import { readStack, urlsOf } from "@hrvend/local-stack";
import { outboxByStatus } from "@hrvend/notifier/read";
import { deadLettersByReason, eventsByKind, streamPositions } from "@hrvend/recorder/read";
import type { RestockPlan } from "@hrvend/reorder";
import { currentPlans, prisonTimeZones } from "@hrvend/reorder/read";
import { loadOrCreateSecrets } from "@hrvend/runtime";
import { createDb, parkedCounts } from "@hrvend/runtime/db";
import { type TFunction, translator } from "@hrvend/runtime/i18n";
import { natsServers } from "@hrvend/runtime/nats";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { Command } from "commander";
import { sql } from "kysely";
import type { CliConfig } from "../config";
import { conventionIso, conventionText } from "../conventions";
import { expectedConsumers, SETTLE_STREAMS } from "../settle/expected";
import { settleProbe } from "../settle/probe";
import { settleProgress } from "../settle/progress";
import { checkStreams, type ExpectedConsumer, laggards, waitUntilSettled } from "../settle/settle";
import { CLUSTER_PARTITIONS } from "./services";

/** What the pipeline holds, in a few lines a person can read. */
export function summaryCommand(config: CliConfig): Command {
  const t = translator(config.lang, "cli");
  return new Command("summary")
    .description(t("summary.description"))
    .option("--json", conventionText("summaryJson", config.lang))
    .option("--database-url <url>", t("opt.databaseUrlLocal"))
    .option("--nats-url <url>", t("summary.natsUrl"))
    .option("--partitions <n>", t("summary.partitions"))
    .option("--settle", t("summary.settle"))
    .option("--timeout <seconds>", t("summary.timeout"), "900")
    .addHelpText(
      "after",
      `\n${t("opt.examples")}\n  npx hrvend summary\n  npx hrvend summary --settle\n  npx hrvend summary --settle --json\n  npx hrvend summary --settle --timeout 60\n  npx hrvend summary --database-url postgres://…/hrvend --nats-url nats://…:4222`,
    )
    .action(async (opts: SummaryOptions) => {
      const state = readStack(config.stateDir);
      const urls = state ? urlsOf(state, loadOrCreateSecrets(config.stateDir)) : undefined;
      const url = opts.databaseUrl ?? urls?.postgresAdmin;
      if (!url) throw new Error(t("errors.noStack"));
      const timeoutS = Number(opts.timeout);
      if (!Number.isFinite(timeoutS) || timeoutS <= 0)
        throw new Error(t("errors.notPositiveSeconds", { flag: "--timeout", value: opts.timeout }));
      const partitions =
        opts.partitions === undefined ? (state?.cluster ? CLUSTER_PARTITIONS : 0) : Number(opts.partitions);
      if (!Number.isInteger(partitions) || partitions < 0)
        throw new Error(t("errors.notWholeNumber", { flag: "--partitions", value: opts.partitions }));
      const expected = expectedConsumers(partitions);
      const natsUrl = opts.natsUrl ?? urls?.nats;
      if (opts.settle && !natsUrl) throw new Error(t("summary.settleNeedsNats"));
      const db = createDb(url, { max: 1 });
      try {
        // Invariant 7: nothing below is printed as current unless every consumer has caught up, or
        // it says it has not (a header before any figure).
        // JSON is machine-readable: its words stay English.
        const tt = opts.json ? translator("en", "cli") : t;
        let freshness: Freshness;
        if (opts.settle) {
          await settle(db, natsUrl as string, timeoutS * 1000, expected, t);
          freshness = { state: "settled", detail: tt("summary.allAtHead", { count: expected.length }) };
        } else freshness = await settledHeader(db, natsUrl, expected, tt);
        const summary = await readSummary(db, freshness);
        console.log(
          opts.json
            ? JSON.stringify(summary, null, 2)
            : summaryText(summary, { header: !opts.settle }, t, config.lang).join("\n"),
        );
      } finally {
        await db.destroy();
      }
    });
}

interface SummaryOptions {
  json?: boolean;
  databaseUrl?: string;
  natsUrl?: string;
  partitions?: string;
  settle?: boolean;
  timeout: string;
}

const STREAMS = [SETTLE_STREAMS.events, SETTLE_STREAMS.dead, SETTLE_STREAMS.alerts].filter(
  (s): s is string => s !== undefined,
);
const REQUIRED_STREAMS = [SETTLE_STREAMS.events, SETTLE_STREAMS.dead];

/**
 * Without --settle: one look at the consumers, as the header of what follows. A required stream
 * the server does not have is an error (nothing printed); a server that cannot be reached, or no
 * NATS URL at all, is said plainly, since the figures below are then of unknown freshness.
 */
async function settledHeader(
  db: ReturnType<typeof createDb>,
  natsUrl: string | undefined,
  expected: readonly ExpectedConsumer[],
  t: TFunction,
): Promise<Freshness> {
  const stale = t("summary.stale");
  if (!natsUrl)
    return {
      state: "not_checked",
      detail: t("summary.noNatsUrl", { stale }),
    };
  const nc = await connect({ servers: natsServers(natsUrl), name: "hrvend-summary", timeout: 5_000 }).catch(
    (e: unknown) => e as Error,
  );
  if (nc instanceof Error)
    return {
      state: "not_checked",
      detail: t("summary.natsUnreachable", { url: natsUrl, reason: nc.message, stale }),
    };
  try {
    const s = await settleProbe(await jetstreamManager(nc), db, STREAMS)();
    checkStreams(s, REQUIRED_STREAMS);
    const behind = laggards(s, expected);
    return behind.length > 0
      ? { state: "not_settled", detail: `${behind.join("; ")}\n  ${stale}` }
      : { state: "settled", detail: t("summary.allAtHead", { count: expected.length }) };
  } finally {
    await nc.close();
  }
}

/**
 * Waits until every expected durable consumer exists and has reached the head of the events,
 * dead-letter and alerts streams (see settle/settle.ts), showing each one's lag on stderr; throws
 * SettleTimeoutError (nothing printed after it) when the deadline passes, SettleStreamMissingError
 * at once when a required stream is not on the server.
 */
async function settle(
  db: ReturnType<typeof createDb>,
  natsUrl: string,
  timeoutMs: number,
  expected: readonly ExpectedConsumer[],
  t: TFunction,
): Promise<void> {
  const nc = await connect({ servers: natsServers(natsUrl), name: "hrvend-summary" });
  const progress = settleProgress(process.stderr, expected);
  try {
    const jsm = await jetstreamManager(nc);
    await waitUntilSettled({
      probe: settleProbe(jsm, db, STREAMS),
      expected,
      requiredStreams: REQUIRED_STREAMS,
      now: () => Date.now(),
      sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
      timeoutMs,
      onProgress: (s, waited) => progress.show(s, waited),
    });
    process.stderr.write(`${t("summary.reachedHead")}\n`);
  } finally {
    progress.done();
    await nc.close();
  }
}

/** Whether the figures are current (invariant 7), as the summary's first line says it. */
interface Freshness {
  state: "settled" | "not_settled" | "not_checked";
  detail: string;
}

interface CoverageRow {
  prisonId: string;
  nspClients: number | null;
  nspReachPct: number | null;
  syringesPerPwidYear: number | null;
  syringeBand: string | null;
  naloxonePer100Prisoners: number | null;
  oatReachPct: number | null;
  oatBand: string | null;
  /** The figures funders see hidden (null above). */
  suppressed: string[];
}

/**
 * What `hrvend summary` prints; `--json` prints it as it is: a prison's times (visits, stockouts,
 * alerts) in its local time with the offset, the others UTC ISO 8601 (`Z`).
 */
export interface Summary {
  freshness: Freshness;
  events: {
    total: number;
    byKind: { kind: string; count: number }[];
    deviceTimeFrom: string | null;
    deviceTimeTo: string | null;
  };
  rejects: { total: number; byReason: { reason: string; count: number; example: string }[] };
  parked: { open: number; byConsumer: { consumer: string; open: number; oldest: string }[] };
  /** The notifier's outbox by status (reporting.notifier_outbox(), migration 0021); absent without one. */
  notifications?: { status: string; messages: number }[];
  alerts: {
    active: number;
    byType: { type: string; count: number }[];
    oldest: {
      machineId: string;
      type: string;
      /** The machine's prison's time zone; null when the pipeline does not know it (raisedAt in UTC). */
      timeZone: string | null;
      raisedAt: string;
      detail: string;
    }[];
  };
  restockVisits: {
    prisonId: string;
    timeZone: string;
    visitAt: string;
    firstMachineId: string | null;
    stockoutItemId: string | null;
    projectedStockoutAt: string | null;
    pickList: { itemId: string; totalUnits: number }[];
  }[];
  /** The quarter with the most observed days (the latest on a tie), as funders see it; `*` = programme. */
  coverage: { quarterStart: string; daysObserved: number; rows: CoverageRow[] } | null;
  consumerPositions: { consumer: string; stream: string; streamSeq: number; updatedAt: string }[];
}

const iso = (t: Date | number) => new Date(t).toISOString();

async function readSummary(db: ReturnType<typeof createDb>, freshness: Freshness): Promise<Summary> {
  const kinds = { rows: await eventsByKind(db) };
  const dead = { rows: await deadLettersByReason(db) };
  // Invariant 6: what a consumer could not apply and parked (ops.parked_message).
  const parked = await parkedCounts(db).catch(() => []);
  const notifications = await outboxByStatus(db).catch(() => undefined);
  const alerts = await sql<{ type: string; n: string }>`
    SELECT type, count(*) AS n FROM reporting.alert WHERE active GROUP BY type ORDER BY 2 DESC`
    .execute(db)
    .catch(() => ({ rows: [] }));
  type OldestAlert = {
    machine_id: string;
    type: string;
    raised_at: Date;
    detail: string;
    time_zone: string | null;
  };
  // The prison's time zone from the reorder service's prisons (absent: the alert's time in UTC).
  const zones = await prisonTimeZones(db).catch(() => new Map<string, string>());
  const oldest = await sql<Omit<OldestAlert, "time_zone"> & { prison_id: string }>`
    SELECT prison_id, machine_id, type, raised_at, detail
    FROM reporting.alert WHERE active ORDER BY raised_at LIMIT 5`
    .execute(db)
    .then((r) => ({
      rows: r.rows.map(
        ({ prison_id, ...a }): OldestAlert => ({ ...a, time_zone: zones.get(prison_id) ?? null }),
      ),
    }))
    .catch(() => ({ rows: [] as OldestAlert[] }));
  const pos = { rows: await streamPositions(db) };
  const firsts = kinds.rows.map((r) => r.first.getTime());
  const lasts = kinds.rows.map((r) => r.last.getTime());
  return {
    freshness,
    events: {
      total: kinds.rows.reduce((n, r) => n + Number(r.n), 0),
      byKind: kinds.rows.map((r) => ({ kind: r.kind, count: Number(r.n) })),
      deviceTimeFrom: firsts.length > 0 ? iso(Math.min(...firsts)) : null,
      deviceTimeTo: lasts.length > 0 ? iso(Math.max(...lasts)) : null,
    },
    rejects: {
      total: dead.rows.reduce((n, r) => n + Number(r.n), 0),
      byReason: dead.rows.map((r) => ({ reason: r.reason, count: Number(r.n), example: r.example })),
    },
    parked: {
      open: parked.reduce((n, p) => n + p.open, 0),
      byConsumer: parked.map((p) => ({ consumer: p.consumer, open: p.open, oldest: iso(p.oldest) })),
    },
    ...(notifications && notifications.length > 0 ? { notifications } : {}),
    alerts: {
      active: alerts.rows.reduce((n, r) => n + Number(r.n), 0),
      byType: alerts.rows.map((r) => ({ type: r.type, count: Number(r.n) })),
      oldest: oldest.rows.map((a) => ({
        machineId: a.machine_id,
        type: a.type,
        timeZone: a.time_zone,
        raisedAt: conventionIso(a.raised_at, a.time_zone, "second"),
        detail: a.detail,
      })),
    },
    restockVisits: await readPlans(db),
    coverage: await readCoverage(db),
    consumerPositions: pos.rows.map((p) => ({
      consumer: p.consumer,
      stream: p.stream,
      streamSeq: Number(p.stream_seq),
      updatedAt: iso(p.updated_at),
    })),
  };
}

/** Each prison's next outreach visit: when, which machine first, what to load. */
async function readPlans(db: ReturnType<typeof createDb>): Promise<Summary["restockVisits"]> {
  const plans = await currentPlans(db).catch(() => [] as { prisonId: string; plan: RestockPlan }[]);
  return plans.map(({ prisonId: prison_id, plan }) => {
    const first = plan.machines[0];
    return {
      prisonId: prison_id,
      timeZone: plan.timeZone,
      visitAt: conventionIso(plan.visitAt, plan.timeZone, "second"),
      firstMachineId: first?.machineId ?? null,
      stockoutItemId: first?.projectedStockoutAt ? (first.stockoutItemId ?? null) : null,
      projectedStockoutAt: first?.projectedStockoutAt
        ? conventionIso(first.projectedStockoutAt, plan.timeZone, "second")
        : null,
      pickList: plan.pickList.map((l) => ({ itemId: l.itemId, totalUnits: l.totalUnits })),
    };
  });
}

/** The quarter with the most observed days (the latest on a tie): coverage per prison, as funders see it (suppressed), with WHO bands. */
async function readCoverage(db: ReturnType<typeof createDb>): Promise<Summary["coverage"]> {
  const rows = await readSummaryQuarter(db).catch(() => []);
  const q = rows[0];
  if (q === undefined) return null;
  return {
    quarterStart: q.period_start,
    daysObserved: q.days_observed,
    rows: rows.map((r) => ({
      prisonId: r.prison_id,
      nspClients: r.nsp_clients,
      nspReachPct: r.nsp_reach_pct,
      syringesPerPwidYear: r.syringes_per_pwid_year,
      syringeBand: r.syringe_band,
      naloxonePer100Prisoners: r.naloxone_per_100_prisoners,
      oatReachPct: r.oat_reach_pct,
      oatBand: r.oat_band,
      suppressed: r.suppressed,
    })),
  };
}

const HEADER: Record<Freshness["state"], string> = {
  settled: "summary.settled",
  not_settled: "summary.notSettled",
  not_checked: "summary.notChecked",
};

/**
 * The summary as lines a person reads, in t's language. One time convention, said in the header:
 * a prison's times (visits, stockouts, alerts) in its local time with the offset
 * (`2026-03-29T03:00+02:00`), every other time in UTC (`2026-03-29T01:00Z`).
 */
export function summaryText(
  s: Summary,
  opts: { header: boolean },
  t: TFunction = translator("en", "cli"),
  lang = "en",
): string[] {
  const out: string[] = [];
  if (opts.header) out.push(`${t(HEADER[s.freshness.state])}: ${s.freshness.detail}`);
  out.push(conventionText("times", lang));
  const utc = (at: string) => conventionIso(at, null);
  out.push(t("summary.events", { count: s.events.total }));
  for (const r of s.events.byKind) out.push(`  ${r.kind.padEnd(18)} ${String(r.count).padStart(9)}`);
  if (s.events.deviceTimeFrom !== null)
    out.push(
      `  ${t("summary.deviceTime", { from: utc(s.events.deviceTimeFrom), to: utc(s.events.deviceTimeTo ?? s.events.deviceTimeFrom) })}`,
    );
  out.push(t("summary.rejected", { count: s.rejects.total }));
  for (const r of s.rejects.byReason)
    out.push(
      `  ${r.reason.padEnd(18)} ${String(r.count).padStart(9)}  ${t("summary.example")} ${r.example.slice(0, 90)}`,
    );
  out.push(
    `${t("summary.parked", { count: s.parked.open })}${s.parked.open > 0 ? ` ${t("summary.parkedHint")}` : ""}`,
  );
  for (const p of s.parked.byConsumer)
    out.push(
      `  ${p.consumer.padEnd(18)} ${String(p.open).padStart(9)}  ${t("summary.oldest")} ${utc(p.oldest)}`,
    );
  if (s.notifications) {
    const n = (status: string) => s.notifications?.find((x) => x.status === status)?.messages ?? 0;
    const counts = {
      sent: n("sent"),
      digested: n("digested"),
      pending: n("pending"),
      held: n("held"),
      failed: n("failed"),
    };
    out.push(
      `${t("summary.notifications", counts)}${counts.failed > 0 ? ` ${t("summary.notificationsFailedHint")}` : ""}`,
    );
  }
  out.push(t("summary.alerts", { count: s.alerts.active }));
  for (const r of s.alerts.byType) out.push(`  ${r.type.padEnd(18)} ${String(r.count).padStart(9)}`);
  for (const a of s.alerts.oldest)
    out.push(
      `    ${t("summary.since")} ${conventionIso(a.raisedAt, a.timeZone)}  ${a.machineId}: ${a.detail.slice(0, 70)}`,
    );
  out.push(t("summary.visits", { count: s.restockVisits.length }));
  for (const v of s.restockVisits) {
    const local = (at: string) => conventionIso(at, v.timeZone);
    const out_ =
      v.projectedStockoutAt !== null
        ? `, ${v.stockoutItemId} ${t("summary.out")} ${local(v.projectedStockoutAt)}`
        : "";
    const pick = v.pickList.map((l) => `${l.itemId} ${l.totalUnits}`).join(", ");
    out.push(
      `  ${v.prisonId.padEnd(12)} ${local(v.visitAt)}  ${t("summary.first")} ${v.firstMachineId ?? "-"}${out_}; ${t("summary.load")} ${pick || t("summary.nothing")}`,
    );
  }
  out.push(...coverageText(s.coverage, t));
  out.push(t("summary.positions"));
  for (const p of s.consumerPositions)
    out.push(
      `  ${p.consumer.padEnd(18)} ${p.stream} @ ${p.streamSeq} (${conventionIso(p.updatedAt, null, "second")})`,
    );
  return out;
}

function coverageText(c: Summary["coverage"], t: TFunction): string[] {
  if (c === null) return [t("summary.noCoverage")];
  const out = [
    t("summary.coverage", { from: c.quarterStart, days: c.daysObserved }),
    `  ${t("summary.colPrison").padEnd(12)} ${t("summary.colNspClients").padStart(11)} ${t("summary.colReach").padStart(8)} ${t("summary.colSyringes").padStart(17)} ${t("summary.colBand").padEnd(7)} ${t("summary.colNaloxone").padStart(12)} ${t("summary.colOat").padStart(11)} ${t("summary.colBand")}`,
  ];
  // One symbol for a hidden value (HIDDEN), another for an undefined one (UNDEFINED).
  for (const r of c.rows) {
    const n = (field: keyof CoverageRow & string, d = 0) => {
      const v = r[field] as number | string | null;
      return r.suppressed.includes(field)
        ? HIDDEN
        : v === null
          ? UNDEFINED
          : typeof v === "number"
            ? v.toFixed(d)
            : v;
    };
    out.push(
      `  ${r.prisonId.padEnd(12)} ${n("nspClients").padStart(11)} ${n("nspReachPct", 1).padStart(8)} ${n("syringesPerPwidYear").padStart(17)} ${n("syringeBand").padEnd(7)} ${n("naloxonePer100Prisoners", 1).padStart(12)} ${n("oatReachPct", 1).padStart(11)} ${n("oatBand")}`,
    );
  }
  return out;
}

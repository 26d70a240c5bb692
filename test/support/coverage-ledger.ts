import type { HrEvent } from "@hrvend/schemas";
import type { Fact } from "./ledger";

/**
 * Coverage figures computed straight from a simulator ledger, independently of the coverage
 * service's code, with docs/domain.md's definitions ("Coverage definitions"): the reference the
 * pipeline's figures must equal.
 */
export interface LedgerFigure {
  scope: string;
  grain: string;
  periodStart: string;
  periodEnd: string;
  daysObserved: number;
  avgPopulation: number | null;
  admissions: number;
  releases: number;
  nspClients: number;
  nspNew: number;
  nspReturning: number;
  nspRegular: number | null;
  syringeKits: number;
  syringes: number;
  naloxoneKits: number;
  oatActiveEnd: number;
  estPwid: number | null;
  estOpioidDependent: number | null;
  nspReachPct: number | null;
  regularPct: number | null;
  syringesPerPwidYear: number | null;
  syringeBand: string | null;
  naloxonePer100Prisoners: number | null;
  naloxonePer100Releases: number | null;
  oatReachPct: number | null;
  oatBand: string | null;
}

const ALL = "*";
const day = (d: string) => new Date(`${d}T12:00:00Z`);
const iso = (d: Date) => d.toISOString().slice(0, 10);
const plus = (d: string, n: number) => iso(new Date(day(d).getTime() + n * 86_400_000));

function localDay(instant: string, timeZone: string): string {
  // sv-SE formats dates as YYYY-MM-DD.
  return new Date(instant).toLocaleDateString("sv-SE", { timeZone });
}

function periodsOf(d: string): { grain: string; start: string; end: string }[] {
  const x = day(d);
  const y = x.getUTCFullYear();
  const m = x.getUTCMonth();
  const dow = (x.getUTCDay() + 6) % 7;
  const q = m - (m % 3);
  const lastOf = (yy: number, mm: number) => iso(new Date(Date.UTC(yy, mm + 1, 0, 12)));
  const first = (yy: number, mm: number) => iso(new Date(Date.UTC(yy, mm, 1, 12)));
  return [
    { grain: "day", start: d, end: d },
    { grain: "week", start: plus(d, -dow), end: plus(d, 6 - dow) },
    { grain: "month", start: first(y, m), end: lastOf(y, m) },
    { grain: "quarter", start: first(y, q), end: lastOf(y, q + 2) },
    { grain: "year", start: `${y}-01-01`, end: `${y}-12-31` },
  ];
}
const span = (a: string, b: string) => Math.round((day(b).getTime() - day(a).getTime()) / 86_400_000);

/**
 * Regular access, from docs/domain.md's words: "clients who got syringes in every month (30-day
 * window) of the reporting period; defined only for periods of at least two windows, and over
 * the windows the programme actually observed in a partly covered period". Read here as: the
 * period is cut into 30-day months from its first day, the days left over (fewer than 30) belong
 * to the last month; the programme observed a month when it was running on every day of it, i.e.
 * the month lies between the first and the last day of the period with a census report. The
 * figure exists when at least two months were observed; a client is regular when one of their
 * syringe-kit dispense days falls in each observed month.
 */
function observedWindows(
  p: { start: string; end: string },
  censusDays: readonly string[],
): { first: string; last: string }[] {
  if (censusDays.length === 0) return [];
  const ran = {
    from: censusDays.reduce((a, d) => (d < a ? d : a)),
    to: censusDays.reduce((a, d) => (d > a ? d : a)),
  };
  const months: { first: string; last: string }[] = [];
  for (let first = p.start; span(first, p.end) + 1 >= 30; first = plus(first, 30)) {
    const lastFull = plus(first, 29);
    months.push({ first, last: span(lastFull, p.end) < 30 ? p.end : lastFull });
    if (span(lastFull, p.end) < 30) break;
  }
  return months.filter((m) => m.first >= ran.from && m.last <= ran.to);
}

export function coverageFromLedger(facts: readonly Fact[]): LedgerFigure[] {
  const events = facts
    .filter((f): f is Fact & { fact: "event"; event: HrEvent } => f.fact === "event")
    .map((f) => (f as unknown as { event: HrEvent }).event);
  const prisons = new Map<string, { tz: string; inj: number; opi: number }>();
  const items = new Map<string, { category: string; spu: number }>();
  for (const e of events) {
    if (e.kind === "ref_prison")
      prisons.set(e.prisonId, {
        tz: e.timeZone,
        inj: e.injectingPrevalence,
        opi: e.opioidDependencePrevalence,
      });
    if (e.kind === "ref_item") items.set(e.itemId, { category: e.category, spu: e.syringesPerUnit });
  }
  type Disp = {
    prison: string;
    date: string;
    token: string;
    category: string;
    qty: number;
    syringes: number;
  };
  const disp: Disp[] = [];
  const census: { prison: string; date: string; population: number; admissions: number; releases: number }[] =
    [];
  const oat: { prison: string; client: string; action: string; at: number; seq: number; date: string }[] = [];
  for (const e of events) {
    if (e.kind === "dispense") {
      const p = prisons.get(e.prisonId);
      const it = items.get(e.itemId);
      if (!p || !it) throw new Error(`ledger dispense without reference data: ${e.prisonId}/${e.itemId}`);
      disp.push({
        prison: e.prisonId,
        date: localDay(e.deviceTime, p.tz),
        token: e.cardToken,
        category: it.category,
        qty: e.quantity,
        syringes: e.quantity * it.spu,
      });
    } else if (e.kind === "census") {
      census.push({
        prison: e.prisonId,
        date: e.date,
        population: e.population,
        admissions: e.admissions,
        releases: e.releases,
      });
    } else if (e.kind === "oat" && e.action !== "dose") {
      const p = prisons.get(e.prisonId);
      if (!p) throw new Error(`ledger OAT event without its prison: ${e.prisonId}`);
      oat.push({
        prison: e.prisonId,
        client: e.clientToken,
        action: e.action,
        at: Date.parse(e.time),
        seq: e.seq,
        date: localDay(e.time, p.tz),
      });
    }
  }

  // Periods that hold any dispense, census day or OAT change, per scope.
  const periods = new Map<string, { scope: string; grain: string; start: string; end: string }>();
  const touch = (prison: string, date: string) => {
    for (const scope of [prison, ALL])
      for (const p of periodsOf(date)) periods.set(`${scope}|${p.grain}|${p.start}`, { scope, ...p });
  };
  for (const d of disp) touch(d.prison, d.date);
  for (const c of census) touch(c.prison, c.date);
  for (const o of oat) touch(o.prison, o.date);

  const inScope = (scope: string, prison: string) => scope === ALL || scope === prison;
  const firstDate = new Map<string, string>();
  for (const d of disp) {
    if (d.category !== "syringe_kit") continue;
    for (const scope of [d.prison, ALL]) {
      const k = `${scope}|${d.token}`;
      const cur = firstDate.get(k);
      if (!cur || d.date < cur) firstDate.set(k, d.date);
    }
  }

  const counts = [...periods.values()].map((p) => {
    const inP = (date: string) => date >= p.start && date <= p.end;
    const ds = disp.filter((d) => inScope(p.scope, d.prison) && inP(d.date));
    const kits = ds.filter((d) => d.category === "syringe_kit");
    const cs = census.filter((c) => inScope(p.scope, c.prison) && inP(c.date));
    const clientDays = new Map<string, string[]>();
    for (const d of kits) clientDays.set(d.token, [...(clientDays.get(d.token) ?? []), d.date]);
    const observed = observedWindows(
      p,
      cs.map((c) => c.date),
    );
    const byPrison = new Map<string, number[]>();
    for (const c of cs) byPrison.set(c.prison, [...(byPrison.get(c.prison) ?? []), c.population]);
    const avgPopulation =
      byPrison.size === 0
        ? null
        : [...byPrison.values()].reduce((a, pops) => a + pops.reduce((x, y) => x + y, 0) / pops.length, 0);
    const last = new Map<string, { action: string; at: number; seq: number; client: string }>();
    for (const o of oat) {
      if (!inScope(p.scope, o.prison) || o.date > p.end) continue;
      const k = `${o.prison}|${o.client}`;
      const cur = last.get(k);
      if (!cur || o.at > cur.at || (o.at === cur.at && o.seq > cur.seq)) last.set(k, o);
    }
    const active = new Set([...last.values()].filter((o) => o.action === "enrol").map((o) => o.client));
    const clients = clientDays.size;
    const nspNew = [...clientDays.keys()].filter((t) => inP(firstDate.get(`${p.scope}|${t}`) ?? "")).length;
    return {
      scope: p.scope,
      grain: p.grain,
      periodStart: p.start,
      periodEnd: p.end,
      daysObserved: new Set(cs.map((c) => c.date)).size,
      avgPopulation,
      admissions: cs.reduce((a, c) => a + c.admissions, 0),
      releases: cs.reduce((a, c) => a + c.releases, 0),
      nspClients: clients,
      nspNew,
      nspReturning: clients - nspNew,
      nspRegular:
        observed.length < 2
          ? null
          : [...clientDays.values()].filter((days) =>
              observed.every((w) => days.some((d) => d >= w.first && d <= w.last)),
            ).length,
      syringeKits: kits.reduce((a, d) => a + d.qty, 0),
      syringes: ds.reduce((a, d) => a + d.syringes, 0),
      naloxoneKits: ds.filter((d) => d.category.startsWith("naloxone")).reduce((a, d) => a + d.qty, 0),
      oatActiveEnd: active.size,
    };
  });

  const pwidOf = new Map<string, { pwid: number | null; opioid: number | null }>();
  for (const c of counts) {
    if (c.scope === ALL) continue;
    const est = prisons.get(c.scope);
    pwidOf.set(`${c.scope}|${c.grain}|${c.periodStart}`, {
      pwid: c.avgPopulation === null || !est ? null : c.avgPopulation * est.inj,
      opioid: c.avgPopulation === null || !est ? null : c.avgPopulation * est.opi,
    });
  }
  return counts.map((c) => {
    let pwid: number | null;
    let opioid: number | null;
    if (c.scope === ALL) {
      const parts = counts
        .filter((o) => o.scope !== ALL && o.grain === c.grain && o.periodStart === c.periodStart)
        .map((o) => pwidOf.get(`${o.scope}|${o.grain}|${o.periodStart}`));
      const total = (k: "pwid" | "opioid") =>
        parts.length === 0 || parts.some((x) => x?.[k] == null)
          ? null
          : parts.reduce((a, x) => a + (x?.[k] ?? 0), 0);
      pwid = total("pwid");
      opioid = total("opioid");
    } else {
      const x = pwidOf.get(`${c.scope}|${c.grain}|${c.periodStart}`);
      pwid = x?.pwid ?? null;
      opioid = x?.opioid ?? null;
    }
    const pct = (n: number, d: number | null) => (d === null || d <= 0 ? null : (100 * n) / d);
    const perYear =
      pwid !== null && pwid > 0 && c.daysObserved > 0 ? (c.syringes / pwid) * (365 / c.daysObserved) : null;
    const oatReach = pct(c.oatActiveEnd, opioid);
    return {
      ...c,
      estPwid: pwid,
      estOpioidDependent: opioid,
      nspReachPct: pct(c.nspClients, pwid),
      regularPct: c.nspRegular === null ? null : pct(c.nspRegular, c.nspClients),
      syringesPerPwidYear: perYear,
      // WHO/UNODC/UNAIDS: low < 100, medium 100–200, high > 200; OAT: low < 20, moderate 20–39, high ≥ 40.
      syringeBand: perYear === null ? null : perYear < 100 ? "low" : perYear <= 200 ? "medium" : "high",
      naloxonePer100Prisoners: pct(c.naloxoneKits, c.avgPopulation),
      naloxonePer100Releases: pct(c.naloxoneKits, c.releases),
      oatReachPct: oatReach,
      oatBand: oatReach === null ? null : oatReach < 20 ? "low" : oatReach < 40 ? "moderate" : "high",
    };
  });
}

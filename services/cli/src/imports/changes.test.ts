import { EVENT_SCHEMAS } from "@hrvend/schemas";
import { describe, expect, it } from "vitest";
import { firstSeq } from "../publish/seq";
import type { CensusRow } from "./census";
import { censusEvents, oatEvents, planCensus, planOat } from "./changes";
import type { OatRow } from "./oat";

const row = (line: number, date: string, population: number): CensusRow => ({
  line,
  prisonId: "md-p13",
  date,
  population,
  admissions: 1,
  releases: 2,
});
const NOW = new Date(Date.UTC(2026, 2, 10, 12));

describe("what an import publishes", () => {
  it("publishes new and corrected census rows, nothing for rows the pipeline already has", () => {
    const recorded = {
      latest: new Map([
        ["md-p13|2026-03-01", { population: 800, admissions: 1, releases: 2 }],
        ["md-p13|2026-03-02", { population: 801, admissions: 1, releases: 2 }],
      ]),
      highestSeq: new Map<string, number>(),
    };
    const plan = planCensus(
      [row(2, "2026-03-01", 800), row(3, "2026-03-02", 805), row(4, "2026-03-03", 799)],
      recorded,
    );
    expect(plan.map((p) => p.change)).toEqual(["unchanged", "changed", "new"]);
    const { events, problems } = censusEvents(plan, recorded, NOW);
    expect(problems).toEqual([]);
    expect(events.map((e) => [e.line, e.event.date, e.event.population])).toEqual([
      [3, "2026-03-02", 805],
      [4, "2026-03-03", 799],
    ]);
    const base = NOW.getTime() * 1000;
    expect(events.map((e) => [e.event.sourceId, e.event.seq])).toEqual([
      ["md-p13-census", base],
      ["md-p13-census", base + 1],
    ]);
    for (const e of events) expect(EVENT_SCHEMAS.census.safeParse(e.event).success).toBe(true);
  });

  it("the same file twice publishes nothing the second time", () => {
    const rows = [row(2, "2026-03-01", 800), row(3, "2026-03-02", 801)];
    const first = censusEvents(
      planCensus(rows, { latest: new Map(), highestSeq: new Map() }),
      { highestSeq: new Map(), latest: new Map() },
      NOW,
    );
    const latest = new Map(first.events.map((e) => [`${e.event.prisonId}|${e.event.date}`, e.event]));
    const again = censusEvents(
      planCensus(rows, { latest, highestSeq: new Map() }),
      { latest, highestSeq: new Map() },
      NOW,
    );
    expect(first.events.length).toBe(2);
    expect(again.events).toEqual([]);
  });

  it("numbers above what the pipeline recorded, even with a clock that went back", () => {
    expect(firstSeq(1_000, undefined)).toBe(1_000_000);
    expect(firstSeq(1_000, 5_000_000)).toBe(5_000_001);
    const recorded = {
      latest: new Map(),
      highestSeq: new Map([["md-p13-census", NOW.getTime() * 1000 + 50]]),
    };
    const { events } = censusEvents(planCensus([row(2, "2026-03-01", 1)], recorded), recorded, NOW);
    expect(events[0]?.event.seq).toBe(NOW.getTime() * 1000 + 51);
  });

  it("an OAT row is unchanged only with the same medicine, dose, reason and instant", () => {
    const r: OatRow = {
      line: 2,
      prisonId: "md-p13",
      date: "2026-03-02",
      clientToken: "AAAAAAAAAAAAAAAAAAAAAA",
      action: "dose",
      medicine: "methadone",
      doseMg: 60,
      time: "2026-03-02T12:00:00+02:00",
    };
    const key = "AAAAAAAAAAAAAAAAAAAAAA|md-p13|2026-03-02|dose";
    const with_ = (c: Partial<OatRow>) => ({
      latest: new Map([
        [key, { medicine: r.medicine, doseMg: r.doseMg, dischargeReason: undefined, time: r.time, ...c }],
      ]),
      highestSeq: new Map<string, number>(),
    });
    expect(planOat([r], with_({ time: "2026-03-02T10:00:00Z" }))[0]?.change).toBe("unchanged");
    expect(planOat([r], with_({ doseMg: 65 }))[0]?.change).toBe("changed");
    expect(planOat([r], with_({ time: "2026-03-02T12:00:01+02:00" }))[0]?.change).toBe("changed");
    const { events } = oatEvents(planOat([r], with_({ doseMg: 65 })), with_({}), NOW);
    expect(events.map((e) => [e.event.sourceId, e.event.clientToken, e.event.doseMg])).toEqual([
      ["md-p13-health", r.clientToken, 60],
    ]);
  });
});

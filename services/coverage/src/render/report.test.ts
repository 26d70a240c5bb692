import { describe, expect, it } from "vitest";
import type { FunderData, FunderFigure } from "../read";
import { renderCsv } from "./report";

const figure = (over: Partial<FunderFigure>): FunderFigure =>
  ({
    prisonId: "p1",
    scope: "p1",
    prisonName: "Prison 1",
    timeZone: "Europe/Chisinau",
    grain: "quarter",
    periodStart: "2026-01-01",
    periodEnd: "2026-03-31",
    daysObserved: 90,
    avgPopulation: 400,
    admissions: 10,
    releases: 12,
    nspClients: 3,
    nspRegular: null,
    nspReachPct: 7.5,
    regularPct: null,
    syringes: 120,
    syringesPerPwidYear: 150,
    syringeBand: "medium",
    naloxoneKits: 0,
    oatActiveEnd: 8,
    suppressed: [],
    threshold: 5,
    ...over,
  }) as FunderFigure;

describe("renderCsv", () => {
  it("writes RFC 4180: CRLF line ends, hidden cells as [c], undefined ones empty, a comma quoted", () => {
    const data: FunderData = {
      figures: [figure({ suppressed: ["nspClients", "nspReachPct"], estimateSource: 'survey, 2025 "B"' })],
      estimates: [],
      thresholds: [],
    };
    const csv = renderCsv(data);
    expect(csv.endsWith("\r\n")).toBe(true);
    const [head, line, rest] = csv.split("\r\n");
    expect(rest).toBe("");
    const columns = (head ?? "").split(",");
    expect(columns[0]).toBe("prison_id");
    expect(columns).toContain("naloxone_per_100_releases");
    const cell = (name: string) => (line ?? "").split(",")[columns.indexOf(name)];
    expect(cell("nsp_clients")).toBe("[c]");
    expect(cell("nsp_reach_pct")).toBe("[c]");
    expect(cell("syringes")).toBe("120");
    expect(cell("regular_pct")).toBe("");
    expect(line).toContain('"survey, 2025 ""B"""');
  });
});

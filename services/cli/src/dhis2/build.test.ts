import { describe, expect, it } from "vitest";
import { buildValues, Dhis2ExportError, type SourceRow, toAdx, toDataValueSet } from "./build";
import { parseMapping } from "./mapping";
import { parseDhis2Period } from "./periods";

const mapping = parseMapping({
  dataSet: { id: "hrvDataSet1", code: "HRVEND_Q" },
  orgUnits: { a: { id: "OrgUnitAaaa", code: "OU_A" }, b: { id: "OrgUnitBbbb", code: "OU_B" } },
  figures: {
    nsp_clients: { dataElement: { id: "DeNspClien1", code: "NSP_CLIENTS" } },
    nsp_reach_pct: {
      dataElement: { id: "DeNspReach1", code: "NSP_REACH" },
      categoryOptionCombo: { id: "CocPrison01" },
      adxDisaggregation: { SETTING: "PRISON" },
    },
    regular_access_pct: { dataElement: { id: "DeRegular01", code: "NSP_REGULAR_PCT" } },
  },
});
const q1 = parseDhis2Period("2026Q1");

// Given a prison with visible figures and one whose clients are hidden by disclosure control
const rows: SourceRow[] = [
  { prisonId: "a", nspClients: 37, nspReachPct: 41.23456, regularPct: null, suppressed: [] },
  {
    prisonId: "b",
    nspClients: null,
    nspReachPct: null,
    regularPct: null,
    suppressed: ["nspClients", "nspReachPct", "regularPct"],
  },
  { prisonId: "*", nspClients: 40, nspReachPct: 30, regularPct: 10, suppressed: [] },
];

describe("DHIS2 values from the publication", () => {
  it("sends visible values, leaves hidden and undefined cells out, and skips an unmapped programme total", () => {
    const v = buildValues(rows, mapping, q1);
    expect(v.values.map((x) => [x.prisonId, x.figure, x.value])).toEqual([
      ["a", "nsp_clients", "37"],
      ["a", "nsp_reach_pct", "41.23"],
    ]);
    expect(v.notSent).toEqual([
      { prisonId: "a", figure: "regular_access_pct", reason: "undefined" },
      { prisonId: "b", figure: "nsp_clients", reason: "hidden" },
      { prisonId: "b", figure: "nsp_reach_pct", reason: "hidden" },
      { prisonId: "b", figure: "regular_access_pct", reason: "hidden" },
    ]);
  });

  it("a hidden cell stays out even if a value were present beside its name in suppressed", () => {
    const leaky: SourceRow[] = [
      { prisonId: "a", nspClients: 3, nspReachPct: 2, regularPct: 1, suppressed: ["nspClients"] },
    ];
    const v = buildValues(leaky, mapping, q1);
    expect(v.values.some((x) => x.figure === "nsp_clients")).toBe(false);
    expect(JSON.stringify(toDataValueSet(v, mapping))).not.toContain("DeNspClien1");
  });

  it("a prison with figures but no organisation unit is an error naming it", () => {
    expect(() => buildValues([{ prisonId: "zz", suppressed: [] }], mapping, q1)).toThrow(
      /prison zz has figures for 2026Q1 but no organisation unit in the mapping/,
    );
  });

  it("dataValueSets JSON carries UIDs, the combo and the DHIS2 period", () => {
    const json = toDataValueSet(buildValues(rows, mapping, q1), mapping);
    expect(json).toEqual({
      dataSet: "hrvDataSet1",
      period: "2026Q1",
      dataValues: [
        {
          dataElement: "DeNspClien1",
          categoryOptionCombo: "HllvX50cXC0",
          orgUnit: "OrgUnitAaaa",
          period: "2026Q1",
          value: "37",
        },
        {
          dataElement: "DeNspReach1",
          categoryOptionCombo: "CocPrison01",
          orgUnit: "OrgUnitAaaa",
          period: "2026Q1",
          value: "41.23",
        },
      ],
    });
  });

  it("ADX carries codes, the SDMX period, the disaggregation as attributes, no group for an all-hidden prison", () => {
    const xml = toAdx(buildValues(rows, mapping, q1), mapping, new Date("2026-04-02T08:00:00Z"));
    expect(xml).toContain('<adx xmlns="urn:ihe:qrph:adx:2015" exported="2026-04-02T08:00:00.000Z">');
    expect(xml).toContain('<group orgUnit="OU_A" period="2026-01-01/P3M" dataSet="HRVEND_Q">');
    expect(xml).toContain('<dataValue dataElement="NSP_CLIENTS" value="37"/>');
    expect(xml).toContain('<dataValue dataElement="NSP_REACH" SETTING="PRISON" value="41.23"/>');
    expect(xml).not.toContain("OU_B");
  });

  it("ADX with nothing to send is an error (the schema wants a group)", () => {
    const hidden = rows.filter((r) => r.prisonId === "b");
    expect(() => toAdx(buildValues(hidden, mapping, q1), mapping, new Date())).toThrow(Dhis2ExportError);
  });
});

import { describe, expect, it } from "vitest";
import { DEFAULT_COC, Dhis2MappingError, parseMapping } from "./mapping";

const valid = {
  dataSet: { id: "hrvDataSet1", code: "HRVEND_Q" },
  orgUnits: { "md-p13": { id: "OrgUnitP13a", code: "MD_P13" }, "*": { id: "OrgUnitMDAa", code: "MD_PEN" } },
  figures: { nsp_clients: { dataElement: { id: "DeNspClien1", code: "HRV_NSP_CLIENTS" } } },
};

describe("DHIS2 mapping", () => {
  it("accepts a minimal mapping and fills the default category option combo", () => {
    const m = parseMapping(valid);
    expect(m.figures.nsp_clients?.categoryOptionCombo.id).toBe(DEFAULT_COC);
    expect(m.figures.nsp_clients?.adxDisaggregation).toEqual({});
    expect(m.unprotected).toBeUndefined();
  });

  it("names the path of every problem", () => {
    const bad = {
      ...valid,
      orgUnits: { "MD P13": { id: "short", code: "has space" } },
      figures: { nsp_clientz: { dataElement: { id: "DeNspClien1", code: "X" } } },
      extra: 1,
    };
    let message = "";
    try {
      parseMapping(bad, "m.yaml");
    } catch (e) {
      expect(e).toBeInstanceOf(Dhis2MappingError);
      message = (e as Error).message;
    }
    expect(message).toMatch(/^m\.yaml is not a valid DHIS2 mapping/);
    expect(message).toMatch(/orgUnits\.MD P13: a prison id or \*/);
    expect(message).toMatch(/orgUnits\.MD P13\.id: a DHIS2 UID/);
    expect(message).toMatch(/orgUnits\.MD P13\.code: a DHIS2 code/);
    expect(message).toMatch(/figures: Unrecognized key: "nsp_clientz"/);
    expect(message).toMatch(/\(top level\): .*extra/i);
  });

  it("refuses two figures on one data element and combo, two prisons on one organisation unit", () => {
    const de = { dataElement: { id: "DeNspClien1", code: "A" } };
    expect(() => parseMapping({ ...valid, figures: { nsp_clients: de, syringes: de } })).toThrow(
      /share data element and category option combo DeNspClien1\|HllvX50cXC0/,
    );
    const ou = { id: "OrgUnitP13a", code: "A" };
    expect(() => parseMapping({ ...valid, orgUnits: { "md-p13": ou, "md-p18": ou } })).toThrow(
      /share organisation unit OrgUnitP13a/,
    );
  });

  it("an ADX disaggregation cannot overwrite the attributes hrvend writes", () => {
    const figures = { nsp_clients: { ...valid.figures.nsp_clients, adxDisaggregation: { value: "999" } } };
    expect(() => parseMapping({ ...valid, figures })).toThrow(
      /figures\.nsp_clients\.adxDisaggregation\.value/,
    );
  });

  it("an unprotected role needs a reason", () => {
    expect(() => parseMapping({ ...valid, unprotected: { role: "hrvend_national" } })).toThrow(
      /unprotected\.reason/,
    );
  });
});

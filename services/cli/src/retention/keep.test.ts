import { describe, expect, it } from "vitest";
import { BadKeepError, parseKeep, parseTableName } from "./keep";

describe("retention settings as people write them", () => {
  it("reads days and weeks", () => {
    expect(parseKeep("400d")).toBe(400);
    expect(parseKeep("90 days")).toBe(90);
    expect(parseKeep("12w")).toBe(84);
    expect(parseKeep(" 1 week ")).toBe(7);
  });
  it("refuses nothing, zero, fractions, months and years (their length varies), and absurd lengths", () => {
    for (const bad of ["", "0d", "1.5d", "3 months", "1y", "-2d", "400", "36501d"])
      expect(() => parseKeep(bad), bad).toThrow(BadKeepError);
  });
  it("takes only schema.table names", () => {
    expect(parseTableName("ingest.raw_event")).toBe("ingest.raw_event");
    for (const bad of ["raw_event", "ingest.raw_event; DROP TABLE x", "Ingest.Raw", "a.b.c"])
      expect(() => parseTableName(bad), bad).toThrow(BadKeepError);
  });
});

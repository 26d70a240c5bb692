import { create } from "xmlbuilder2";
import { DHIS2_FIGURES, type FigureKey, formatValue } from "./figures";
import type { Dhis2Mapping } from "./mapping";
import type { Dhis2Period } from "./periods";

/** One published row: a prison (or `*`, the programme) in the period, hidden columns named in `suppressed`. */
export interface SourceRow {
  prisonId: string;
  suppressed: readonly string[];
  [column: string]: unknown;
}

export interface ValueToSend {
  prisonId: string;
  figure: FigureKey;
  orgUnit: { id: string; code: string };
  dataElement: { id: string; code: string };
  categoryOptionCombo: string;
  adxDisaggregation: Record<string, string>;
  value: string;
}

/** A cell not sent: hidden by disclosure control, or undefined (a rate without its denominator). */
export interface CellNotSent {
  prisonId: string;
  figure: FigureKey;
  reason: "hidden" | "undefined";
}

export interface Dhis2Values {
  period: Dhis2Period;
  values: ValueToSend[];
  notSent: CellNotSent[];
}

export class Dhis2ExportError extends Error {
  override name = "Dhis2ExportError";
}

/**
 * The data values for a period. A hidden cell is left out: DHIS2 has no "confidential" flag, a
 * value is a number or absent, and a placeholder (0, a comment without a value) would be read or
 * summed as data. Absent, DHIS2 shows it as no data, like an unreported facility.
 */
export function buildValues(
  rows: readonly SourceRow[],
  mapping: Dhis2Mapping,
  period: Dhis2Period,
): Dhis2Values {
  const unmapped = [...new Set(rows.map((r) => r.prisonId))].filter((p) => p !== "*" && !mapping.orgUnits[p]);
  if (unmapped.length)
    throw new Dhis2ExportError(
      `prison${unmapped.length > 1 ? "s" : ""} ${unmapped.join(", ")} ha${unmapped.length > 1 ? "ve" : "s"} figures for ${period.id} but no organisation unit in the mapping (orgUnits.<prison id>)`,
    );
  const values: ValueToSend[] = [];
  const notSent: CellNotSent[] = [];
  for (const row of rows) {
    const orgUnit = mapping.orgUnits[row.prisonId];
    if (!orgUnit) continue; // the programme total, when the mapping gives it no organisation unit
    for (const [figure, target] of Object.entries(mapping.figures) as [
      FigureKey,
      NonNullable<Dhis2Mapping["figures"][FigureKey]>,
    ][]) {
      const column = DHIS2_FIGURES[figure].column;
      const raw = row[column];
      if (row.suppressed.includes(column)) {
        notSent.push({ prisonId: row.prisonId, figure, reason: "hidden" });
        continue;
      }
      if (raw === null || raw === undefined) {
        notSent.push({ prisonId: row.prisonId, figure, reason: "undefined" });
        continue;
      }
      const n = Number(raw);
      if (!Number.isFinite(n))
        throw new Dhis2ExportError(
          `${row.prisonId} ${period.id} ${figure}: '${String(raw)}' is not a number`,
        );
      values.push({
        prisonId: row.prisonId,
        figure,
        orgUnit,
        dataElement: target.dataElement,
        categoryOptionCombo: target.categoryOptionCombo.id,
        adxDisaggregation: target.adxDisaggregation,
        value: formatValue(figure, n),
      });
    }
  }
  return { period, values, notSent };
}

/** DHIS2's dataValueSets JSON (Web API, "Sending data values"), UIDs throughout. */
export function toDataValueSet(v: Dhis2Values, mapping: Dhis2Mapping) {
  return {
    dataSet: mapping.dataSet.id,
    period: v.period.id,
    dataValues: v.values.map((x) => ({
      dataElement: x.dataElement.id,
      categoryOptionCombo: x.categoryOptionCombo,
      orgUnit: x.orgUnit.id,
      period: v.period.id,
      value: x.value,
    })),
  };
}

/**
 * ADX (IHE QRPH, namespace urn:ihe:qrph:adx:2015): one group per organisation unit, codes
 * throughout, the period as an SDMX time range. An organisation unit whose every value is hidden
 * gets no group (the schema wants at least one value per group).
 */
export function toAdx(v: Dhis2Values, mapping: Dhis2Mapping, exported: Date): string {
  if (v.values.length === 0)
    throw new Dhis2ExportError(
      `nothing to send for ${v.period.id}: every mapped value is hidden or undefined`,
    );
  const doc = create({ version: "1.0", encoding: "UTF-8" }).ele("urn:ihe:qrph:adx:2015", "adx", {
    exported: exported.toISOString(),
  });
  const byOrgUnit = new Map<string, ValueToSend[]>();
  for (const x of v.values) byOrgUnit.set(x.orgUnit.code, [...(byOrgUnit.get(x.orgUnit.code) ?? []), x]);
  for (const [orgUnit, xs] of byOrgUnit) {
    const g = doc.ele("group", { orgUnit, period: v.period.adx, dataSet: mapping.dataSet.code });
    for (const x of xs)
      g.ele("dataValue", { dataElement: x.dataElement.code, ...x.adxDisaggregation, value: x.value });
  }
  return doc.end({ prettyPrint: true });
}

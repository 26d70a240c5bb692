import { readFileSync } from "node:fs";
import { ID_PATTERN } from "@hrvend/schemas";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { DHIS2_FIGURES, type FigureKey } from "./figures";

/**
 * The mapping from hrvend to a DHIS2 instance's metadata (example:
 * infra/deploy/dhis2/mapping.example.yaml): each figure to a data element and category option
 * combo, each prison (and `*`, the programme total) to an organisation unit. JSON dataValueSets
 * use the UIDs; ADX uses the codes (DHIS2 reads ADX with code id schemes), and a figure's
 * `adxDisaggregation` names its category options the ADX way (category code = option code).
 */
const Uid = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9]{10}$/, "a DHIS2 UID: 11 letters or digits, a letter first");
const Code = z
  .string()
  .min(1)
  .max(50)
  .regex(/^[A-Za-z0-9_.-]+$/, "a DHIS2 code: letters, digits, _ . - (ADX carries it as an XML token)");
const Ref = z.strictObject({ id: Uid, code: Code });
/** DHIS2's built-in default category option combo ("default"). */
export const DEFAULT_COC = "HllvX50cXC0";

/** A prison id as the contract spells it (ID_PATTERN), or `*` for the programme total. */
const isPrisonKey = (k: string) => k === "*" || ID_PATTERN.test(k);

const FigureTarget = z.strictObject({
  dataElement: Ref,
  categoryOptionCombo: z.strictObject({ id: Uid }).default({ id: DEFAULT_COC }),
  adxDisaggregation: z
    .record(
      Code.refine((k) => !["dataElement", "value", "period", "orgUnit", "dataSet"].includes(k), {
        message: "an ADX attribute name hrvend already uses",
      }),
      Code,
    )
    .default({}),
});

const FigureKeySchema = z.enum(Object.keys(DHIS2_FIGURES) as [FigureKey, ...FigureKey[]]);

export const Dhis2Mapping = z.strictObject({
  dataSet: Ref,
  orgUnits: z.record(z.string(), Ref).superRefine((o, ctx) => {
    if (Object.keys(o).length === 0)
      ctx.addIssue({ code: "custom", message: "map at least one prison to an organisation unit" });
    for (const k of Object.keys(o))
      if (!isPrisonKey(k))
        ctx.addIssue({ code: "custom", path: [k], message: "a prison id or * (programme total)" });
  }),
  figures: z
    .partialRecord(FigureKeySchema, FigureTarget)
    .refine((f) => Object.keys(f).length > 0, "map at least one figure to a data element"),
  /**
   * A database role allowed to send figures finer than the funder publication (months, weeks) or
   * without its disclosure control; absent, only the protected publication leaves hrvend.
   */
  unprotected: z.strictObject({ role: z.string().min(1), reason: z.string().min(10) }).optional(),
});
export type Dhis2Mapping = z.infer<typeof Dhis2Mapping>;

export class Dhis2MappingError extends Error {
  override name = "Dhis2MappingError";
}

/** Validates a parsed mapping; every problem is reported with its path in the file. */
export function parseMapping(data: unknown, source = "mapping"): Dhis2Mapping {
  const r = Dhis2Mapping.safeParse(data);
  if (!r.success)
    throw new Dhis2MappingError(
      `${source} is not a valid DHIS2 mapping:\n${r.error.issues
        .map((i) => `  ${i.path.length ? i.path.map(String).join(".") : "(top level)"}: ${i.message}`)
        .join("\n")}`,
    );
  const dup = duplicates(
    Object.values(r.data.figures).map((t) => `${t.dataElement.id}|${t.categoryOptionCombo.id}`),
  );
  if (dup.length)
    throw new Dhis2MappingError(
      `${source}: two figures share data element and category option combo ${dup.join(", ")}`,
    );
  const ous = duplicates(Object.values(r.data.orgUnits).map((o) => o.id));
  if (ous.length)
    throw new Dhis2MappingError(`${source}: two prisons share organisation unit ${ous.join(", ")}`);
  return r.data;
}

function duplicates(xs: string[]): string[] {
  const seen = new Set<string>();
  return [...new Set(xs.filter((x) => seen.has(x) || !seen.add(x)))];
}

/** Reads a YAML or JSON mapping file (JSON is YAML). */
export function loadMapping(path: string): Dhis2Mapping {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new Dhis2MappingError(`cannot read the mapping ${path}: ${(e as Error).message}`, { cause: e });
  }
  let data: unknown;
  try {
    data = parseYaml(text, { uniqueKeys: true });
  } catch (e) {
    throw new Dhis2MappingError(`${path} is not YAML or JSON: ${(e as Error).message}`, { cause: e });
  }
  return parseMapping(data, path);
}

import { ID_PATTERN } from "@hrvend/schemas";
import { chars, type RowProblem } from "./errors";

/** The registry's prisons an import may name: id → IANA time zone. */
export type KnownPrisons = ReadonlyMap<string, string>;

/** The row's prison, checked against the registry; never quotes the value (it may be a shifted id). */
export function prisonOf(
  line: number,
  value: string,
  known: KnownPrisons,
  problems: RowProblem[],
): string | undefined {
  if (value === "") problems.push({ line, column: "prison", problem: "is empty; a prison id is needed" });
  else if (!ID_PATTERN.test(value))
    problems.push({
      line,
      column: "prison",
      problem: `is not a prison id (letters, digits, '_' or '-'; ${chars(value)})`,
    });
  else if (!known.has(value))
    problems.push({
      line,
      column: "prison",
      problem:
        "is not a prison of the registry (ids are case-sensitive; register it with hrvend registry apply)",
    });
  else return value;
  return undefined;
}

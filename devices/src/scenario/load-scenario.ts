import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { ScenarioError } from "../errors";
import { parseScenario } from "./parse-scenario";
import type { Scenario } from "./scenario-schema";

/** Folder of the scenarios shipped with the simulator (small, pilot, estate). */
export const SCENARIOS_DIR = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "scenarios");

export const BUILTIN_SCENARIOS = ["small", "pilot", "estate"] as const;

export interface LoadedScenario {
  scenario: Scenario;
  /** Where it came from, and the raw file text (its hash identifies the run in the state dir). */
  path: string;
  text: string;
}

/** Loads a shipped scenario by name (`pilot`) or a scenario file by path (`./my.json`). */
export function loadScenario(nameOrPath: string): LoadedScenario {
  const path =
    /^[A-Za-z0-9_-]+$/.test(nameOrPath) && !nameOrPath.endsWith(".json")
      ? join(SCENARIOS_DIR, `${nameOrPath}.json`)
      : nameOrPath;
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (cause) {
    throw new ScenarioError(
      `cannot read scenario '${nameOrPath}' (${path}); shipped scenarios are ${BUILTIN_SCENARIOS.join(", ")}, or give a path to a .json file`,
      [],
      { cause },
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new ScenarioError(`scenario ${path} is not valid JSON: ${(cause as Error).message}`, [], { cause });
  }
  return { scenario: parseScenario(json, `scenario ${path}`), path, text };
}

import type { z } from "zod";
import { ScenarioError } from "../errors";
import { expandScenario } from "./expand-scenario";
import {
  censusSourceId,
  healthSourceId,
  PROGRAMME_PRISON_ID,
  REGISTRY_SOURCE_ID,
  type Scenario,
  ScenarioSpec,
} from "./scenario-schema";

/**
 * Validates a decoded scenario (JSON value), expands a `generate` block and checks the
 * cross-references (items, ids). Throws ScenarioError listing every problem with its path.
 */
export function parseScenario(value: unknown, origin = "scenario"): Scenario {
  const result = ScenarioSpec.safeParse(value);
  if (!result.success) {
    throw new ScenarioError(`${origin} is not a valid scenario`, formatIssues(result.error.issues));
  }
  const scenario = expandScenario(result.data);
  const problems = crossCheck(scenario);
  if (problems.length > 0) throw new ScenarioError(`${origin} is not a valid scenario`, problems);
  return scenario;
}

function formatIssues(issues: z.core.$ZodIssue[]): string[] {
  return issues.map((i) => {
    const path = i.path.map(String).join(".");
    const message =
      i.code === "unrecognized_keys"
        ? `unexpected field(s) ${i.keys.map((k) => `'${k}'`).join(", ")}`
        : i.message;
    return path ? `${path}: ${message}` : message;
  });
}

function crossCheck(s: Scenario): string[] {
  const problems: string[] = [];
  const items = new Map(s.items.map((i) => [i.itemId, i]));
  const known = [...items.keys()].join(", ");
  const needItem = (path: string, itemId: string) => {
    if (!items.has(itemId)) problems.push(`${path}: unknown item '${itemId}'; items are ${known}`);
  };
  for (const d of duplicates(s.items.map((i) => i.itemId))) problems.push(`items: duplicate itemId '${d}'`);
  for (const d of duplicates(s.lots.map((l) => l.lotId))) problems.push(`lots: duplicate lotId '${d}'`);
  s.lots.forEach((l, i) => {
    needItem(`lots.${i}.itemId`, l.itemId);
    if (items.get(l.itemId)?.tracksLots === false) {
      problems.push(`lots.${i}.itemId: item '${l.itemId}' does not track lots`);
    }
  });
  s.quotas.forEach((q, i) => {
    needItem(`quotas.${i}.itemId`, q.itemId);
  });
  s.usage.itemMix.forEach((m, i) => {
    needItem(`usage.itemMix.${i}.itemId`, m.itemId);
  });
  if (s.usage.itemMix.every((m) => m.share === 0))
    problems.push("usage.itemMix: at least one share must be > 0");
  if (s.usage.releaseNaloxone) needItem("usage.releaseNaloxone.itemId", s.usage.releaseNaloxone.itemId);
  if (s.faults.temperature.alarmLowC >= s.faults.temperature.alarmHighC)
    problems.push("faults.temperature: alarmLowC must be below alarmHighC");

  for (const d of duplicates(s.prisons.map((p) => p.prisonId)))
    problems.push(`prisons: duplicate prisonId '${d}'`);
  const sources = new Set<string>([REGISTRY_SOURCE_ID]);
  for (const p of s.prisons) {
    sources.add(censusSourceId(p.prisonId));
    sources.add(healthSourceId(p.prisonId));
  }
  const machineIds = new Set<string>();
  s.prisons.forEach((p, pi) => {
    const at = `prisons.${pi}`;
    if (p.prisonId === PROGRAMME_PRISON_ID)
      problems.push(`${at}.prisonId: '${PROGRAMME_PRISON_ID}' is reserved`);
    if (p.oat.initialClients > p.oat.capacity)
      problems.push(`${at}.oat.initialClients: ${p.oat.initialClients} exceeds capacity ${p.oat.capacity}`);
    p.machines.forEach((m, mi) => {
      const mat = `${at}.machines.${mi}`;
      if (machineIds.has(m.machineId))
        problems.push(`${mat}.machineId: duplicate machineId '${m.machineId}'`);
      if (sources.has(m.machineId))
        problems.push(`${mat}.machineId: '${m.machineId}' collides with an office source id`);
      machineIds.add(m.machineId);
      for (const d of duplicates(m.slots.map((x) => x.slotId)))
        problems.push(`${mat}.slots: duplicate slotId '${d}'`);
      m.slots.forEach((slot, si) => {
        needItem(`${mat}.slots.${si}.itemId`, slot.itemId);
        if (slot.initial !== undefined && slot.initial > slot.capacity)
          problems.push(`${mat}.slots.${si}.initial: ${slot.initial} exceeds capacity ${slot.capacity}`);
      });
    });
  });
  const prisonIds = new Set(s.prisons.map((p) => p.prisonId));
  const machinePrison = new Map(s.prisons.flatMap((p) => p.machines.map((m) => [m.machineId, p.prisonId])));
  const joins = new Map<string, number>();
  for (const pl of s.placements) if (pl.type === "prison_joins") joins.set(pl.prisonId, pl.atHours);
  s.placements.forEach((pl, i) => {
    const at = `placements.${i}`;
    if ("machineId" in pl && !machinePrison.has(pl.machineId))
      problems.push(`${at}.machineId: unknown machine '${pl.machineId}'`);
    if ("prisonId" in pl && !prisonIds.has(pl.prisonId))
      problems.push(`${at}.prisonId: unknown prison '${pl.prisonId}'`);
    if ((pl.type === "machine_outage" || pl.type === "decommission") && machinePrison.has(pl.machineId)) {
      const joined = joins.get(machinePrison.get(pl.machineId) as string) ?? 0;
      if (pl.atHours <= joined)
        problems.push(`${at}.atHours: ${pl.atHours} is not after its prison joins (${joined} h)`);
    }
  });
  for (const d of duplicates(s.placements.flatMap((p) => (p.type === "decommission" ? [p.machineId] : []))))
    problems.push(`placements: machine '${d}' is decommissioned twice`);
  for (const d of duplicates(s.placements.flatMap((p) => (p.type === "prison_joins" ? [p.prisonId] : []))))
    problems.push(`placements: prison '${d}' joins twice`);
  return problems;
}

function duplicates(xs: string[]): string[] {
  const seen = new Set<string>();
  const dup = new Set<string>();
  for (const x of xs) {
    if (seen.has(x)) dup.add(x);
    else seen.add(x);
  }
  return [...dup];
}

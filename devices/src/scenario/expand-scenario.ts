import { Prng } from "../random/prng";
import type { GenerateSpec, PrisonSpec, Scenario, ScenarioSpec } from "./scenario-schema";

/**
 * Expands a `generate` block into concrete prisons and machines. The expansion is seeded by the
 * scenario's name, not by the run's seed: the estate is the same whatever `--seed` says, only
 * what happens in it differs.
 */
export function expandScenario(spec: ScenarioSpec): Scenario {
  const { generate, prisons, ...rest } = spec;
  if (prisons !== undefined) return { ...rest, prisons };
  if (generate === undefined) throw new Error("unreachable: the schema requires prisons or generate");
  return { ...rest, prisons: generatePrisons(generate) };
}

function generatePrisons(g: GenerateSpec): PrisonSpec[] {
  const rng = new Prng(`estate/${g.idPrefix}`);
  const width = String(g.prisons).length;
  const out: PrisonSpec[] = [];
  for (let i = 1; i <= g.prisons; i++) {
    const n = String(i).padStart(width, "0");
    const prisonId = `${g.idPrefix}${n}`;
    const population = Math.round(rng.uniform(g.population.min, g.population.max));
    const flowPerDay = (population * g.turnoverPerYear) / 365;
    const injecting = round3(rng.uniform(g.injectingPrevalence.min, g.injectingPrevalence.max));
    const dependent = round3(rng.uniform(g.opioidDependencePrevalence.min, g.opioidDependencePrevalence.max));
    const initialClients = Math.round(population * dependent * g.oat.coverage);
    // Enrolments replace the expected releases and other discharges, so OAT stays near its start.
    const releaseHazardPerYear = population > 0 ? (flowPerDay * 365) / population : 0;
    const enrolmentsPerWeek = round3((initialClients * (releaseHazardPerYear + 0.305)) / 52);
    out.push({
      prisonId,
      name: `${g.namePrefix} ${n}`,
      timeZone: rng.pick(g.timeZones),
      capacity: Math.max(1, Math.round(population * rng.uniform(0.9, 1.2))),
      population,
      admissionsPerDay: round3(flowPerDay),
      releasesPerDay: round3(flowPerDay),
      injectingPrevalence: injecting,
      opioidDependencePrevalence: dependent,
      cardUptake: g.cardUptake,
      oat: {
        capacity: Math.ceil(initialClients * g.oat.capacityFactor),
        initialClients,
        enrolmentsPerWeek,
        methadoneShare: g.oat.methadoneShare,
        dosingHour: 8,
        dosingWindowHours: 2,
        missedDoseRate: 0.03,
        dischargesPerClientYear: { completed: 0.15, transferred: 0.05, left: 0.1, died: 0.005 },
      },
      outreach: {
        ...g.outreach,
        // Spread the teams' rounds over the interval instead of visiting every prison on one day.
        firstVisitDay: g.outreach.firstVisitDay + rng.int(Math.max(1, Math.floor(g.outreach.intervalDays))),
      },
      machines: Array.from({ length: g.machinesPerPrison }, (_, m) => ({
        machineId: `${prisonId}-m${m + 1}`,
        location: `Block ${String.fromCharCode(65 + (m % 26))}`,
        slots: g.slots.map((s) => ({ ...s })),
      })),
    });
  }
  return out;
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

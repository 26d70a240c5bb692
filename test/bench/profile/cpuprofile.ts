import { readFileSync } from "node:fs";

/** V8's .cpuprofile (what `node --cpu-prof` writes). */
export interface CpuProfile {
  nodes: {
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
    children?: number[];
  }[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** A script's URL as a short module name: the npm package, node's own, or the repository path. */
export function moduleOf(url: string): string {
  if (url === "") return "(native/V8)";
  if (url.startsWith("node:")) return url.startsWith("node:internal") ? "node:internal" : url;
  const nm = url.lastIndexOf("/node_modules/");
  if (nm >= 0) {
    const rest = url.slice(nm + "/node_modules/".length).split("/");
    return rest[0]?.startsWith("@") ? `${rest[0]}/${rest[1]}` : (rest[0] as string);
  }
  const repo = /\/(services|infra|schemas|devices|dashboards|test)\/(.*)$/.exec(url);
  return repo ? `${repo[1]}/${repo[2]}` : url.replace(/^file:\/\//, "");
}

const SPECIAL = new Set(["(idle)", "(program)", "(garbage collector)", "(root)"]);

/**
 * Self time by function and by module, and inclusive time by function, of the samples taken in
 * [fromUs, toUs] (CLOCK_MONOTONIC µs, the clock of the profile's timestamps on Linux); `(idle)`
 * is reported but not counted in the busy total the percentages refer to.
 */
export function summarise(p: CpuProfile, window: { fromUs: number; toUs: number }, top = 20) {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const fnKey = (id: number) => {
    const f = (byId.get(id) as CpuProfile["nodes"][number]).callFrame;
    if (SPECIAL.has(f.functionName)) return f.functionName;
    return `${f.functionName || "(anonymous)"} ${moduleOf(f.url)}:${f.lineNumber + 1}`;
  };
  const self = new Map<string, number>();
  const incl = new Map<string, number>();
  const mods = new Map<string, number>();
  const folded = new Map<string, number>();
  const stackCache = new Map<number, string[]>();
  const stackOf = (id: number): string[] => {
    const hit = stackCache.get(id);
    if (hit) return hit;
    const up = parent.get(id);
    const s = up === undefined ? [] : [...stackOf(up), fnKey(id)];
    stackCache.set(id, s);
    return s;
  };
  let t = p.startTime;
  let idle = 0;
  let busy = 0;
  const mean = (p.endTime - p.startTime) / Math.max(1, p.samples.length);
  for (let i = 0; i < p.samples.length; i++) {
    t += p.timeDeltas[i] ?? 0;
    if (t < window.fromUs || t > window.toUs) continue;
    const w = (p.timeDeltas[i + 1] ?? mean) / 1000; // ms until the next sample
    const id = p.samples[i] as number;
    const k = fnKey(id);
    if (k === "(idle)") {
      idle += w;
      continue;
    }
    busy += w;
    self.set(k, (self.get(k) ?? 0) + w);
    const f = (byId.get(id) as CpuProfile["nodes"][number]).callFrame;
    const m = SPECIAL.has(f.functionName) ? f.functionName : moduleOf(f.url);
    mods.set(m, (mods.get(m) ?? 0) + w);
    const stack = stackOf(id);
    for (const key of new Set(stack)) incl.set(key, (incl.get(key) ?? 0) + w);
    const line = stack.join(";") || k;
    folded.set(line, (folded.get(line) ?? 0) + w);
  }
  const pct = (x: number) => `${((100 * x) / busy).toFixed(1).padStart(5)} %`;
  const ms = (x: number) => `${(x / 1000).toFixed(2).padStart(7)} s`;
  const list = (m: Map<string, number>, n: number) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k, v]) => `  ${ms(v)} ${pct(v)}  ${k}`)
      .join("\n");
  const text = [
    `busy ${(busy / 1000).toFixed(2)} s, idle ${(idle / 1000).toFixed(2)} s in the window`,
    "",
    "self time by module:",
    list(mods, top),
    "",
    "self time by function:",
    list(self, top),
    "",
    "inclusive time by function (JS frames):",
    list(
      new Map([...incl].filter(([k]) => !SPECIAL.has(k) && !k.startsWith("(anonymous) node:internal"))),
      top * 2,
    ),
    "",
  ].join("\n");
  const foldedText = [...folded]
    .map(([k, v]) => `${k.replace(/ /g, "_")} ${Math.round(v * 1000)}`)
    .join("\n");
  return { busyMs: busy, idleMs: idle, self, mods, incl, text, folded: `${foldedText}\n` };
}

// As a command: npx tsx test/bench/profile/cpuprofile.ts <file.cpuprofile> [fromUs toUs]
if (process.argv[1]?.endsWith("cpuprofile.ts") && process.argv[2]) {
  const p = JSON.parse(readFileSync(process.argv[2], "utf8")) as CpuProfile;
  const fromUs = Number(process.argv[3] ?? p.startTime);
  const toUs = Number(process.argv[4] ?? p.endTime);
  console.log(summarise(p, { fromUs, toUs }, 25).text);
}

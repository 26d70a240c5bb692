import { readdirSync, readFileSync } from "node:fs";

const TICKS = 100; // USER_HZ on Linux

function stat(pid: number): { ppid: number; cpu: number } | undefined {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = s.slice(s.lastIndexOf(")") + 2).split(" ");
    return { ppid: Number(f[1]), cpu: (Number(f[11]) + Number(f[12])) / TICKS };
  } catch {
    return undefined;
  }
}

/** CPU seconds (user+system) used so far by a process and its direct children (postgres backends). */
export function cpuSeconds(pid: number): number {
  let total = stat(pid)?.cpu ?? 0;
  for (const p of readdirSync("/proc")) {
    if (!/^\d+$/.test(p)) continue;
    const s = stat(Number(p));
    if (s?.ppid === pid) total += s.cpu;
  }
  return total;
}

import { readFileSync } from "node:fs";

/** One `kB` field of /proc/<pid>/status in MB (undefined once the process is gone). */
function statusMb(pid: number, field: "VmHWM" | "VmRSS"): number | undefined {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Math.round((Number(m[1]) / 1024) * 10) / 10 : undefined;
  } catch {
    return undefined;
  }
}

/** Peak resident set (VmHWM) of a process since it started, in MB. */
export const peakRssMb = (pid: number): number | undefined => statusMb(pid, "VmHWM");

/** Current resident set (VmRSS) of a process, in MB. */
export const rssMb = (pid: number): number | undefined => statusMb(pid, "VmRSS");

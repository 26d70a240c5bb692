import { execFile, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { inheritedPath } from "./config";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `hrvend <args>` as a user would (its own process, no inherited environment but PATH). */
export async function hrvend(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  try {
    const r = await promisify(execFile)(process.execPath, ["services/cli/bin/hrvend.js", ...args], {
      cwd: ROOT,
      env: { PATH: inheritedPath(), ...env },
      maxBuffer: 64 * 1024 * 1024,
    });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

/** Starts `hrvend <args>` and returns its completion, for commands that wait on something the test does next. */
export function hrvendInBackground(args: string[]): Promise<CliResult> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, ["services/cli/bin/hrvend.js", ...args], {
      cwd: ROOT,
      env: { PATH: inheritedPath() },
    });
    let stdout = "";
    let stderr = "";
    p.stdout.on("data", (d) => (stdout += d));
    p.stderr.on("data", (d) => (stderr += d));
    p.on("close", (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

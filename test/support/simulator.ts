import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { HrEvent } from "@hrvend/schemas";
import { inheritedPath } from "./config";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** Runs `hrvend simulate` as its own node process (so a test can SIGKILL exactly it). */
export function runSimulator(
  args: string[],
  env: Record<string, string>,
): { child: ChildProcess; exited: Promise<number | null>; output(): string } {
  let out = "";
  const child = spawn(
    process.execPath,
    ["services/cli/bin/hrvend.js", "simulate", "--no-progress", ...args],
    {
      cwd: ROOT,
      env: { PATH: inheritedPath(), ...env },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  child.stdout?.on("data", (d) => (out += d));
  child.stderr?.on("data", (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, exited, output: () => out };
}

export interface LedgerEvent {
  key: string;
  via?: "will";
  event: HrEvent;
}

/** The events of a ground-truth ledger, in ledger order. */
export function ledgerEvents(path: string): LedgerEvent[] {
  return readFileSync(path, "utf8")
    .split("\n")
    .filter((l) => l.includes('"fact":"event"'))
    .map((l) => JSON.parse(l) as LedgerEvent);
}

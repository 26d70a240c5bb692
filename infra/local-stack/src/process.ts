import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { chownSync, closeSync, existsSync, openSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { InfraError } from "@hrvend/runtime";
import { parentEnv } from "./config";

export interface RunAs {
  uid: number;
  gid: number;
  user: string;
  home: string;
}

/**
 * PostgreSQL refuses to run as root and Mosquitto drops privileges by itself, so when we are
 * root (CI, fresh machines) servers run as their Debian system user; otherwise as ourselves.
 */
export function serviceUser(name: string): RunAs | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const line = readFileSync("/etc/passwd", "utf8")
    .split("\n")
    .find((l) => l.startsWith(`${name}:`));
  if (!line)
    throw new InfraError(`running as root but system user '${name}' does not exist; run provisioning`);
  const [, , uid, gid, , home] = line.split(":");
  return { uid: Number(uid), gid: Number(gid), user: name, home: home ?? "/" };
}

/** Hands a directory tree to the service user (no-op when not root). */
export function chownTree(dir: string, as: RunAs | undefined): void {
  if (!as) return;
  chownSync(dir, as.uid, as.gid);
  for (const entry of readdirSync(dir)) {
    const p = join(dir, entry);
    if (statSync(p).isDirectory()) chownTree(p, as);
    else chownSync(p, as.uid, as.gid);
  }
}

export function run(cmd: string, args: string[], as?: RunAs): string {
  try {
    return execFileSync(cmd, args, {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
      ...(as ? { uid: as.uid, gid: as.gid, env: { ...parentEnv(), HOME: as.home, USER: as.user } } : {}),
    });
  } catch (cause) {
    const err = cause as { stderr?: string; stdout?: string };
    throw new InfraError(
      `${cmd} ${args.join(" ")} failed: ${err.stderr || err.stdout || String(cause)}`,
      { cmd },
      {
        cause,
      },
    );
  }
}

/**
 * Starts a server process writing to a log file. `detached` servers outlive this process
 * (`hrvend infra up`); attached ones die with the test run that started them.
 */
export function startProcess(
  cmd: string,
  args: string[],
  opts: { logFile: string; detached: boolean; as?: RunAs | undefined; cwd?: string },
): ChildProcess {
  const fd = openSync(opts.logFile, "a");
  if (opts.as) chownSync(opts.logFile, opts.as.uid, opts.as.gid);
  const child = spawn(cmd, args, {
    stdio: ["ignore", fd, fd],
    detached: opts.detached,
    cwd: opts.cwd,
    ...(opts.as
      ? {
          uid: opts.as.uid,
          gid: opts.as.gid,
          env: { ...parentEnv(), HOME: opts.as.home, USER: opts.as.user },
        }
      : {}),
  });
  closeSync(fd);
  child.on("error", () => {});
  if (opts.detached) child.unref();
  return child;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Signals a pid and waits for it to exit; escalates to SIGKILL after the grace period. */
export async function stopPid(
  pid: number,
  signal: NodeJS.Signals = "SIGTERM",
  graceMs = 15_000,
): Promise<void> {
  if (!isAlive(pid)) return;
  try {
    process.kill(pid, signal);
  } catch {
    return;
  }
  const deadline = Date.now() + graceMs;
  while (isAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  if (isAlive(pid)) {
    process.kill(pid, "SIGKILL");
    while (isAlive(pid)) await new Promise((r) => setTimeout(r, 20));
  }
}

export function tail(file: string, lines = 20): string {
  if (!existsSync(file)) return "";
  return readFileSync(file, "utf8").split("\n").slice(-lines).join("\n");
}

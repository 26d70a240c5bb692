import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream, mkdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

export interface ServiceProcess {
  name: string;
  pid: number;
  logFile: string;
  logs(): string;
  /** Resolves once a log line matches. */
  waitForLog(re: RegExp, timeoutMs?: number): Promise<void>;
  kill(signal: NodeJS.Signals): Promise<number | null>;
}

/**
 * Runs a service as its own process, exactly as in production (`services/<name>/src/main.ts`
 * through tsx), so tests can SIGKILL it at any instant. Resolves once it logs it is ready.
 */
export async function startService(
  name: string,
  env: Record<string, string>,
  label = name,
): Promise<ServiceProcess> {
  const dir = join(tmpdir(), "hrvend-service-logs");
  mkdirSync(dir, { recursive: true });
  const logFile = join(dir, `${label}-${process.pid}-${Date.now()}.log`);
  const out = createWriteStream(logFile);
  // HRVEND_SERVICE_NODE_ARGS lets a person profile a service under test (e.g. --cpu-prof).
  const nodeArgs = (process.env["HRVEND_SERVICE_NODE_ARGS"] ?? "").split(" ").filter(Boolean);
  const child: ChildProcess = spawn(
    process.execPath,
    [...nodeArgs, "--import", "tsx", `services/${name}/src/main.ts`],
    {
      cwd: ROOT,
      env: { PATH: process.env["PATH"] ?? "", LOG_LEVEL: "info", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  child.stdout?.pipe(out);
  child.stderr?.pipe(out);
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const logs = () => {
    try {
      return readFileSync(logFile, "utf8");
    } catch {
      return "";
    }
  };
  const waitForLog = async (re: RegExp, timeoutMs = 30_000) => {
    const deadline = Date.now() + timeoutMs;
    let gone = false;
    void exited.then(() => {
      gone = true;
    });
    while (!re.test(logs())) {
      if (gone) throw new Error(`${label} exited before logging ${re}:\n${logs().slice(-3000)}`);
      if (Date.now() > deadline)
        throw new Error(`${label} did not log ${re} in time:\n${logs().slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const proc: ServiceProcess = {
    name: label,
    pid: child.pid ?? -1,
    logFile,
    logs,
    waitForLog,
    kill: async (signal) => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
  await waitForLog(/"msg":"\w+ ready"/);
  return proc;
}

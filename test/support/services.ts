import { mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ServiceProcess, spawnService } from "@hrvend/local-stack";

export type { ServiceProcess };

/** Runs a service as its own process, exactly as in production, so tests can SIGKILL it. */
export async function startService(
  name: string,
  env: Record<string, string>,
  label = name,
): Promise<ServiceProcess> {
  const dir = join(tmpdir(), "hrvend-service-logs");
  mkdirSync(dir, { recursive: true });
  return spawnService(name, env, { logFile: join(dir, `${label}-${process.pid}-${Date.now()}.log`) });
}

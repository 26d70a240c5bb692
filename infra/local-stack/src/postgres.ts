import { appendFileSync, chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { InfraError } from "@hrvend/runtime";
import { PG_MAJOR } from "./config";
import { waitForPort } from "./ports";
import { chownTree, isAlive, run, serviceUser, startProcess, stopPid, tail } from "./process";
import type { ServerHandle, StartOptions } from "./server";
import { renderConfig } from "./template";

export { PG_MAJOR };

const PG_BIN = `/usr/lib/postgresql/${PG_MAJOR}/bin`;

export interface PostgresOptions extends StartOptions {
  /** Password of the `postgres` superuser for TCP connections (local socket trusts the owner). */
  superuserPassword: string;
  /** Tests trade durability for speed; the local stack keeps fsync on. */
  durable?: boolean;
}

/** Initialises (once) and starts a private PostgreSQL cluster with TimescaleDB preloaded. */
export async function startPostgres(opts: PostgresOptions): Promise<ServerHandle> {
  const as = serviceUser("postgres");
  const dataDir = join(opts.dir, "data");
  const sockDir = join(opts.dir, "sock");
  const logFile = join(opts.dir, "postgres.log");
  mkdirSync(sockDir, { recursive: true });
  // Service users must be able to traverse to their own dirs inside a root-owned temp dir.
  chmodSync(opts.dir, 0o755);
  if (!existsSync(join(dataDir, "PG_VERSION"))) {
    if (!existsSync(`${PG_BIN}/initdb`)) {
      throw new InfraError(
        `PostgreSQL ${PG_MAJOR} is not installed (${PG_BIN}); run infra/scripts/provision.sh`,
      );
    }
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    const pwFile = join(opts.dir, "pwfile");
    writeFileSync(pwFile, `${opts.superuserPassword}\n`, { mode: 0o600 });
    chownTree(opts.dir, as);
    run(
      `${PG_BIN}/initdb`,
      [
        "-D",
        dataDir,
        "-U",
        "postgres",
        `--pwfile=${pwFile}`,
        "--auth-local=trust",
        "--auth-host=scram-sha-256",
        "-E",
        "UTF8",
        "--locale=C.UTF-8",
      ],
      as,
    );
    writeFileSync(pwFile, "");
    const conf = renderConfig("postgresql.conf", {});
    writeFileSync(
      join(dataDir, "hrvend.conf"),
      opts.durable === false
        ? `${conf}\nfsync = off\nsynchronous_commit = off\nfull_page_writes = off\n`
        : conf,
    );
    appendFileSync(join(dataDir, "postgresql.conf"), "\ninclude_if_exists = 'hrvend.conf'\n");
    chownTree(opts.dir, as);
  }
  const child = startProcess(`${PG_BIN}/postgres`, ["-D", dataDir, "-p", String(opts.port), "-k", sockDir], {
    logFile,
    detached: opts.detached ?? false,
    as,
  });
  const pid = child.pid;
  if (pid === undefined) throw new InfraError("could not spawn postgres", { logFile });
  await waitForPort(opts.port, "PostgreSQL", { alive: () => isAlive(pid), logTail: () => tail(logFile) });
  // Ready for connections only once the startup process finished; the port opens slightly earlier.
  await waitUntilReady(opts.port, sockDir, as, logFile);
  return {
    name: "postgres",
    pid,
    port: opts.port,
    url: `postgres://postgres:${encodeURIComponent(opts.superuserPassword)}@127.0.0.1:${opts.port}/postgres`,
    dir: opts.dir,
    logFile,
    // SIGINT is PostgreSQL's "fast" shutdown: rolls back sessions, checkpoints, exits.
    stop: () => stopPid(pid, "SIGINT", 30_000),
  };
}

async function waitUntilReady(
  port: number,
  sockDir: string,
  as: ReturnType<typeof serviceUser>,
  logFile: string,
) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      run(`${PG_BIN}/pg_isready`, ["-q", "-h", sockDir, "-p", String(port)], as);
      return;
    } catch (e) {
      if (Date.now() > deadline)
        throw new InfraError(`PostgreSQL not ready: ${tail(logFile)}`, {}, { cause: e });
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** The postmaster's pid as PostgreSQL records it, or undefined when the cluster is down. */
export function postmasterPid(dir: string): number | undefined {
  const file = join(dir, "data", "postmaster.pid");
  if (!existsSync(file)) return undefined;
  const pid = Number(readFileSync(file, "utf8").split("\n")[0]);
  return Number.isInteger(pid) && isAlive(pid) ? pid : undefined;
}

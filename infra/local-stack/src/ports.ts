import { createConnection, createServer } from "node:net";
import { InfraError } from "@hrvend/runtime";
import { vitestPoolId } from "./config";

/** Where freePort looks: below the kernel's ephemeral range (32768–60999 on Linux by default). */
const FIRST_PORT = 20_000;
const BLOCK = 1_000;
/** Ports this process has handed out: not again while others in its block are free. */
const handedOut = new Set<number>();

/** Whether a server can listen on the port on loopback right now. */
function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.unref();
    srv.once("error", () => resolve(false));
    srv.listen(port, "127.0.0.1", () => srv.close(() => resolve(true)));
  });
}

/**
 * A port free on loopback right now, for a private server a test or the bench is about to start.
 * Not one the OS assigns (port 0): those come from the ephemeral range, where every outgoing
 * connection of every process also takes its local port, so with test files running side by
 * side one could take the port between this check and the server's start. Instead each vitest
 * worker (VITEST_POOL_ID; 0 for the main process: global setup, bench) walks a block of its own
 * below that range, at random and never twice while others are free, so two workers never hand
 * out the same port.
 */
export async function freePort(): Promise<number> {
  const pool = vitestPoolId() % 12;
  const start = FIRST_PORT + pool * BLOCK;
  if (handedOut.size >= BLOCK / 2) handedOut.clear();
  for (let tries = 0; tries < BLOCK * 4; tries++) {
    const port = start + Math.floor(Math.random() * BLOCK);
    if (handedOut.has(port) || !(await canListen(port))) continue;
    handedOut.add(port);
    return port;
  }
  throw new InfraError(`no free port in ${start}–${start + BLOCK - 1} on loopback`, { start });
}

export function isPortOpen(port: number, host = "127.0.0.1"): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = createConnection({ port, host });
    sock.once("connect", () => {
      sock.destroy();
      resolve(true);
    });
    sock.once("error", () => resolve(false));
  });
}

/** Waits until something accepts connections on the port, or fails with what the log says. */
export async function waitForPort(
  port: number,
  what: string,
  opts: { timeoutMs?: number; alive?: () => boolean; logTail?: () => string } = {},
): Promise<void> {
  const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
  while (Date.now() < deadline) {
    if (await isPortOpen(port)) return;
    if (opts.alive && !opts.alive()) {
      throw new InfraError(`${what} exited before listening on port ${port}\n${opts.logTail?.() ?? ""}`, {
        port,
      });
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new InfraError(`${what} did not listen on port ${port} in time\n${opts.logTail?.() ?? ""}`, { port });
}

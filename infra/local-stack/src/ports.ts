import { createConnection, createServer } from "node:net";
import { InfraError } from "@hrvend/runtime";

/** A port the OS considers free on loopback right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === "object" && addr ? resolve(addr.port) : reject(new Error("no port"))));
    });
  });
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

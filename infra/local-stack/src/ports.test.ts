import { createServer } from "node:net";
import { describe, expect, it } from "vitest";
import { vitestPoolId } from "./config";
import { freePort } from "./ports";

const listen = (port: number) =>
  new Promise<boolean>((resolve) => {
    const srv = createServer();
    srv.once("error", () => resolve(false));
    srv.listen(port, "127.0.0.1", () => srv.close(() => resolve(true)));
  });

describe("freePort", () => {
  it("given calls in one vitest worker, then every port is distinct, below the ephemeral range, in this worker's own block, and free", async () => {
    const pool = vitestPoolId() % 12;
    const ports: number[] = [];
    for (let i = 0; i < 40; i++) ports.push(await freePort());
    expect(new Set(ports).size).toBe(40);
    for (const p of ports) {
      expect(p).toBeGreaterThanOrEqual(20_000 + pool * 1_000);
      expect(p).toBeLessThan(20_000 + (pool + 1) * 1_000);
      expect(await listen(p)).toBe(true);
    }
  });

  it("given a port taken by a server, then it is never handed out", async () => {
    const first = await freePort();
    const srv = createServer();
    await new Promise<void>((r) => srv.listen(first + 1, "127.0.0.1", () => r()));
    try {
      for (let i = 0; i < 1_000; i++) expect(await freePort()).not.toBe(first + 1);
    } finally {
      srv.close();
    }
  });
});

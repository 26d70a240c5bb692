import { InfraError } from "@hrvend/runtime";
import { describe, expect, it } from "vitest";
import { DEFAULT_READY_TIMEOUT_MS, readyTimeoutMsFrom } from "./service-process";

describe("HRVEND_SERVICE_READY_TIMEOUT", () => {
  it("given nothing, then a service gets 90 s to say it is ready (30 s failed under load)", () => {
    expect(DEFAULT_READY_TIMEOUT_MS).toBe(90_000);
    expect(readyTimeoutMsFrom(undefined)).toBe(90_000);
    expect(readyTimeoutMsFrom("")).toBe(90_000);
  });

  it("given seconds, then that many", () => {
    expect(readyTimeoutMsFrom("240")).toBe(240_000);
    expect(readyTimeoutMsFrom("0.5")).toBe(500);
  });

  it("given a value that is not a positive number, then a clear error naming the variable", () => {
    for (const bad of ["0", "-3", "soon", "Infinity"])
      expect(() => readyTimeoutMsFrom(bad)).toThrow(
        new InfraError(`HRVEND_SERVICE_READY_TIMEOUT must be a number of seconds above 0, got '${bad}'`),
      );
  });
});

describe("spawnService", () => {
  it("given a service that is not ready in time, then it fails and leaves no process behind", async () => {
    const { mkdtempSync, readdirSync, readFileSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const { spawnService } = await import("./service-process");
    const marker = `never-ready-${process.pid}-${Date.now()}`;
    const dir = mkdtempSync(join(tmpdir(), "hrvend-spawn-"));
    // 300 ms: tsx alone needs longer to load the gateway, so it is alive and not yet ready.
    await expect(
      spawnService(
        "gateway",
        { HRVEND_TEST_MARKER: marker },
        { logFile: join(dir, "log"), readyTimeoutMs: 300 },
      ),
    ).rejects.toThrow(InfraError);
    const withMarker = readdirSync("/proc")
      .filter((p) => /^\d+$/.test(p))
      .filter((p) => {
        try {
          return readFileSync(`/proc/${p}/environ`, "utf8").includes(marker);
        } catch {
          return false;
        }
      });
    expect(withMarker).toEqual([]);
  }, 30_000);
});

import { describe, expect, it } from "vitest";
import { InfraError } from "./errors";
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

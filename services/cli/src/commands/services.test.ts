import { describe, expect, it } from "vitest";
import { metricsPortOf, SERVICE_NAMES } from "./services";

describe("the services' metrics ports", () => {
  it("given the default first port, then gateway, recorder, stock, reorder, coverage and notifier take 9464 to 9469", () => {
    expect(SERVICE_NAMES.map((s) => metricsPortOf(9464, s, 1))).toEqual([9464, 9465, 9466, 9467, 9468, 9469]);
  });

  it("given another first port, then no service keeps a port of the default range (two stacks side by side)", () => {
    const ports = SERVICE_NAMES.flatMap((s) => [1, 2].map((n) => metricsPortOf(20000, s, n)));
    expect(ports).toEqual([
      20000, 20010, 20001, 20011, 20002, 20012, 20003, 20013, 20004, 20014, 20005, 20015,
    ]);
    expect(new Set(ports).size).toBe(ports.length);
  });

  it("given 0, then every instance takes a free port; given a port too high for the last service, then it says so", () => {
    expect(SERVICE_NAMES.map((s) => metricsPortOf(0, s, 2))).toEqual([0, 0, 0, 0, 0, 0]);
    expect(() => metricsPortOf(65533, "coverage", 1)).toThrow(/HRVEND_METRICS_PORT 65533 .*coverage/);
    expect(() => metricsPortOf(65531, "notifier", 1)).toThrow(/HRVEND_METRICS_PORT 65531 .*notifier/);
  });
});

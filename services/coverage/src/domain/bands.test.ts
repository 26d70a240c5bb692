import { describe, expect, it } from "vitest";
import { oatBand, syringeBand } from "./bands";

describe("WHO bands (docs/domain.md)", () => {
  it("given syringes per PWID per year, when banded, then low < 100, medium 100–200, high > 200", () => {
    expect([0, 99.99, 100, 150, 200, 200.01, 300].map(syringeBand)).toEqual([
      "low",
      "low",
      "medium",
      "medium",
      "medium",
      "high",
      "high",
    ]);
  });
  it("given OAT reach %, when banded, then low < 20, moderate 20–39, high ≥ 40", () => {
    expect([0, 19.9, 20, 39, 39.9, 40, 55].map(oatBand)).toEqual([
      "low",
      "low",
      "moderate",
      "moderate",
      "moderate",
      "high",
      "high",
    ]);
  });
});

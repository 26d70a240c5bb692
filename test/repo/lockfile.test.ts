import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { type LockedPackage, missingOptionalPackages } from "./lockfile";

describe("the committed lockfile", () => {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
  const lock = JSON.parse(readFileSync(resolve(root, "package-lock.json"), "utf8")) as {
    lockfileVersion: number;
    packages: Record<string, LockedPackage>;
  };

  it("given every locked package's optional dependencies, then each has an entry (npm ci installs on any platform)", () => {
    expect(lock.lockfileVersion).toBe(3);
    expect(missingOptionalPackages(lock.packages)).toEqual([]);
  });

  it("given a lockfile without another platform's binary, then that binary is reported", () => {
    const packages = {
      "": {},
      "node_modules/esbuild": {
        optionalDependencies: { "@esbuild/linux-x64": "1", "@esbuild/darwin-arm64": "1" },
      },
      "node_modules/@esbuild/linux-x64": {},
      "node_modules/a/node_modules/b": { optionalDependencies: { c: "1" } },
      "node_modules/c": {},
    };
    expect(missingOptionalPackages(packages)).toEqual(["node_modules/esbuild → @esbuild/darwin-arm64"]);
  });
});

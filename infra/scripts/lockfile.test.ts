import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

interface LockedPackage {
  optionalDependencies?: Record<string, string>;
}

/**
 * `npm ci` refuses a lockfile that lacks any package a locked package depends on, optional
 * platform packages included (issue #18: an `npm install` on one platform once dropped the
 * other platforms' esbuild, rollup, biome and turbo binaries). Resolution as Node does it: the
 * nearest `node_modules/<name>` up from the package's own folder.
 */
export function missingOptionalPackages(packages: Record<string, LockedPackage>): string[] {
  const missing: string[] = [];
  for (const [path, pkg] of Object.entries(packages)) {
    for (const name of Object.keys(pkg.optionalDependencies ?? {})) {
      let base = path;
      let found = false;
      for (;;) {
        if (packages[`${base ? `${base}/` : ""}node_modules/${name}`]) {
          found = true;
          break;
        }
        if (!base) break;
        const up = base.lastIndexOf("/node_modules/");
        base = up < 0 ? "" : base.slice(0, up);
      }
      if (!found) missing.push(`${path || "(root)"} → ${name}`);
    }
  }
  return missing;
}

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

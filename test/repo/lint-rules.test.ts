import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, rmdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/**
 * The habits biome.json enforces (issue #18), proven on planted files: each violation fails
 * `biome check` with its rule's name, and the compliant counterpart passes. The files go to a
 * fresh folder under test/repo/.planted/ (git-ignored, so `npm run lint` never sees a leftover;
 * hence --vcs-use-ignore-file=false here), so biome.json's globs match them as they match the
 * repository's own files.
 */
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const BIOME = join(ROOT, "node_modules/.bin/biome");

interface Checked {
  status: number | null;
  rules: string[];
}

let dir: string;

beforeAll(() => {
  mkdirSync(join(ROOT, "test/repo/.planted"), { recursive: true });
  dir = mkdtempSync(join(ROOT, "test/repo/.planted/run-"));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  try {
    rmdirSync(join(ROOT, "test/repo/.planted")); // only when empty: another run may be using it
  } catch {}
});

/** Writes `source` at `path` (inside the planted folder) and runs `biome check` on that one file. */
function plant(path: string, source: string): Checked {
  const file = join(dir, path);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, source);
  const r = spawnSync(
    BIOME,
    ["check", "--vcs-use-ignore-file=false", "--reporter=json", relative(ROOT, file)],
    { cwd: ROOT, encoding: "utf8" },
  );
  const report = JSON.parse(r.stdout) as {
    summary: { changed: number; unchanged: number };
    diagnostics: { category: string }[];
  };
  // The file was checked, not skipped: a pass below means the rules saw it.
  expect(report.summary.changed + report.summary.unchanged, `${path}: ${r.stdout}${r.stderr}`).toBe(1);
  return { status: r.status, rules: report.diagnostics.map((d) => d.category) };
}

describe("the linter's habits (biome.json), on planted files", () => {
  it("given a camelCase file name, then check fails with useFilenamingConvention; kebab-case passes", () => {
    const bad = plant("plantedName.ts", "export const planted = 1;\n");
    expect(bad.status).not.toBe(0);
    expect(bad.rules).toContain("lint/style/useFilenamingConvention");

    const good = plant("planted-name.ts", "export const planted = 1;\n");
    expect(good).toEqual({ status: 0, rules: [] });
  });

  it("given the test-kind suffixes and a tool's config file, then their names pass", () => {
    for (const name of [
      "planted.test.ts",
      "planted.int.test.ts",
      "planted.e2e.test.ts",
      "vitest.config.ts",
    ]) {
      expect(plant(name, "export const planted = 1;\n"), name).toEqual({ status: 0, rules: [] });
    }
  });

  it("given a migration, then its recorded snake_case name passes, a camelCase one does not", () => {
    expect(plant("src/store/migrations/0099_planted_table.ts", "export const planted = 1;\n")).toEqual({
      status: 0,
      rules: [],
    });
    const bad = plant("src/store/migrations/0099_plantedTable.ts", "export const planted = 1;\n");
    expect(bad.status).not.toBe(0);
    expect(bad.rules).toContain("lint/style/useFilenamingConvention");
  });

  it("given process.env read outside a config.ts, then check fails with noProcessEnv; in config.ts it passes", () => {
    const source = 'export const planted = process.env["HRVEND_PLANTED"] ?? "";\n';
    const bad = plant("src/reads-env.ts", source);
    expect(bad.status).not.toBe(0);
    expect(bad.rules).toContain("lint/style/noProcessEnv");

    expect(plant("src/config.ts", source)).toEqual({ status: 0, rules: [] });
  });

  it.each([
    ["pg", 'import pg from "pg";\n\nexport const planted = pg;\n'],
    ["kysely", 'import { sql } from "kysely";\n\nexport const planted = sql;\n'],
    ["a Node built-in", 'import { readFileSync } from "node:fs";\n\nexport const planted = readFileSync;\n'],
    ["NATS", 'import { connect } from "@nats-io/transport-node";\n\nexport const planted = connect;\n'],
    ["the runtime", 'import { createDb } from "@hrvend/runtime/db";\n\nexport const planted = createDb;\n'],
  ])("given %s imported inside domain/, then check fails with noRestrictedImports", (_, source) => {
    const bad = plant("src/domain/planted-io.ts", source);
    expect(bad.status).not.toBe(0);
    expect(bad.rules).toContain("lint/style/noRestrictedImports");
  });

  it("given domain/ importing the runtime's time module or a pure library, then check passes", () => {
    const source =
      'import * as time from "@hrvend/runtime/time";\nimport { z } from "zod";\n\nexport const planted = [time, z];\n';
    expect(plant("src/domain/planted-pure.ts", source)).toEqual({ status: 0, rules: [] });
  });

  it("given pg imported outside domain/, then check passes (the I/O rule is domain/'s only)", () => {
    expect(plant("src/store/planted-io.ts", 'import pg from "pg";\n\nexport const planted = pg;\n')).toEqual({
      status: 0,
      rules: [],
    });
  });
});

describe("dependencies declared exactly (knip.jsonc), on a planted workspace", () => {
  const KNIP = join(ROOT, "node_modules/.bin/knip");

  /** A one-workspace repository with the project's knip.jsonc: `dependencies` declared, `source` its code. */
  function knipOn(
    dependencies: Record<string, string>,
    source: string,
  ): { status: number | null; out: string } {
    const repo = mkdtempSync(join(tmpdir(), "hrvend-knip-"));
    try {
      copyFileSync(join(ROOT, "knip.jsonc"), join(repo, "knip.jsonc"));
      const pkg = { name: "planted", private: true, type: "module", workspaces: ["pkg"] };
      writeFileSync(join(repo, "package.json"), JSON.stringify(pkg));
      mkdirSync(join(repo, "pkg/src"), { recursive: true });
      const workspace = {
        name: "@planted/pkg",
        private: true,
        type: "module",
        exports: { ".": "./src/index.ts" },
      };
      writeFileSync(join(repo, "pkg/package.json"), JSON.stringify({ ...workspace, dependencies }));
      writeFileSync(join(repo, "pkg/src/index.ts"), source);
      const r = spawnSync(KNIP, ["--no-progress", "--no-config-hints"], { cwd: repo, encoding: "utf8" });
      return { status: r.status, out: r.stdout + r.stderr };
    } finally {
      rmSync(repo, { recursive: true, force: true });
    }
  }

  const source = 'import { z } from "zod";\n\nexport const planted = z;\n';

  it("given a dependency nothing imports, then knip fails and names it", () => {
    const r = knipOn({ zod: "4.6.7", "left-pad": "1.3.0" }, source);
    expect(r.status, r.out).not.toBe(0);
    expect(r.out).toMatch(/Unused dependencies \(1\)\s+left-pad/);
  });

  it("given an import the package does not declare, then knip fails and names it", () => {
    const r = knipOn({}, source);
    expect(r.status, r.out).not.toBe(0);
    expect(r.out).toMatch(/Unlisted dependencies \(1\)\s+zod/);
  });

  it("given exactly the dependencies it imports, then knip passes", () => {
    const r = knipOn({ zod: "4.6.7" }, source);
    expect(r, r.out).toEqual({ status: 0, out: "" });
  });
});

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { findBrokenCitations, headingsIn } from "./citations";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

describe("citations of the design documents", () => {
  it("given the repository, then every docs/<file>.md and §Section cited in code and READMEs exists", () => {
    expect(findBrokenCitations(repoRoot)).toEqual([]);
  });

  describe("given a tree with planted citations", () => {
    const root = mkdtempSync(join(tmpdir(), "hrvend-citations-"));
    afterAll(() => rmSync(root, { recursive: true, force: true }));
    mkdirSync(join(root, "docs"));
    mkdirSync(join(root, "src"));
    writeFileSync(
      join(root, "docs", "domain.md"),
      "# Domain\n\n## Stock, availability, reorder\n\n### Max-min\n\n```\n## not a heading\n```\n",
    );
    // Spelled with a variable so that this file itself cites nothing.
    const d = "docs";
    const cited = [
      `/** ok (${d}/domain.md §Max-min as written). */`, // 1: heading, then other words
      `// ok (${d}/domain.md §Stock, availability,`, // 2: cut by a line break
      `// ok ${d}/domain.md's definitions`, // 3: file only
      `// bad (${d}/missing.md §Max-min)`, // 4: no such file
      `// bad (${d}/domain.md §Max-minimum)`, // 5: heading's last word continued
      `// bad (${d}/domain.md §Coverage definitions)`, // 6: no such heading
      `// bad (${d}/domain.md §not a heading)`, // 7: inside a code fence
      `// ok infra/deploy/${d}/other.md is another folder`, // 8: not the design documents
      `// bad (${"DOMAIN"}.md, "Coverage definitions")`, // 9: the brief, outside the repository
      `// bad ../shared/${"ARCHITECTURE"}.md invariant 7`, // 10: likewise, by path
    ];
    writeFileSync(join(root, "src", "cites.ts"), `${cited.join("\n")}\n`);

    it("when checked, then exactly the missing file, the three missing headings and the brief's two files are reported", () => {
      const broken = findBrokenCitations(root);
      expect(broken.map((b) => [b.file, b.line])).toEqual([
        ["src/cites.ts", 4],
        ["src/cites.ts", 5],
        ["src/cites.ts", 6],
        ["src/cites.ts", 7],
        ["src/cites.ts", 9],
        ["src/cites.ts", 10],
      ]);
      expect(broken[0]!.reason).toBe(`${d}/missing.md does not exist`);
      expect(broken[5]!.reason).toBe(
        `../shared/${"ARCHITECTURE"}.md is not in the repository: cite ${d}/architecture.md`,
      );
      expect(broken[2]!.reason).toBe(`${d}/domain.md has no heading that starts "§Coverage definitions)"`);
    });
  });

  it("headings are read outside code fences, without their marks", () => {
    expect(headingsIn("# A\ntext\n## B ##\n```\n# C\n```\n### D")).toEqual(["A", "B", "D"]);
  });
});

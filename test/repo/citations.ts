import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";

/**
 * Citations of the design documents (`docs/<file>.md`, optionally `§Heading`) in code, READMEs,
 * scripts and scenarios must resolve (and none may cite the brief's own files, which live outside
 * the repository): the file exists in the repository and, when a section is
 * named, one of its headings starts the text after `§` (`§Invariants, invariant 7` cites the
 * heading "Invariants"). A section cut by a line break (`§Stock, availability,` then the rest on
 * the next line) resolves when it is the start of a heading.
 */
export interface BrokenCitation {
  file: string;
  line: number;
  citation: string;
  reason: string;
}

const SKIP_DIRS = new Set(["node_modules", ".git", ".hrvend", ".turbo", "generated", "dist", "coverage-out"]);
const EXTENSIONS = [".ts", ".md", ".sh", ".json", ".yaml", ".yml"];
const SKIP_FILES = new Set(["package-lock.json"]);
// A docs path not inside another folder (a deploy folder's own docs are not the design documents).
const CITATION = /(?<![\w./-])docs\/([\w.-]+?\.md)(?:'s)?(?:\s*§([^\n]*))?/g;
// The brief's documents, which a clone does not have: cite docs/domain.md and docs/architecture.md.
const OUTSIDE = /(?<![\w.-])(?:[\w./-]*\/)?(DOMAIN|ARCHITECTURE)\.md/g;

export function findBrokenCitations(root: string): BrokenCitation[] {
  const broken: BrokenCitation[] = [];
  const headings = new Map<string, string[] | null>();
  const headingsOf = (doc: string): string[] | null => {
    if (!headings.has(doc)) {
      let text: string | null = null;
      try {
        text = readFileSync(join(root, "docs", doc), "utf8");
      } catch {
        text = null;
      }
      headings.set(doc, text === null ? null : headingsIn(text));
    }
    return headings.get(doc) ?? null;
  };
  for (const file of sourceFiles(root)) {
    const lines = readFileSync(file, "utf8").split("\n");
    lines.forEach((text, index) => {
      for (const match of text.matchAll(OUTSIDE)) {
        const doc = `docs/${match[1]!.toLowerCase()}.md`;
        broken.push({
          file: relative(root, file),
          line: index + 1,
          citation: match[0],
          reason: `${match[0]} is not in the repository: cite ${doc}`,
        });
      }
      for (const match of text.matchAll(CITATION)) {
        const doc = match[1]!;
        const section = match[2];
        const where = { file: relative(root, file), line: index + 1, citation: match[0].trim() };
        const docHeadings = headingsOf(doc);
        if (docHeadings === null) {
          broken.push({ ...where, reason: `docs/${doc} does not exist` });
          continue;
        }
        if (section !== undefined && !sectionResolves(section, docHeadings)) {
          broken.push({ ...where, reason: `docs/${doc} has no heading that starts "§${section.trim()}"` });
        }
      }
    });
  }
  return broken;
}

/** The headings of a markdown document, without their `#` marks. */
export function headingsIn(markdown: string): string[] {
  const found: string[] = [];
  let fenced = false;
  for (const line of markdown.split("\n")) {
    if (line.startsWith("```")) fenced = !fenced;
    const heading = !fenced && /^#{1,6}\s+(.+?)\s*#*\s*$/.exec(line);
    if (heading) found.push(heading[1]!);
  }
  return found;
}

function sectionResolves(section: string, headings: string[]): boolean {
  const text = section.trim().toLowerCase();
  const continuesWord = (rest: string) => /^[\p{L}\p{N}]/u.test(rest);
  // A section cut by a line break ends the line without closing its sentence or comment.
  const cut = /[)"'`.]$/.test(text) ? null : text.replace(/[\s,;:]+$/, "");
  return headings.some((heading) => {
    const h = heading.toLowerCase();
    if (text.startsWith(h) && !continuesWord(text.slice(h.length))) return true;
    return cut !== null && cut.length >= 3 && h.startsWith(cut) && !continuesWord(h.slice(cut.length));
  });
}

function sourceFiles(dir: string): string[] {
  const files: string[] = [];
  for (const name of readdirSync(dir)) {
    if (SKIP_DIRS.has(name) || SKIP_FILES.has(name)) continue;
    const path = join(dir, name);
    const stat = statSync(path, { throwIfNoEntry: false });
    if (stat === undefined) continue;
    if (stat.isDirectory()) files.push(...sourceFiles(path));
    else if (EXTENSIONS.some((ext) => name.endsWith(ext))) files.push(path);
  }
  return files;
}

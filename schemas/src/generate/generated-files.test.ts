import { readdir, readFile } from "node:fs/promises";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { EVENT_KINDS } from "../event";
import { GENERATED_DIR, generatedFiles } from "./generated-files";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", GENERATED_DIR);
const REGENERATE = "generated files are stale: run `npm run gen -w @hrvend/schemas` and commit the result";

async function checkedIn(): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => relative(root, join(e.parentPath, e.name)).split("\\").join("/"))
    .sort();
}

describe("generated files", () => {
  const files = generatedFiles();

  it("are one JSON Schema per kind, one for the union, and the AsyncAPI document with its HTML page", () => {
    expect([...files.keys()].sort()).toEqual(
      [
        ...EVENT_KINDS.map((k) => `json-schema/${k}.json`),
        "json-schema/event.json",
        "asyncapi.json",
        "asyncapi.html",
      ].sort(),
    );
  });

  it("are checked in exactly, with nothing left over", async () => {
    expect(await checkedIn(), REGENERATE).toEqual([...files.keys()].sort());
  });

  it.each([...files.keys()])("%s matches what the contract generates, byte for byte", async (path) => {
    const onDisk = await readFile(join(root, path), "utf8");
    expect(onDisk === files.get(path), `${path}: ${REGENERATE}`).toBe(true);
  });

  it("are deterministic", () => {
    expect(generatedFiles()).toEqual(files);
  });

  it("end with one newline", () => {
    for (const text of files.values()) expect(text).toMatch(/[^\n]\n$/);
  });
});

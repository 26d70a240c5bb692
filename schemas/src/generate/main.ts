import { mkdir, readdir, rm, writeFile } from "node:fs/promises";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { GENERATED_DIR, generatedFiles } from "./generated-files";

// Writes the generated documents; everything they contain is computed in generated-files.ts.
const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", GENERATED_DIR);
const files = generatedFiles();

for (const [path, text] of files) {
  const target = join(root, path);
  await mkdir(dirname(target), { recursive: true });
  await writeFile(target, text);
}
// A kind that no longer exists must not leave its schema behind.
for (const entry of await readdir(root, { recursive: true, withFileTypes: true })) {
  const path = relative(root, join(entry.parentPath, entry.name)).split("\\").join("/");
  if (entry.isFile() && !files.has(path)) await rm(join(root, path));
}
console.log(`wrote ${files.size} files to ${relative(process.cwd(), root) || "."}`);

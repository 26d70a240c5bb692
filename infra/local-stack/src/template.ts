import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const CONFIG_DIR = fileURLToPath(new URL("../config/", import.meta.url));

/** Renders infra/local-stack/config/<name> with `{{key}}` placeholders filled in; a missing key is a bug. */
export function renderConfig(name: string, values: Record<string, string | number>): string {
  return readFileSync(`${CONFIG_DIR}${name}`, "utf8").replace(/\{\{(\w+)\}\}/g, (_, key: string) => {
    const v = values[key];
    if (v === undefined) throw new Error(`config ${name} needs a value for {{${key}}}`);
    return String(v);
  });
}

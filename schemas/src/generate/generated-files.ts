import { EVENT_KINDS } from "../event";
import { asyncApiDocument } from "./asyncapi";
import { asyncApiHtml } from "./asyncapi-html";
import { eventJsonSchema, kindJsonSchema } from "./json-schema";

/** Where the generated files live, relative to the schemas workspace. */
export const GENERATED_DIR = "generated";

/** Every generated file, by path relative to GENERATED_DIR, with its exact text. */
export function generatedFiles(): Map<string, string> {
  const files = new Map<string, string>();
  for (const kind of EVENT_KINDS) files.set(`json-schema/${kind}.json`, jsonText(kindJsonSchema(kind)));
  files.set("json-schema/event.json", jsonText(eventJsonSchema()));
  files.set("asyncapi.json", jsonText(asyncApiDocument()));
  files.set("asyncapi.html", asyncApiHtml(asyncApiDocument()));
  return files;
}

/** Stable text: keys in construction order, two-space indent, trailing newline. */
export function jsonText(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

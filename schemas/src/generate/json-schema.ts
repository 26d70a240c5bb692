import { z } from "zod";
import { EVENT_KINDS, EVENT_SCHEMAS, type EventKind } from "../event";
import { KIND_DOCS } from "./kind-docs";

export type JsonSchema = Record<string, unknown>;

const DRAFT_07 = "http://json-schema.org/draft-07/schema#";

/** JSON Schema (draft-07) of one kind, as a producer must write it. */
export function kindJsonSchema(kind: EventKind): JsonSchema {
  const { $schema: _, ...body } = z.toJSONSchema(EVENT_SCHEMAS[kind], { target: "draft-7", io: "input" });
  return { $schema: DRAFT_07, title: kind, description: describeKind(kind), ...body };
}

/** JSON Schema of any event: one of the kinds, each kept whole under `definitions`. */
export function eventJsonSchema(): JsonSchema {
  const definitions: Record<string, JsonSchema> = {};
  for (const kind of EVENT_KINDS) definitions[kind] = withoutDialect(kindJsonSchema(kind));
  return {
    $schema: DRAFT_07,
    title: "event",
    description: "Any hrvend event; the `kind` field says which.",
    oneOf: EVENT_KINDS.map((kind) => ({ $ref: `#/definitions/${kind}` })),
    definitions,
  };
}

/** The schema without `$schema`, for embedding in another document. */
export function withoutDialect(schema: JsonSchema): JsonSchema {
  const { $schema: _, ...rest } = schema;
  return rest;
}

/** Rules of every kind that JSON Schema cannot express (schemas/README.md, "What the contract refuses"). */
export const TEXT_RULES = [
  "the payload is strict UTF-8 JSON without a byte-order mark",
  "no string holds a NUL character or an unpaired surrogate",
  "every number reads back exactly as written (a 64-bit float holds it)",
  "no field appears twice in an object",
  "date-times and dates lie within 1970-01-01 and 9998-12-31 (UTC), with offsets up to ±14:00",
];

function describeKind(kind: EventKind): string {
  const { source, summary, rules } = KIND_DOCS[kind];
  const all = [...rules, ...TEXT_RULES];
  const also = ` Also enforced by the contract (not expressible here): ${all.join("; ")}.`;
  return `${summary} Sent by the ${source}.${also}`;
}

import { describe, expect, it } from "vitest";
import { EVENT_KINDS } from "../event";
import { EXAMPLES } from "../examples";
import { eventJsonSchema, kindJsonSchema } from "./json-schema";

describe("kindJsonSchema", () => {
  it.each(EVENT_KINDS)("describes %s as a closed draft-07 object fixed to its kind", (kind) => {
    const schema = kindJsonSchema(kind);
    expect(schema).toMatchObject({
      $schema: "http://json-schema.org/draft-07/schema#",
      title: kind,
      type: "object",
      additionalProperties: false,
      properties: { kind: { const: kind } },
    });
    expect(schema["description"]).toEqual(expect.stringContaining("Sent by the"));
  });

  it.each(EVENT_KINDS)("requires of %s what its example has, minus the optional fields", (kind) => {
    const { required, properties } = kindJsonSchema(kind) as { required: string[]; properties: object };
    for (const field of required) expect(EXAMPLES[kind]).toHaveProperty(field);
    for (const field of Object.keys(EXAMPLES[kind])) expect(properties).toHaveProperty(field);
  });

  it("tells JSON Schema readers about the rules it cannot express", () => {
    expect(kindJsonSchema("restock")["description"]).toContain("lot quantities add up to quantity");
    expect(kindJsonSchema("oat")["description"]).toContain("action dose needs doseMg");
  });
});

describe("eventJsonSchema", () => {
  it("is one of the kinds, each defined once", () => {
    const schema = eventJsonSchema() as { oneOf: { $ref: string }[]; definitions: Record<string, object> };
    expect(schema.oneOf.map((o) => o.$ref)).toEqual(EVENT_KINDS.map((k) => `#/definitions/${k}`));
    expect(Object.keys(schema.definitions)).toEqual(EVENT_KINDS);
    expect(schema.definitions["dispense"]).not.toHaveProperty("$schema");
  });
});

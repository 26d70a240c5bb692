import type { z } from "zod";
import { EVENT_SCHEMAS } from "./event";

/** Every field name any event kind defines, nested ones (lots, slots) included. */
export const CONTRACT_FIELDS: ReadonlySet<string> = collectFields(Object.values(EVENT_SCHEMAS));

/**
 * Whether a key is a field of the contract. Rejection texts may name these (they are the contract's
 * own words); any other key is payload bytes and is never quoted.
 */
export function isContractField(key: string): boolean {
  return CONTRACT_FIELDS.has(key);
}

function collectFields(schemas: z.core.$ZodType[]): Set<string> {
  const fields = new Set<string>();
  const visit = (schema: z.core.$ZodType): void => {
    const def = schema._zod.def as unknown as Record<string, unknown> & { type: string };
    switch (def.type) {
      case "object":
        for (const [key, inner] of Object.entries(def["shape"] as Record<string, z.core.$ZodType>)) {
          fields.add(key);
          visit(inner);
        }
        break;
      case "optional":
      case "nullable":
      case "default":
        visit(def["innerType"] as z.core.$ZodType);
        break;
      case "array":
        visit(def["element"] as z.core.$ZodType);
        break;
    }
  };
  for (const s of schemas) visit(s);
  return fields;
}

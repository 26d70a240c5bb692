import { z } from "zod";
import { EVENT_SCHEMAS, type EventKind } from "./event";

type Schemas = typeof EVENT_SCHEMAS;
const compiled = new Map<EventKind, Schemas[EventKind]>();

/**
 * A kind's contract schema (`EVENT_SCHEMAS`, still the one contract) with zod's ahead-of-time
 * compiled fast path (`z.compile`): code generated from the schema's own definition accepts a
 * valid event without zod's per-node dispatch and allocation, and hands every input it does not
 * accept to zod's runtime parser, so each rejection, with its issues, is zod's own. Compiled on
 * first use (about 2-3 ms a kind), so a process that parses no event pays nothing. A schema zod
 * cannot compile (or `new Function` refused) is returned unchanged and parses at runtime speed;
 * `compiled-schemas.test.ts` asserts every kind compiles and that both paths agree on generated
 * valid and mutated events.
 */
export function compiledSchema<K extends EventKind>(kind: K): Schemas[K] {
  let schema = compiled.get(kind);
  if (schema === undefined) {
    schema = z.compile(EVENT_SCHEMAS[kind]);
    compiled.set(kind, schema);
  }
  return schema as Schemas[K];
}

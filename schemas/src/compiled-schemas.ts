import { z } from "zod";
import { EVENT_SCHEMAS } from "./event";

/**
 * The contract's schemas (`EVENT_SCHEMAS`, still the one contract) with zod's ahead-of-time
 * compiled fast path (`z.compile`): code generated from each schema's own definition accepts a
 * valid event without zod's per-node dispatch and allocation, and hands every input it does not
 * accept to zod's runtime parser, so each rejection, with its issues, is zod's own. A schema zod
 * cannot compile is returned unchanged (`compiled-schemas.test.ts` asserts every kind compiles and
 * that both paths agree on generated valid and mutated events).
 */
export const COMPILED_SCHEMAS = Object.fromEntries(
  Object.entries(EVENT_SCHEMAS).map(([kind, schema]) => [kind, z.compile(schema)]),
) as unknown as typeof EVENT_SCHEMAS;

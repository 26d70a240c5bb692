import { expect } from "vitest";
import { ContractError, type RejectReason } from "./errors";
import type { EventKind } from "./event";
import { EXAMPLES } from "./examples";

/** A fresh copy of a kind's example with some fields replaced; `undefined` removes a field. */
export function variant(kind: EventKind, patch: Record<string, unknown>): Record<string, unknown> {
  const copy: Record<string, unknown> = structuredClone(EXAMPLES[kind]);
  for (const [field, value] of Object.entries(patch)) {
    if (value === undefined) Reflect.deleteProperty(copy, field);
    else copy[field] = value;
  }
  return copy;
}

export interface Rejection {
  reason: RejectReason;
  /** Dotted field path of the problem the case is about ("" for the message as a whole). */
  path?: string;
  /** Substrings the problem's message must contain: what was wrong and what was expected. */
  says: string[];
}

/** Runs `fn`, asserts it throws a ContractError as described, and returns the error. */
export function expectRejected(fn: () => unknown, want: Rejection): ContractError {
  let thrown: unknown;
  try {
    fn();
  } catch (error) {
    thrown = error;
  }
  expect(thrown, "expected a ContractError, nothing was thrown").toBeInstanceOf(ContractError);
  const error = thrown as ContractError;
  expect(error.reason, error.message).toBe(want.reason);
  if (want.path === undefined) {
    for (const s of want.says) expect(error.message).toContain(s);
    return error;
  }
  const problem = error.problems.find((p) => p.path === want.path);
  expect(problem, `no problem at '${want.path}' in: ${error.message}`).toBeDefined();
  for (const s of want.says) expect(problem?.message).toContain(s);
  if (want.path) expect(error.message).toContain(`${want.path}: ${problem?.message}`);
  return error;
}

import type { z } from "zod";

/** Why an input was rejected; the dead-letter table and metrics group by this. */
export type RejectReason =
  | "oversize"
  | "malformed_json"
  | "schema"
  | "unknown_kind"
  | "bad_topic"
  | "topic_mismatch"
  | "unknown_machine"
  | "future_clock"
  | "duplicate_seq";

export interface FieldProblem {
  /** Dotted path to the field, e.g. `lots.0.expiry`; empty for the message itself. */
  path: string;
  /** What was wrong and what was expected, in words a person can act on. */
  message: string;
}

/** An input that breaks the contract. `message` reads well on its own; `problems` lists each field. */
export class ContractError extends Error {
  override readonly name = "ContractError";
  constructor(
    readonly reason: RejectReason,
    message: string,
    readonly problems: FieldProblem[] = [],
    readonly context: Record<string, unknown> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function problemsFromZod(error: z.ZodError): FieldProblem[] {
  return error.issues.map((issue) => ({
    path: issue.path.map(String).join("."),
    message: describeIssue(issue),
  }));
}

function describeIssue(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case "unrecognized_keys":
      return `unexpected field(s) ${issue.keys.map((k) => `'${k}'`).join(", ")}; the contract does not allow extra fields`;
    case "invalid_union":
      return `${issue.message}`;
    default:
      return issue.message;
  }
}

export function formatProblems(problems: FieldProblem[]): string {
  return problems.map((p) => (p.path ? `${p.path}: ${p.message}` : p.message)).join("; ");
}

import type { z } from "zod";
import { isContractField } from "./contract-fields";

/** Why an input was rejected; the dead-letter table and metrics group by this. */
export type RejectReason =
  | "oversize"
  | "malformed_json"
  | "schema"
  | "unknown_kind"
  | "bad_topic"
  | "topic_mismatch"
  /** A kind published by a source type other than its one legitimate type (KIND_SOURCE_TYPE). */
  | "wrong_source_type"
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

/**
 * One problem per zod issue. Parse with `{ reportInput: true }` so the messages can say what kind of
 * value was received (type and length, never the value); without it they say only what was expected.
 */
export function problemsFromZod(error: z.ZodError): FieldProblem[] {
  return error.issues.map((issue) => ({
    path: issue.path.map(String).join("."),
    message: describeIssue(issue),
  }));
}

function describeIssue(raw: z.core.$ZodIssue): string {
  const issue = discriminatorIssue(raw);
  const expected = expectedOf(issue);
  if (expected === undefined) return problemOf(issue);
  if ("input" in issue && issue.input === undefined) return `missing; expected ${expected}`;
  return `expected ${expected}${receivedOf(issue)}`;
}

/** A discriminated union reports the whole object as its input; the discriminator is what was wrong. */
function discriminatorIssue(issue: z.core.$ZodIssue): z.core.$ZodIssue {
  if (issue.code !== "invalid_union" || issue.discriminator === undefined || !("input" in issue))
    return issue;
  const input = issue.input;
  const value = input !== null && typeof input === "object" ? Reflect.get(input, issue.discriminator) : input;
  return { ...issue, input: value };
}

/** What a field of the wrong type or value should have been; undefined when the issue is about something else. */
function expectedOf(issue: z.core.$ZodIssue): string | undefined {
  switch (issue.code) {
    case "invalid_type": {
      // A custom message (e.g. the date-time rule) says more than the bare type.
      const rule = isZodDefault(issue.message) ? "" : ` (${issue.message})`;
      return `${TYPE_NAMES[issue.expected] ?? issue.expected}${rule}`;
    }
    case "invalid_value":
      return oneOf(issue.values);
    case "invalid_union":
      return "options" in issue && issue.options ? oneOf(issue.options) : undefined;
    default:
      return undefined;
  }
}

/** A value of the right type that breaks a rule: the rule, then what was received. */
function problemOf(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case "too_small":
    case "too_big":
      return describeBound(issue) + receivedOf(issue);
    case "invalid_format":
      return (
        (isZodDefault(issue.message) ? `must be a valid ${issue.format}` : issue.message) + receivedOf(issue)
      );
    case "not_multiple_of":
      return `must be a multiple of ${issue.divisor}${receivedOf(issue)}`;
    case "unrecognized_keys":
      return `${unexpectedFields(issue.keys)}; the contract does not allow extra fields`;
    case "invalid_union":
      return `does not match any allowed shape${receivedOf(issue)}`;
    default:
      // Refinements carry their own sentence; the other codes do not occur in the contract.
      return issue.message;
  }
}

const TYPE_NAMES: Record<string, string> = {
  string: "a string",
  number: "a number",
  int: "a whole number",
  boolean: "true or false",
  array: "an array",
  object: "an object",
  null: "null",
};

/** zod's own English messages start like this; ours and the contract's never do. */
function isZodDefault(message: string): boolean {
  return /^(Invalid|Too (small|big)|Unrecognized)\b/.test(message);
}

function describeBound(issue: z.core.$ZodIssueTooSmall | z.core.$ZodIssueTooBig): string {
  const [limit, bound] =
    issue.code === "too_small"
      ? [issue.minimum, issue.inclusive ? "at least" : "more than"]
      : [issue.maximum, issue.inclusive ? "at most" : "less than"];
  const expected = issue.exact ? `exactly ${limit}` : `${bound} ${limit}`;
  switch (issue.origin) {
    case "string":
      return `must have ${expected} character${limit === 1 ? "" : "s"}`;
    case "array":
    case "set":
      return `must have ${expected} item${limit === 1 ? "" : "s"}`;
    default:
      return `must be ${expected}`;
  }
}

/** Names the extra fields the contract knows elsewhere; others are payload bytes, so only counted. */
function unexpectedFields(keys: readonly string[]): string {
  const known = keys.filter(isContractField).map((k) => `'${k}'`);
  const others = keys.length - known.length;
  if (others === 0) return `unexpected field(s) ${known.join(", ")}`;
  const counted = `${plural(others, "unexpected field")} not in the contract`;
  return known.length ? `unexpected field(s) ${known.join(", ")} and ${counted}` : counted;
}

function plural(n: number | bigint, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}

function oneOf(values: readonly unknown[]): string {
  const shown = values.map(show);
  return shown.length === 1 ? shown[0]! : `one of ${shown.join(", ")}`;
}

/**
 * `, received …` when zod reported the input: its type and size only, never its value. A rejected
 * payload may carry a raw card UID or any other secret, and rejection texts are read by people
 * (dead-letter reasons, logs, configuration errors), so they are built from the contract's own
 * vocabulary: reason, path, expectation, length.
 */
function receivedOf(issue: z.core.$ZodIssue): string {
  if (!("input" in issue)) return "";
  const input = issue.input;
  // A bound already says which side the number fell on.
  if (typeof input === "number" && (issue.code === "too_big" || issue.code === "too_small")) return "";
  return `, received ${describeValue(input, issue.code === "invalid_value")}`;
}

/** What kind of value was received, without its content. */
export function describeValue(value: unknown, another = false): string {
  const other = another ? "another " : "";
  if (typeof value === "string")
    return `${another ? "another string" : "a string"} of ${plural(value.length, "character")}`;
  if (typeof value === "number")
    return Number.isInteger(value)
      ? `${other || "a "}whole number`
      : `${other || "a "}number with a fraction`;
  if (typeof value === "boolean") return another ? "the other boolean" : "a boolean";
  if (Array.isArray(value)) return `an array of ${plural(value.length, "item")}`;
  return typeName(value);
}

function typeName(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return TYPE_NAMES[typeof value] ?? typeof value;
}

/** A short, readable rendering of an allowed value (from the contract, never from the input). */
function show(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (value !== null && typeof value === "object") return typeName(value);
  return String(value);
}

export function formatProblems(problems: FieldProblem[]): string {
  return problems.map((p) => (p.path ? `${p.path}: ${p.message}` : p.message)).join("; ");
}

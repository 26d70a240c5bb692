import { problemsFromZod } from "@hrvend/schemas";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { LANGUAGES } from "../render/language";
import { RulesFileError } from "./errors";
import { isLoopbackUrl } from "./loopback";
import { ALERT_TYPES, SEVERITIES } from "./severity";

const HHMM = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, "a local time HH:MM (00:00–23:59)");

const TimeZone = z.string().refine(
  (tz) => {
    try {
      new Intl.DateTimeFormat("en", { timeZone: tz });
      return true;
    } catch {
      return false;
    }
  },
  { message: "an IANA time zone such as Europe/Chisinau" },
);

/** Quiet hours in the prison's time zone: from `from` until `to` (overnight when `to` is earlier). */
export const QuietHours = z
  .strictObject({ from: HHMM, to: HHMM })
  .refine((q) => q.from !== q.to, { message: "quiet hours need from ≠ to" });
export type QuietHours = z.infer<typeof QuietHours>;

const ContactBase = {
  /** Stable id: part of every message's idempotency key, so keep it when editing the file. */
  id: z.string().regex(/^[\w.-]{1,64}$/, "letters, digits, '.', '_' or '-', at most 64"),
  name: z.string().min(1).max(200).optional(),
  language: z.enum(LANGUAGES),
  quietHours: QuietHours.optional(),
};
export const Contact = z.discriminatedUnion("channel", [
  z.strictObject({ ...ContactBase, channel: z.literal("email"), address: z.email() }),
  z.strictObject({
    ...ContactBase,
    channel: z.literal("webhook"),
    /** https; plain http only to a receiver on this machine (loopback). */
    url: z.url({ protocol: /^https?$/ }).refine((u) => u.startsWith("https:") || isLoopbackUrl(u), {
      message: "an https:// URL (plain http only on loopback: localhost, 127.0.0.0/8, ::1)",
    }),
  }),
]);
export type Contact = z.infer<typeof Contact>;

/** A list, or "*" (or nothing) for any value. */
const AnyOr = <T extends z.ZodType>(item: T) =>
  z.preprocess((v) => (v === "*" ? undefined : v), z.array(item).min(1).optional());

export const Rule = z.strictObject({
  match: z
    .strictObject({
      prisons: AnyOr(z.string().min(1)),
      types: AnyOr(z.enum(ALERT_TYPES as [string, ...string[]])),
      severities: AnyOr(z.enum(SEVERITIES)),
    })
    .default({}),
  /** Contact ids in escalation order: the first is told at once, the next after escalateAfterMinutes… */
  contacts: z.array(z.string().min(1)).min(1),
  /** Reminders to everyone told so far while the alert is active and unacknowledged (0: none). */
  reminderMinutes: z.number().min(0).max(10_080).default(60),
  /** Escalation to the next contact when nobody acknowledged within this long (0: never). */
  escalateAfterMinutes: z.number().min(0).max(10_080).default(30),
});
export type Rule = z.infer<typeof Rule>;

export const NotifierRules = z
  .strictObject({
    /** For prisons the registry has not given a time zone yet. */
    defaultTimeZone: TimeZone.default("UTC"),
    severities: z.record(z.string(), z.enum(SEVERITIES)).default({}),
    contacts: z.array(Contact).min(1),
    /** First matching rule wins; an alert no rule matches notifies nobody (and is counted). */
    rules: z.array(Rule).min(1),
  })
  .superRefine((r, ctx) => {
    const ids = new Set<string>();
    for (const [i, c] of r.contacts.entries()) {
      if (ids.has(c.id))
        ctx.addIssue({
          code: "custom",
          path: ["contacts", i, "id"],
          message: `duplicate contact id '${c.id}'`,
        });
      ids.add(c.id);
    }
    for (const [i, rule] of r.rules.entries())
      for (const [j, id] of rule.contacts.entries())
        if (!ids.has(id))
          ctx.addIssue({
            code: "custom",
            path: ["rules", i, "contacts", j],
            message: `no contact with id '${id}' in contacts`,
          });
  });
export type NotifierRules = z.infer<typeof NotifierRules>;

/** Parses a rules file's text (YAML, of which JSON is a subset); every problem is named with its path. */
export function parseRules(text: string, file: string): NotifierRules {
  let doc: unknown;
  try {
    doc = parseYaml(text, { uniqueKeys: true });
  } catch (cause) {
    const msg = cause instanceof Error ? cause.message.split("\n")[0] : String(cause);
    throw new RulesFileError(file, [`not YAML or JSON: ${msg}`], { cause });
  }
  const r = NotifierRules.safeParse(doc, { reportInput: true });
  if (!r.success)
    throw new RulesFileError(
      file,
      problemsFromZod(r.error).map((p) => (p.path ? `${p.path}: ${p.message}` : p.message)),
    );
  return r.data;
}

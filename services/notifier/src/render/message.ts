import { createHash } from "node:crypto";
import { DateTime } from "luxon";
import type { AlertState, StepKind } from "../domain/schedule";
import type { Severity } from "../domain/severity";
import { DICTIONARIES, type Language } from "./language";

/** A message ready for any channel: the e-mail's subject and text, the webhook's JSON. */
export interface RenderedMessage {
  subject: string;
  body: string;
  payload: Record<string, unknown>;
}

/**
 * A deterministic RFC 5322 Message-ID per step key: a resend after a crash (SMTP accepted, the
 * row not yet marked sent) carries the same id, so it is recognisable as the same message.
 */
export function messageIdOf(key: string): string {
  return `<${createHash("sha256").update(key).digest("hex").slice(0, 40)}@notifier.hrvend>`;
}

/**
 * Alert types whose detail the stock service composes itself from counts, ids and enumerated
 * reasons. A fault's (fault_*, door_open) detail may be the machine's own free text, and a type
 * this list does not know may carry anything: their messages say what happened with the
 * catalogue's words for the type only, never the machine's.
 */
const DETAIL_WRITTEN_BY_STOCK = new Set([
  "stockout",
  "low_stock",
  "lot_expiring",
  "offline",
  "temperature_out_of_range",
  "refusal_spike",
]);

/** The detail a message may carry, or undefined when it may hold the machine's own words. */
export function shownDetail(a: Pick<AlertState, "type" | "detail">): string | undefined {
  return DETAIL_WRITTEN_BY_STOCK.has(a.type) && a.detail ? a.detail : undefined;
}

const localTime = (iso: string, timeZone: string) =>
  DateTime.fromISO(iso, { zone: timeZone }).toFormat("yyyy-MM-dd HH:mm ZZZZ");

/** One alert step for one contact, in the contact's language, times in the prison's time zone. */
export function renderStep(
  a: AlertState,
  kind: StepKind,
  step: string,
  severity: Severity,
  language: Language,
  timeZone: string,
): RenderedMessage {
  const d = DICTIONARIES[language];
  const what = d.type[a.type] ?? a.type;
  const detail = shownDetail(a);
  const where = `${d.prison} ${a.prisonId}, ${d.machine} ${a.machineId}${a.slotId ? `, ${d.slot} ${a.slotId}` : ""}`;
  const subject = `[hrvend] ${d.step[kind]}: ${d.severity[severity]} ${what} — ${a.prisonId} / ${a.machineId}${a.slotId ? ` / ${a.slotId}` : ""}`;
  const lines = [
    `${d.step[kind]} (${d.severity[severity]})`,
    "",
    `${d.what}: ${what}`,
    `${d.where}: ${where}`,
    `${d.since}: ${localTime(a.raisedAt, timeZone)}`,
  ];
  if (kind === "acknowledged" && a.acknowledgedAt)
    lines.push(`${d.acknowledgedAt}: ${localTime(a.acknowledgedAt, timeZone)}`);
  if (kind === "cleared" && a.clearedAt) lines.push(`${d.clearedAt}: ${localTime(a.clearedAt, timeZone)}`);
  if (detail) lines.push(`${d.detail}: ${detail}`);
  if (kind !== "cleared" && kind !== "acknowledged") {
    lines.push(`${d.todo}: ${d.action[a.type] ?? d.actionDefault}`);
    lines.push(`${d.ack}: npx hrvend alerts ack ${a.alertId} --by <name>`);
  }
  lines.push("", `alert ${a.alertId}`);
  return {
    subject,
    body: `${lines.join("\n")}\n`,
    payload: {
      type: "alert_step",
      step,
      kind,
      alertId: a.alertId,
      alertType: a.type,
      severity,
      prisonId: a.prisonId,
      machineId: a.machineId,
      slotId: a.slotId,
      raisedAt: a.raisedAt,
      acknowledgedAt: a.acknowledgedAt,
      clearedAt: a.clearedAt,
      ...(detail ? { detail } : {}),
      text: `${subject}\n${lines.join("\n")}`,
    },
  };
}

/** A held message as the digest lists it. */
export interface HeldItem {
  stepKey: string;
  subject: string;
  payload: Record<string, unknown>;
  createdAt: string;
}

/** The morning digest: every message held during a contact's quiet hours, oldest first, in one. */
export function renderDigest(items: HeldItem[], language: Language, timeZone: string): RenderedMessage {
  const d = DICTIONARIES[language];
  const sorted = [...items].sort(
    (x, y) => x.createdAt.localeCompare(y.createdAt) || x.stepKey.localeCompare(y.stepKey),
  );
  const subject = d.digestSubject(sorted.length);
  const lines = [
    d.digestIntro,
    "",
    ...sorted.map((i) => `- ${localTime(i.createdAt, timeZone)}  ${i.subject}`),
  ];
  return {
    subject,
    body: `${lines.join("\n")}\n`,
    payload: {
      type: "digest",
      items: sorted.map((i) => ({ stepKey: i.stepKey, ...i.payload })),
      text: `${subject}\n${lines.join("\n")}`,
    },
  };
}

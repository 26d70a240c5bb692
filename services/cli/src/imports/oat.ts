import { localInstant } from "@hrvend/runtime/time";
import type { EventOf } from "@hrvend/schemas";
import { dropDuplicates, type Parsed } from "./census";
import { type ColumnSpec, readCsv } from "./csv";
import type { RowProblem } from "./errors";
import { amountField, choiceField, dateField, type Field, timeField } from "./fields";
import { type KnownPrisons, prisonOf } from "./prisons";

type Oat = EventOf<"oat">;

/** The OAT register file (README, "Importing the census and the OAT register"). */
export const OAT_COLUMNS: readonly ColumnSpec[] = [
  {
    name: "client_id",
    aliases: ["client", "patient_id", "patient", "register_id", "id"],
    required: true,
  },
  { name: "prison", aliases: ["prison_id", "facility", "facility_id", "institution"], required: true },
  { name: "date", aliases: ["day", "event_date"], required: true },
  { name: "event", aliases: ["action", "event_type", "type"], required: true },
  { name: "medicine", aliases: ["medication", "drug"], required: true },
  { name: "dose_mg", aliases: ["dose", "daily_dose_mg", "dose_(mg)"], required: false },
  { name: "discharge_reason", aliases: ["reason", "exit_reason"], required: false },
  { name: "time", aliases: ["event_time"], required: false },
];

const ACTIONS: Record<string, Oat["action"]> = {
  enrol: "enrol",
  enroll: "enrol",
  enrolment: "enrol",
  enrollment: "enrol",
  dose: "dose",
  discharge: "discharge",
};
const MEDICINES: Record<string, Oat["medicine"]> = {
  methadone: "methadone",
  buprenorphine: "buprenorphine",
};
const REASONS: Record<string, NonNullable<Oat["dischargeReason"]>> = {
  completed: "completed",
  released: "released",
  release: "released",
  transferred: "transferred",
  transfer: "transferred",
  left: "left",
  died: "died",
  death: "died",
  other: "other",
};

/**
 * When a row has no time: a day's enrolment comes before its dose and its discharge after both,
 * so the register's order within a day survives (coverage takes a client's latest event).
 */
export const DEFAULT_TIMES: Record<Oat["action"], { h: number; m: number; s: number }> = {
  enrol: { h: 8, m: 0, s: 0 },
  dose: { h: 12, m: 0, s: 0 },
  discharge: { h: 18, m: 0, s: 0 },
};

/** One register row, its client already a token: the raw id is gone once the row is read. */
export interface OatRow {
  line: number;
  prisonId: string;
  date: string;
  clientToken: string;
  action: Oat["action"];
  medicine: Oat["medicine"];
  doseMg?: number;
  dischargeReason?: Oat["dischargeReason"];
  /** ISO 8601 with the prison's offset, on `date` in the prison's time zone. */
  time: string;
}

/** A corrected row supersedes the earlier one with the same key: (client token, prison, date, event). */
export const oatKey = (r: { clientToken: string; prisonId: string; date: string; action: string }): string =>
  `${r.clientToken}|${r.prisonId}|${r.date}|${r.action}`;

/**
 * Reads and validates the health unit's register export. The client id becomes a token with
 * `tokenOf` as soon as the row is read; no problem ever quotes a value (a shifted row can put the
 * id in any column). `now` (ms): an event must not lie in the future.
 */
export function parseOat(
  bytes: Buffer | string,
  prisons: KnownPrisons,
  tokenOf: (prisonId: string, clientId: string) => string,
  now: number,
): Parsed<OatRow> {
  const { rows, problems } = readCsv(bytes, OAT_COLUMNS);
  const valid: OatRow[] = [];
  for (const { line, values } of rows) {
    const before = problems.length;
    const v = (c: string) => values[c] ?? "";
    const take = <T>(column: string, f: Field<T>): T | undefined => {
      if (f.ok) return f.value;
      problems.push({ line, column, problem: f.problem });
      return undefined;
    };
    const add = (column: string, problem: string) => problems.push({ line, column, problem });
    const clientId = v("client_id");
    if (clientId === "") add("client_id", "is empty; the register's client id is needed");
    const prisonId = prisonOf(line, v("prison"), prisons, problems);
    const date = take("date", dateField(v("date")));
    const action = take("event", choiceField(v("event"), ACTIONS));
    const medicine = take("medicine", choiceField(v("medicine"), MEDICINES));
    let doseMg: number | undefined;
    if (v("dose_mg") !== "") doseMg = take("dose_mg", amountField(v("dose_mg"), 400));
    else if (action === "dose") add("dose_mg", "is empty; a dose needs its daily dose in mg");
    let dischargeReason: Oat["dischargeReason"];
    if (v("discharge_reason") !== "") {
      if (action !== undefined && action !== "discharge")
        add("discharge_reason", "belongs on a discharge only");
      else dischargeReason = take("discharge_reason", choiceField(v("discharge_reason"), REASONS));
    } else if (action === "discharge") add("discharge_reason", "is empty; a discharge needs its reason");
    const wall = v("time") === "" ? undefined : take("time", timeField(v("time")));
    if (problems.length > before || prisonId === undefined || date === undefined || action === undefined)
      continue;
    const tz = prisons.get(prisonId) ?? "UTC";
    const at = localInstant(date, wall ?? DEFAULT_TIMES[action], tz);
    if (at.ms > now) {
      add(wall ? "time" : "date", "lies in the future");
      continue;
    }
    valid.push({
      line,
      prisonId,
      date,
      clientToken: tokenOf(prisonId, clientId),
      action,
      medicine: medicine as Oat["medicine"],
      ...(doseMg === undefined ? {} : { doseMg }),
      ...(dischargeReason === undefined ? {} : { dischargeReason }),
      time: at.iso,
    });
  }
  return dropDuplicates(valid, problems, oatKey, (a, b) => (sameOat(a, b) ? "repeats" : "conflicts with"));
}

/** Same content for the same key: what a re-import compares. */
export function sameOat(
  a: Pick<OatRow, "medicine" | "doseMg" | "dischargeReason" | "time">,
  b: Pick<OatRow, "medicine" | "doseMg" | "dischargeReason" | "time">,
): boolean {
  return (
    a.medicine === b.medicine &&
    a.doseMg === b.doseMg &&
    a.dischargeReason === b.dischargeReason &&
    Date.parse(a.time) === Date.parse(b.time)
  );
}

export type { RowProblem };

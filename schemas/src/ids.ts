import { z } from "zod";

/**
 * Identifiers travel inside MQTT topics, NATS subjects and event keys, so they may not contain
 * the separators or wildcards of any of them (`.`, `/`, `+`, `#`, `*`, `>`, `:`) nor spaces.
 */
export const ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

export const Id = z
  .string()
  .regex(
    ID_PATTERN,
    "must be 1-64 characters of letters, digits, '_' or '-' (no '.', '/', '+', '#', ':' or spaces)",
  );

/** A card token as the machine sends it: HMAC-SHA256(deployment key, card UID), base64url, 128 bits. */
export const CardToken = z
  .string()
  .regex(/^[A-Za-z0-9_-]{22}$/, "must be a 22-character base64url token (128 bits)");

/** An anonymous OAT client token issued by the prison health unit (same shape as a card token). */
export const ClientToken = CardToken;

/**
 * The instants and dates an event may carry. PostgreSQL stores 4713 BC to 294276 AD, but its text
 * input takes no year 0000 and no offset beyond ±15:59, and the consumers' calendar arithmetic
 * (JavaScript dates, Intl formatting of a prison's local day, `YYYY-MM-DD` strings) needs
 * four-digit years in every time zone. The window is therefore the Unix epoch to the end of 9998
 * UTC: wide enough for any real device clock (a reset RTC reads 1970 or 2000), narrow enough that
 * every local rendering stays a four-digit year.
 */
export const EARLIEST_INSTANT_MS = Date.UTC(1970, 0, 1);
/** Exclusive. */
export const LATEST_INSTANT_MS = Date.UTC(9999, 0, 1);
/** Real UTC offsets run from -12:00 to +14:00; the contract accepts ±14:00 with minutes 00-59. */
export const MAX_OFFSET_MINUTES = 14 * 60;

const DATE_TIME_SHAPE =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d{1,9})?(?:Z|([+-])(\d{2}):(\d{2}))$/;
const DATE_SHAPE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME_RULE =
  "must be an ISO 8601 date-time with offset, YYYY-MM-DDThh:mm:ss[.fraction](Z|±hh:mm), e.g. 2025-03-14T09:12:05+02:00";
const DATE_RULE = "must be a calendar date YYYY-MM-DD";

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
function isCalendarDay(y: number, m: number, d: number): boolean {
  if (m < 1 || m > 12 || d < 1) return false;
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  return d <= (m === 2 && leap ? 29 : (DAYS_IN_MONTH[m - 1] ?? 0));
}
const chars = (s: string) => `received a string of ${s.length} character${s.length === 1 ? "" : "s"}`;

/** The number that `length` ASCII digits at `at` write (the shape's regex has checked they are digits). */
function digitsAt(s: string, at: number, length: number): number {
  let n = 0;
  for (let i = at; i < at + length; i++) n = n * 10 + s.charCodeAt(i) - 0x30;
  return n;
}

/**
 * Why a date-time breaks the contract, or undefined when it is fine. Never quotes the value: a
 * rejection's text must not carry payload bytes.
 */
export function dateTimeProblem(s: string): string | undefined {
  if (!DATE_TIME_SHAPE.test(s)) return `${DATE_TIME_RULE}; ${chars(s)}`;
  return shapedDateTimeProblem(s);
}

/**
 * dateTimeProblem of a string DATE_TIME_SHAPE matches. Its fields sit at fixed places
 * (`YYYY-MM-DDThh:mm:ss` first, `Z` or `±hh:mm` last, the fraction between), so they are read in
 * place: every event carries a date-time, and this runs on every event the gateway admits.
 */
function shapedDateTimeProblem(s: string): string | undefined {
  const y = digitsAt(s, 0, 4);
  const mo = digitsAt(s, 5, 2);
  const d = digitsAt(s, 8, 2);
  const h = digitsAt(s, 11, 2);
  const mi = digitsAt(s, 14, 2);
  const se = digitsAt(s, 17, 2);
  if (!isCalendarDay(y, mo, d)) return `${DATE_TIME_RULE}; the date is not a day of the calendar`;
  if (h > 23 || mi > 59 || se > 59)
    return `${DATE_TIME_RULE}; the time of day is out of range (00:00:00-23:59:59)`;
  let offset = 0;
  const end = s.length;
  if (s.charCodeAt(end - 1) !== 0x5a /* Z */) {
    const oh = digitsAt(s, end - 5, 2);
    const om = digitsAt(s, end - 2, 2);
    offset = (s.charCodeAt(end - 6) === 0x2d /* - */ ? -1 : 1) * (oh * 60 + om);
    if (om > 59 || Math.abs(offset) > MAX_OFFSET_MINUTES)
      return "must have a real UTC offset: from -14:00 to +14:00, minutes 00-59";
  }
  const instant = Date.UTC(y, mo - 1, d, h, mi, se) - offset * 60_000;
  // Date.UTC maps years 0-99 to 1900-1999; the window below starts in 1970, so compare the year too.
  if (y < 1970 || instant < EARLIEST_INSTANT_MS || instant >= LATEST_INSTANT_MS)
    return "must be between 1970-01-01T00:00:00Z and 9998-12-31T23:59:59Z";
  return undefined;
}

/** Why a local calendar date breaks the contract, or undefined when it is fine. */
export function localDateProblem(s: string): string | undefined {
  if (!DATE_SHAPE.test(s)) return `${DATE_RULE}; ${chars(s)}`;
  return shapedLocalDateProblem(s);
}

/** localDateProblem of a string DATE_SHAPE matches (`YYYY-MM-DD`, read in place). */
function shapedLocalDateProblem(s: string): string | undefined {
  const y = digitsAt(s, 0, 4);
  const mo = digitsAt(s, 5, 2);
  const d = digitsAt(s, 8, 2);
  if (!isCalendarDay(y, mo, d)) return `${DATE_RULE}; the date is not a day of the calendar`;
  if (y < 1970 || y > 9998) return "must be between 1970-01-01 and 9998-12-31";
  return undefined;
}

export const DeviceTime = z
  .string({ error: "must be an ISO 8601 date-time with offset" })
  .regex(DATE_TIME_SHAPE, DATE_TIME_RULE)
  .superRefine((s, ctx) => {
    if (!DATE_TIME_SHAPE.test(s)) return; // the regex check already reported it
    const problem = shapedDateTimeProblem(s);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  });
export const LocalDate = z
  .string({ error: DATE_RULE })
  .regex(DATE_SHAPE, DATE_RULE)
  .superRefine((s, ctx) => {
    if (!DATE_SHAPE.test(s)) return;
    const problem = shapedLocalDateProblem(s);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  });

/** An IANA time zone name; periods and days are counted in a prison's local time. */
export const TimeZone = z.string().refine((tz) => {
  try {
    new Intl.DateTimeFormat("en", { timeZone: tz });
    return tz.length > 0;
  } catch {
    return false;
  }
}, "must be an IANA time zone such as Europe/Chisinau");

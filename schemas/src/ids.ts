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

export const DeviceTime = z.iso.datetime({
  offset: true,
  message: "must be an ISO 8601 date-time with offset",
});
export const LocalDate = z.iso.date({ message: "must be a calendar date YYYY-MM-DD" });

/** An IANA time zone name; periods and days are counted in a prison's local time. */
export const TimeZone = z.string().refine((tz) => {
  try {
    new Intl.DateTimeFormat("en", { timeZone: tz });
    return tz.length > 0;
  } catch {
    return false;
  }
}, "must be an IANA time zone such as Europe/Chisinau");

import { describe, expect, it } from "vitest";
import { EVENT_KINDS, type EventKind } from "./event";
import { EXAMPLES } from "./examples";
import { parseEvent, parseEventBytes } from "./parse";
import { expectRejected, variant } from "./test-helpers";

interface Invalid {
  name: string;
  input: Record<string, unknown>;
  path: string;
  says: string[];
}

const long = (n: number) => "x".repeat(n);
const ID_RULE = "letters, digits, '_' or '-' (no '.', '/'";
const TOKEN_RULE = "22-character base64url token";

/** At least five ways to break each kind; every case names the field and the words the message must say. */
const INVALID: { [K in EventKind]: Invalid[] } = {
  dispense: [
    {
      name: "quantity of the wrong type",
      input: variant("dispense", { quantity: "1" }),
      path: "quantity",
      says: ["expected a number", "received a string of 1 character"],
    },
    {
      name: "missing slotId",
      input: variant("dispense", { slotId: undefined }),
      path: "slotId",
      says: ["missing", "expected a string"],
    },
    {
      name: "quantity 0",
      input: variant("dispense", { quantity: 0 }),
      path: "quantity",
      says: ["must be at least 1"],
    },
    {
      name: "quantity 5000",
      input: variant("dispense", { quantity: 5000 }),
      path: "quantity",
      says: ["must be at most 10"],
    },
    {
      name: "fractional quantity",
      input: variant("dispense", { quantity: 1.5 }),
      path: "quantity",
      says: ["expected a whole number", "received a number with a fraction"],
    },
    {
      name: "negative stockAfter",
      input: variant("dispense", { stockAfter: -1 }),
      path: "stockAfter",
      says: ["must be at least 0"],
    },
    {
      name: "extra field",
      input: variant("dispense", { uid: "04A1B2C3D4E5F6" }),
      path: "",
      says: ["1 unexpected field not in the contract", "does not allow extra fields"],
    },
    {
      name: "machineId with '.' and '/'",
      input: variant("dispense", { machineId: "md.branesti/m1" }),
      path: "machineId",
      says: [ID_RULE, "received a string of 14 characters"],
    },
    {
      name: "deviceTime without offset",
      input: variant("dispense", { deviceTime: "2025-03-14T09:12:05" }),
      path: "deviceTime",
      says: ["ISO 8601 date-time with offset", "received a string of 19 characters"],
    },
    {
      name: "unknown schema version",
      input: variant("dispense", { v: 2 }),
      path: "v",
      says: ["expected 1", "received another whole number"],
    },
  ],
  dispense_refused: [
    {
      name: "unknown reason",
      input: variant("dispense_refused", { reason: "sold_out" }),
      path: "reason",
      says: ['expected one of "empty", "quota", "fault"', "received another string of 8 characters"],
    },
    {
      name: "missing reason",
      input: variant("dispense_refused", { reason: undefined }),
      path: "reason",
      says: ["missing", 'expected one of "empty", "quota", "fault"'],
    },
    {
      name: "missing cardToken",
      input: variant("dispense_refused", { cardToken: undefined }),
      path: "cardToken",
      says: ["missing", "expected a string"],
    },
    {
      name: "quantity is not a field of a refusal",
      input: variant("dispense_refused", { quantity: 1 }),
      path: "",
      says: ["unexpected field(s) 'quantity'"],
    },
    {
      name: "empty itemId",
      input: variant("dispense_refused", { itemId: "" }),
      path: "itemId",
      says: ["1-64 characters", "received a string of 0 characters"],
    },
    {
      name: "seq 0",
      input: variant("dispense_refused", { seq: 0 }),
      path: "seq",
      says: ["must be at least 1"],
    },
    {
      name: "impossible date",
      input: variant("dispense_refused", { deviceTime: "2025-02-30T09:00:00+02:00" }),
      path: "deviceTime",
      says: ["ISO 8601 date-time", "the date is not a day of the calendar"],
    },
  ],
  restock: [
    {
      name: "lots not adding up to quantity",
      input: variant("restock", { quantity: 25, stockAfter: 39 }),
      path: "lots",
      says: ["lot quantities must add up to quantity"],
    },
    {
      name: "stockAfter below the quantity restocked",
      input: variant("restock", { stockAfter: 10 }),
      path: "stockAfter",
      says: ["at least the quantity restocked"],
    },
    {
      name: "lot expiry not a date",
      input: variant("restock", {
        lots: [
          { lotId: "NX24117", expiry: "2026-09-30", quantity: 12 },
          { lotId: "NX25012", expiry: "2027-13-01", quantity: 8 },
        ],
      }),
      path: "lots.1.expiry",
      says: ["calendar date YYYY-MM-DD", "the date is not a day of the calendar"],
    },
    {
      name: "lot of zero units",
      input: variant("restock", {
        lots: [
          { lotId: "NX24117", expiry: "2026-09-30", quantity: 0 },
          { lotId: "NX25012", expiry: "2027-01-31", quantity: 20 },
        ],
      }),
      path: "lots.0.quantity",
      says: ["must be at least 1"],
    },
    {
      name: "quantity 5000",
      input: variant("restock", { quantity: 5000, lots: undefined }),
      path: "quantity",
      says: ["must be at most 1000"],
    },
    {
      name: "more than 20 lots",
      input: variant("restock", {
        lots: Array.from({ length: 21 }, (_, i) => ({ lotId: `L${i}`, expiry: "2027-01-31", quantity: 1 })),
        quantity: 21,
      }),
      path: "lots",
      says: ["must have at most 20 items", "received an array of 21 items"],
    },
    {
      name: "extra field in a lot",
      input: variant("restock", {
        lots: [
          { lotId: "NX24117", expiry: "2026-09-30", quantity: 12, batch: "b1" },
          { lotId: "NX25012", expiry: "2027-01-31", quantity: 8 },
        ],
      }),
      path: "lots.0",
      says: ["1 unexpected field not in the contract"],
    },
    {
      name: "visitId with '/'",
      input: variant("restock", { visitId: "visit/7" }),
      path: "visitId",
      says: [ID_RULE, "received a string of 7 characters"],
    },
  ],
  stock_adjustment: [
    {
      name: "removal with a positive delta",
      input: variant("stock_adjustment", { delta: 3 }),
      path: "delta",
      says: ["removals (expired, damaged, other) must have a negative delta"],
    },
    {
      name: "unknown reason",
      input: variant("stock_adjustment", { reason: "stolen" }),
      path: "reason",
      says: [
        'expected one of "count", "expired", "damaged", "other"',
        "received another string of 6 characters",
      ],
    },
    {
      name: "fractional delta",
      input: variant("stock_adjustment", { delta: -2.5 }),
      path: "delta",
      says: ["expected a whole number", "received a number with a fraction"],
    },
    {
      name: "delta beyond a slot",
      input: variant("stock_adjustment", { delta: -1001 }),
      path: "delta",
      says: ["must be at least -1000"],
    },
    {
      name: "stockAfter beyond a slot",
      input: variant("stock_adjustment", { stockAfter: 1001 }),
      path: "stockAfter",
      says: ["must be at most 1000"],
    },
    {
      name: "missing slotId",
      input: variant("stock_adjustment", { slotId: undefined }),
      path: "slotId",
      says: ["missing", "expected a string"],
    },
  ],
  heartbeat: [
    {
      name: "temperature beyond the sensor's range",
      input: variant("heartbeat", { temperatureC: 120 }),
      path: "temperatureC",
      says: ["must be at most 85"],
    },
    {
      name: "temperature as a string",
      input: variant("heartbeat", { temperatureC: "21.5" }),
      path: "temperatureC",
      says: ["expected a number", "received a string of 4 characters"],
    },
    {
      name: "unknown door state",
      input: variant("heartbeat", { door: "ajar" }),
      path: "door",
      says: ['expected one of "open", "closed"', "received another string of 4 characters"],
    },
    {
      name: "negative battery",
      input: variant("heartbeat", { batteryPct: -5 }),
      path: "batteryPct",
      says: ["must be at least 0"],
    },
    {
      name: "empty firmware",
      input: variant("heartbeat", { firmware: "" }),
      path: "firmware",
      says: ["must have at least 1 character", "received a string of 0 characters"],
    },
    {
      name: "firmware too long",
      input: variant("heartbeat", { firmware: long(33) }),
      path: "firmware",
      says: ["must have at most 32 characters", "received a string of 33 characters"],
    },
    {
      name: "negative uptime",
      input: variant("heartbeat", { uptimeS: -1 }),
      path: "uptimeS",
      says: ["must be at least 0"],
    },
  ],
  fault: [
    {
      name: "unknown code",
      input: variant("fault", { code: "fire" }),
      path: "code",
      says: ['expected one of "jam", "card_reader"', "received another string of 4 characters"],
    },
    {
      name: "unknown state",
      input: variant("fault", { state: "resolved" }),
      path: "state",
      says: ['expected one of "raised", "cleared"', "received another string of 8 characters"],
    },
    {
      name: "missing state",
      input: variant("fault", { state: undefined }),
      path: "state",
      says: ["missing", 'expected one of "raised", "cleared"'],
    },
    {
      name: "detail too long",
      input: variant("fault", { detail: long(201) }),
      path: "detail",
      says: ["must have at most 200 characters", "received a string of 201 characters"],
    },
    {
      name: "slotId with a space",
      input: variant("fault", { slotId: "s 1" }),
      path: "slotId",
      says: [ID_RULE, "received a string of 3 characters"],
    },
    {
      name: "prisonId with an MQTT wildcard",
      input: variant("fault", { prisonId: "md+branesti" }),
      path: "prisonId",
      says: [ID_RULE, "received a string of 11 characters"],
    },
  ],
  status: [
    {
      name: "unknown state",
      input: variant("status", { state: "sleeping" }),
      path: "state",
      says: ['expected one of "online", "offline"', "received another string of 8 characters"],
    },
    {
      name: "unknown reason",
      input: variant("status", { reason: "reboot" }),
      path: "reason",
      says: [
        'expected one of "connect", "shutdown", "connection_lost"',
        "received another string of 6 characters",
      ],
    },
    {
      name: "missing machineId",
      input: variant("status", { machineId: undefined }),
      path: "machineId",
      says: ["missing", "expected a string"],
    },
    {
      name: "deviceTime as epoch milliseconds",
      input: variant("status", { deviceTime: 1741946400000 }),
      path: "deviceTime",
      says: ["expected a string (must be an ISO 8601 date-time with offset)", "received a whole number"],
    },
    {
      name: "missing deviceTime",
      input: variant("status", { deviceTime: undefined }),
      path: "deviceTime",
      says: ["missing", "ISO 8601 date-time with offset"],
    },
    {
      name: "offlineSince on a will",
      input: variant("status", {
        state: "offline",
        reason: "connection_lost",
        offlineSince: "2025-03-14T11:00:00+02:00",
      }),
      path: "offlineSince",
      says: ["offlineSince belongs on a birth"],
    },
    {
      name: "offlineSince after the birth",
      input: variant("status", { offlineSince: "2025-03-14T13:00:00+02:00" }),
      path: "offlineSince",
      says: ["must not be after the birth's deviceTime"],
    },
    {
      name: "seq as a string",
      input: variant("status", { seq: "1048" }),
      path: "seq",
      says: ["expected a number", "received a string of 4 characters"],
    },
  ],
  census: [
    {
      name: "date with a time",
      input: variant("census", { date: "2025-03-13T00:00:00Z" }),
      path: "date",
      says: ["calendar date YYYY-MM-DD", "received a string of 20 characters"],
    },
    {
      name: "negative population",
      input: variant("census", { population: -1 }),
      path: "population",
      says: ["must be at least 0"],
    },
    {
      name: "impossible admissions",
      input: variant("census", { admissions: 20_000 }),
      path: "admissions",
      says: ["must be at most 10000"],
    },
    {
      name: "missing releases",
      input: variant("census", { releases: undefined }),
      path: "releases",
      says: ["missing", "expected a number"],
    },
    {
      name: "time in a local format",
      input: variant("census", { time: "14/03/2025 07:00" }),
      path: "time",
      says: ["ISO 8601 date-time with offset", "received a string of 16 characters"],
    },
    {
      name: "sourceId with '.'",
      input: variant("census", { sourceId: "census.office" }),
      path: "sourceId",
      says: [ID_RULE, "received a string of 13 characters"],
    },
    {
      name: "machine envelope on an office event",
      input: variant("census", { machineId: "md-branesti-m1" }),
      path: "",
      says: ["unexpected field(s) 'machineId'"],
    },
  ],
  oat: [
    {
      name: "dose without doseMg",
      input: variant("oat", { doseMg: undefined }),
      path: "doseMg",
      says: ["a dose needs doseMg"],
    },
    {
      name: "discharge without dischargeReason",
      input: variant("oat", { action: "discharge", doseMg: undefined }),
      path: "dischargeReason",
      says: ["a discharge needs dischargeReason"],
    },
    {
      name: "dose of 0 mg",
      input: variant("oat", { doseMg: 0 }),
      path: "doseMg",
      says: ["must be more than 0"],
    },
    {
      name: "impossible dose",
      input: variant("oat", { doseMg: 500 }),
      path: "doseMg",
      says: ["must be at most 400"],
    },
    {
      name: "unknown medicine",
      input: variant("oat", { medicine: "morphine" }),
      path: "medicine",
      says: ['expected one of "methadone", "buprenorphine"', "received another string of 8 characters"],
    },
    {
      name: "unknown discharge reason",
      input: variant("oat", { action: "discharge", dischargeReason: "escaped" }),
      path: "dischargeReason",
      says: ['expected one of "completed", "released"', "received another string of 7 characters"],
    },
    {
      name: "clientToken of the wrong length",
      input: variant("oat", { clientToken: "Vb5Hn2Qe9Lm0" }),
      path: "clientToken",
      says: [TOKEN_RULE, "received a string of 12 characters"],
    },
  ],
  ref_prison: [
    {
      name: "unknown time zone",
      input: variant("ref_prison", { timeZone: "Mars/Olympus_Mons" }),
      path: "timeZone",
      says: ["must be an IANA time zone such as Europe/Chisinau"],
    },
    {
      name: "prevalence as a percentage",
      input: variant("ref_prison", { injectingPrevalence: 12 }),
      path: "injectingPrevalence",
      says: ["must be at most 1"],
    },
    {
      name: "capacity 0",
      input: variant("ref_prison", { capacity: 0 }),
      path: "capacity",
      says: ["must be at least 1"],
    },
    {
      name: "empty name",
      input: variant("ref_prison", { name: "" }),
      path: "name",
      says: ["must have at least 1 character", "received a string of 0 characters"],
    },
    {
      name: "missing oatCapacity",
      input: variant("ref_prison", { oatCapacity: undefined }),
      path: "oatCapacity",
      says: ["missing", "expected a number"],
    },
    {
      name: "prisonId with '/'",
      input: variant("ref_prison", { prisonId: "md/branesti" }),
      path: "prisonId",
      says: [ID_RULE, "received a string of 11 characters"],
    },
  ],
  ref_machine: [
    {
      name: "no slots",
      input: variant("ref_machine", { slots: [] }),
      path: "slots",
      says: ["must have at least 1 item", "received an array of 0 items"],
    },
    {
      name: "duplicate slot ids",
      input: variant("ref_machine", {
        slots: [
          { slotId: "s1", itemId: "syringe-kit", capacity: 120 },
          { slotId: "s1", itemId: "naloxone-nasal", capacity: 40 },
        ],
      }),
      path: "slots",
      says: ["slot ids must be unique"],
    },
    {
      name: "slot of capacity 0",
      input: variant("ref_machine", { slots: [{ slotId: "s1", itemId: "syringe-kit", capacity: 0 }] }),
      path: "slots.0.capacity",
      says: ["must be at least 1"],
    },
    {
      name: "slot id with '.'",
      input: variant("ref_machine", {
        slots: [
          { slotId: "s1", itemId: "syringe-kit", capacity: 120 },
          { slotId: "s.2", itemId: "naloxone-nasal", capacity: 40 },
        ],
      }),
      path: "slots.1.slotId",
      says: [ID_RULE, "received a string of 3 characters"],
    },
    {
      name: "active as a string",
      input: variant("ref_machine", { active: "yes" }),
      path: "active",
      says: ["expected true or false", "received a string of 3 characters"],
    },
    {
      name: "location too long",
      input: variant("ref_machine", { location: long(121) }),
      path: "location",
      says: ["must have at most 120 characters", "received a string of 121 characters"],
    },
  ],
  ref_item: [
    {
      name: "unknown category",
      input: variant("ref_item", { category: "condom" }),
      path: "category",
      says: ['expected one of "syringe_kit", "naloxone_nasal"', "received another string of 6 characters"],
    },
    {
      name: "missing category",
      input: variant("ref_item", { category: undefined }),
      path: "category",
      says: ["missing", 'expected one of "syringe_kit"'],
    },
    {
      name: "negative syringes per unit",
      input: variant("ref_item", { syringesPerUnit: -1 }),
      path: "syringesPerUnit",
      says: ["must be at least 0"],
    },
    {
      name: "tracksLots as a string",
      input: variant("ref_item", { tracksLots: "true" }),
      path: "tracksLots",
      says: ["expected true or false", "received a string of 4 characters"],
    },
    {
      name: "name too long",
      input: variant("ref_item", { name: long(121) }),
      path: "name",
      says: ["must have at most 120 characters", "received a string of 121 characters"],
    },
    {
      name: "itemId with a space",
      input: variant("ref_item", { itemId: "naloxone nasal" }),
      path: "itemId",
      says: [ID_RULE, "received a string of 14 characters"],
    },
  ],
  alert_ack: [
    {
      name: "missing alertId",
      input: variant("alert_ack", { alertId: undefined }),
      path: "alertId",
      says: ["missing"],
    },
    {
      name: "alertId with a space",
      input: variant("alert_ack", { alertId: "m1/s1/stockout now" }),
      path: "alertId",
      says: ["must be an alert id"],
    },
    {
      name: "empty by",
      input: variant("alert_ack", { by: "" }),
      path: "by",
      says: ["must have at least 1 character"],
    },
    {
      name: "by too long",
      input: variant("alert_ack", { by: long(121) }),
      path: "by",
      says: ["must have at most 120 characters"],
    },
    {
      name: "machineId with a slash",
      input: variant("alert_ack", { machineId: "m1/s1" }),
      path: "machineId",
      says: [ID_RULE],
    },
  ],
};

describe.each(EVENT_KINDS)("%s", (kind) => {
  it("accepts its example as a value and as bytes", () => {
    expect(parseEvent(structuredClone(EXAMPLES[kind]))).toEqual(EXAMPLES[kind]);
    expect(parseEventBytes(JSON.stringify(EXAMPLES[kind]))).toEqual(EXAMPLES[kind]);
    expect(parseEventBytes(new TextEncoder().encode(JSON.stringify(EXAMPLES[kind])))).toEqual(EXAMPLES[kind]);
  });

  it("has at least five invalid variants", () => {
    expect(INVALID[kind].length).toBeGreaterThanOrEqual(5);
  });

  it.each(INVALID[kind])("rejects $name, naming $path", ({ input, path, says }) => {
    const error = expectRejected(() => parseEvent(input), { reason: "schema", path, says });
    expect(error.message).toMatch(new RegExp(`^invalid ${kind}: `));
    expect(error.context).toEqual({ kind });
    expectRejected(() => parseEventBytes(JSON.stringify(input)), { reason: "schema", path, says });
  });
});

describe("privacy of rejected tokens", () => {
  it("never copies a malformed card token, which may be a raw card UID, into the error", () => {
    const uid = "04:A1:B2:C3:D4:E5:F6";
    const error = expectRejected(() => parseEvent(variant("dispense", { cardToken: uid })), {
      reason: "schema",
      path: "cardToken",
      says: [TOKEN_RULE, "received a string of 20 characters"],
    });
    expect(JSON.stringify([error.message, error.problems, error.context])).not.toContain("A1:B2");
  });

  it("does not echo a token sent as a number either", () => {
    const error = expectRejected(
      () => parseEvent(variant("dispense_refused", { cardToken: 4_112_233_445_566 })),
      {
        reason: "schema",
        path: "cardToken",
        says: ["expected a string", "received a whole number"],
      },
    );
    expect(error.message).not.toContain("4112233445566");
  });
});

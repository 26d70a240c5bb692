import { describe, expect, it } from "vitest";
import { ContractError } from "./errors";
import { EXAMPLES } from "./examples";
import { MAX_PAYLOAD_BYTES, parseEvent, parseEventBytes } from "./parse";
import { expectRejected, variant } from "./test-helpers";

describe("parseEventBytes", () => {
  it("rejects a payload over the limit unread, with its size", () => {
    const bytes = new Uint8Array(MAX_PAYLOAD_BYTES + 1).fill(0x20);
    const error = expectRejected(() => parseEventBytes(bytes), {
      reason: "oversize",
      says: [`payload is ${MAX_PAYLOAD_BYTES + 1} bytes`, `the limit is ${MAX_PAYLOAD_BYTES} bytes`],
    });
    expect(error.context).toEqual({ size: MAX_PAYLOAD_BYTES + 1 });
  });

  it("measures a string in UTF-8 bytes, not characters", () => {
    const text = "ă".repeat(MAX_PAYLOAD_BYTES / 2 + 1);
    expectRejected(() => parseEventBytes(text), { reason: "oversize", says: ["the limit is"] });
  });

  it("accepts an event padded up to the limit exactly", () => {
    const json = JSON.stringify(EXAMPLES.heartbeat);
    const padded = json + " ".repeat(MAX_PAYLOAD_BYTES - json.length);
    expect(parseEventBytes(padded)).toEqual(EXAMPLES.heartbeat);
  });

  it.each([
    ["a truncated object", JSON.stringify(EXAMPLES.dispense).slice(0, 40)],
    ["an empty payload", ""],
    ["plain text", "dispense s1 x1"],
    ["single quotes", "{'kind': 'dispense'}"],
  ])("rejects %s as malformed JSON", (_, text) => {
    const error = expectRejected(() => parseEventBytes(text), {
      reason: "malformed_json",
      says: ["payload is not valid JSON"],
    });
    expect(error.cause).toBeInstanceOf(SyntaxError);
  });

  it("reads bytes as UTF-8", () => {
    const event = variant("ref_prison", {}) as typeof EXAMPLES.ref_prison;
    expect(parseEventBytes(Buffer.from(JSON.stringify(event), "utf8"))).toMatchObject({
      name: "Penitenciarul nr. 18 Brănești",
    });
  });
});

describe("parseEvent", () => {
  it.each([
    ["null", null, "null"],
    ["an array", [EXAMPLES.dispense], "an array"],
    ["a number", 42, "a number"],
    ["a string", "dispense", "a string"],
  ])("rejects %s: the payload must be an object", (_, value, received) => {
    expectRejected(() => parseEvent(value), {
      reason: "schema",
      path: "",
      says: ["expected an object", `received ${received}`],
    });
    expectRejected(() => parseEvent(value), {
      reason: "schema",
      says: [`must be a JSON object, got ${received}`],
    });
  });

  it("rejects an event without kind, listing the kinds", () => {
    expectRejected(() => parseEvent(variant("dispense", { kind: undefined })), {
      reason: "unknown_kind",
      path: "kind",
      says: ["missing", "expected one of dispense, dispense_refused, restock"],
    });
  });

  it.each(["vend", "Dispense", "constructor", "__proto__", "toString"])(
    "rejects unknown kind %j without crashing",
    (kind) => {
      expectRejected(() => parseEvent(variant("dispense", { kind })), {
        reason: "unknown_kind",
        path: "kind",
        says: [`unknown kind (a string of ${kind.length} characters)`, "expected one of dispense,"],
      });
    },
  );

  it("rejects a kind that is not a string", () => {
    expectRejected(() => parseEvent(variant("dispense", { kind: 7 })), {
      reason: "unknown_kind",
      path: "kind",
      says: ["unknown kind (a whole number)"],
    });
  });

  it("lists every problem of an event, each with its field", () => {
    const error = expectRejected(
      () => parseEvent(variant("dispense", { quantity: 0, slotId: "a/b", extra: 1 })),
      {
        reason: "schema",
        path: "quantity",
        says: ["must be at least 1"],
      },
    );
    expect(error.problems.map((p) => p.path).sort()).toEqual(["", "quantity", "slotId"]);
  });

  it("returns the parsed event, not the input object", () => {
    const input = structuredClone(EXAMPLES.fault);
    const parsed = parseEvent(input);
    expect(parsed).toEqual(input);
    expect(parsed).not.toBe(input);
  });
});

describe("the contract accepts only what every consumer can store", () => {
  const hb = JSON.stringify(EXAMPLES.heartbeat);
  /** The heartbeat's text with one field's JSON value replaced by raw JSON text. */
  const withField = (field: string, rawJson: string) => {
    const text = hb.replace(new RegExp(`"${field}":("[^"]*"|[^,}]+)`), `"${field}":${rawJson}`);
    expect(text, `heartbeat has no field ${field}`).not.toBe(hb);
    return text;
  };

  it.each([
    ["a NUL character", "firmware", '"1.4\\u0000"', "firmware", "NUL character"],
    ["a lone high surrogate", "firmware", '"1.4\\ud800"', "firmware", "unpaired UTF-16 surrogate"],
    ["a lone low surrogate", "firmware", '"\\udc00x"', "firmware", "unpaired UTF-16 surrogate"],
    ["a surrogate pair in the wrong order", "firmware", '"\\udc00\\ud800"', "firmware", "unpaired"],
    [
      "a high surrogate before an escaped backslash",
      "firmware",
      '"\\ud83d\\\\ude00"',
      "firmware",
      "unpaired",
    ],
    ["seq 123325313.0000000001", "seq", "123325313.0000000001", "seq", "holds exactly"],
    ["seq beyond 2^53 written as digits", "seq", "9007199254740993", "seq", "holds exactly"],
    [
      "a temperature of 1e-20000 (jsonb: numeric overflow)",
      "temperatureC",
      "1e-20000",
      "temperatureC",
      "holds exactly",
    ],
    [
      "a temperature of 4.0000000000000001",
      "temperatureC",
      "4.0000000000000001",
      "temperatureC",
      "holds exactly",
    ],
    ["a deviceTime in year 0000", "deviceTime", '"0000-01-01T00:00:00Z"', "deviceTime", "between 1970-01-01"],
    ["a deviceTime before 1970", "deviceTime", '"1969-12-31T23:59:59Z"', "deviceTime", "between 1970-01-01"],
    [
      "a deviceTime in 1970 that is 1969 in UTC",
      "deviceTime",
      '"1970-01-01T00:30:00+01:00"',
      "deviceTime",
      "between",
    ],
    [
      "a deviceTime with offset +17:30",
      "deviceTime",
      '"2025-03-14T09:12:05+17:30"',
      "deviceTime",
      "real UTC offset",
    ],
    [
      "a deviceTime with offset +14:01",
      "deviceTime",
      '"2025-03-14T09:12:05+14:01"',
      "deviceTime",
      "real UTC offset",
    ],
    [
      "a deviceTime with offset minutes 60",
      "deviceTime",
      '"2025-03-14T09:12:05+01:60"',
      "deviceTime",
      "real UTC offset",
    ],
    ["a deviceTime at second 60", "deviceTime", '"2025-03-14T09:12:60Z"', "deviceTime", "out of range"],
    [
      "a deviceTime with 10 fraction digits",
      "deviceTime",
      '"2025-03-14T09:12:05.1234567891Z"',
      "deviceTime",
      "ISO 8601",
    ],
  ])("refuses %s with the field's path", (_, field, raw, path, says) => {
    const error = expectRejected(() => parseEventBytes(withField(field, raw)), {
      reason: "schema",
      path,
      says: [says],
    });
    expect(error.message).toMatch(/^invalid heartbeat: /);
  });

  it.each([
    ["a surrogate pair (an astral character)", "firmware", '"\\ud83d\\ude00"'],
    ["an escaped backslash before u0000 (text, not NUL)", "firmware", '"\\\\u0000"'],
    ["seq written 7.0 (exactly 7)", "seq", "7.0"],
    ["seq written 7e0", "seq", "7e0"],
    ["a temperature written 21.50", "temperatureC", "21.50"],
    ["the largest safe seq", "seq", String(Number.MAX_SAFE_INTEGER)],
    ["offset +14:00", "deviceTime", '"2025-03-14T09:12:05+14:00"'],
    ["offset -14:00", "deviceTime", '"2025-03-13T09:12:05-14:00"'],
    ["nine fraction digits", "deviceTime", '"2025-03-14T09:12:05.123456789Z"'],
    ["the first instant of 1970", "deviceTime", '"1970-01-01T00:00:00Z"'],
  ])("accepts %s", (_, field, raw) => {
    expect(parseEventBytes(withField(field, raw)).kind).toBe("heartbeat");
  });

  it("refuses a field that appears twice (the decoder would keep only the last, unvalidated first copy)", () => {
    const text = hb.replace('"firmware":', '"firmware":"x\\u0000","firmware":');
    const error = expectRejected(() => parseEventBytes(text), { reason: "schema", says: ["firmware: "] });
    const atFirmware = error.problems.filter((p) => p.path === "firmware").map((p) => p.message);
    expect(atFirmware).toEqual([
      expect.stringContaining("NUL"),
      expect.stringContaining("appears more than once"),
    ]);
  });

  it("refuses a duplicate inside a nested object, and a payload whose only escape is a plain one", () => {
    const restock = JSON.stringify(EXAMPLES.restock).replace('"quantity":12', '"quantity":12,"quantity":12');
    expectRejected(() => parseEventBytes(restock), {
      reason: "schema",
      path: "lots.0.quantity",
      says: ["appears more than once"],
    });
    const quoted = JSON.stringify(variant("fault", { detail: 'a "quoted" \\ detail' }));
    expect(parseEventBytes(quoted)).toMatchObject({ detail: 'a "quoted" \\ detail' });
  });

  it("checks NUL and unpaired surrogates in decoded values too (parseEvent)", () => {
    expectRejected(() => parseEvent(variant("fault", { detail: "jam\u0000" })), {
      reason: "schema",
      path: "detail",
      says: ["NUL character"],
    });
    expectRejected(() => parseEvent(variant("ref_prison", { name: "Br\ud800nești" })), {
      reason: "schema",
      path: "name",
      says: ["unpaired UTF-16 surrogate"],
    });
    expectRejected(() => parseEvent(variant("fault", { "x\u0000": 1 })), {
      reason: "schema",
      path: "(unknown field)",
      says: ["field name must not contain a NUL"],
    });
  });

  it.each([
    ["census date 0000-01-01", "census", { date: "0000-01-01" }, "date", "between 1970-01-01 and 9998-12-31"],
    ["census date 10000-01-01", "census", { date: "10000-01-01" }, "date", "calendar date YYYY-MM-DD"],
    ["census date 9999-01-01", "census", { date: "9999-01-01" }, "date", "between 1970-01-01 and 9998-12-31"],
    ["census date 1969-12-31", "census", { date: "1969-12-31" }, "date", "between"],
    ["census date 2025-02-29", "census", { date: "2025-02-29" }, "date", "not a day of the calendar"],
  ] as const)("refuses %s", (_, kind, patch, path, says) => {
    expectRejected(() => parseEvent(variant(kind, patch)), { reason: "schema", path, says: [says] });
  });

  it("accepts the first and last dates of the window and a leap day", () => {
    for (const date of ["1970-01-01", "9998-12-31", "2024-02-29", "2000-02-29"])
      expect(parseEvent(variant("census", { date }))).toMatchObject({ date });
  });

  it.each([
    ["an invalid byte inside a string", [0xff]],
    ["an overlong encoding of '/'", [0xc0, 0xaf]],
    ["a UTF-8-encoded surrogate (CESU)", [0xed, 0xa0, 0x80]],
    ["a truncated sequence", [0xe2, 0x82]],
  ])("refuses %s as malformed_json, not as a silent U+FFFD", (_, bad) => {
    const [head, tail] = hb.split('"firmware":"') as [string, string];
    const bytes = Buffer.concat([Buffer.from(`${head}"firmware":"`), Buffer.from(bad), Buffer.from(tail)]);
    const error = expectRejected(() => parseEventBytes(bytes), {
      reason: "malformed_json",
      says: ["not valid UTF-8"],
    });
    expect(error.message).toContain(`first invalid byte at offset ${head.length + 12}`);
  });

  it("refuses a byte-order mark (jsonb refuses it) and a string with a raw lone surrogate", () => {
    const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(hb)]);
    expectRejected(() => parseEventBytes(bom), { reason: "malformed_json", says: ["not valid JSON"] });
    expectRejected(() => parseEventBytes(hb.replace('"firmware":"', '"firmware":"\ud800')), {
      reason: "malformed_json",
      says: ["not well-formed Unicode"],
    });
  });
});

describe("rejections never echo payload bytes", () => {
  const secret = "A1B2C3D4E5F6";
  it.each([
    ["broken JSON around a card UID", `{"kind":"dispense","cardToken":'${secret}'}`],
    ["broken JSON ending in a card UID", `{"kind":"dispense","cardToken":"${secret}`],
    ["a wrong-format token", JSON.stringify(variant("dispense", { cardToken: secret }))],
    ["a UID in an unknown field's name", JSON.stringify(variant("dispense", { [secret]: true }))],
    ["a UID as the kind", JSON.stringify(variant("dispense", { kind: secret }))],
    ["a UID as an id", JSON.stringify(variant("dispense", { slotId: `${secret}/x` }))],
    ["a UID in an enum field", JSON.stringify(variant("dispense_refused", { reason: secret }))],
    ["a UID in a date", JSON.stringify(variant("census", { date: secret }))],
    ["a UID beside a NUL", JSON.stringify(variant("fault", { detail: `${secret}\u0000` }))],
    ["a UID in a duplicated unknown field", `{"${secret}":1,"${secret}":2}`],
    ["a huge string", JSON.stringify(variant("fault", { detail: secret.repeat(1000) }))],
    ["a UID as a number", JSON.stringify(variant("dispense", { quantity: 412345678901 }))],
  ])("%s", (_, text) => {
    let error: unknown;
    try {
      parseEventBytes(text);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ContractError);
    const e = error as ContractError;
    const said = `${e.message} ${JSON.stringify(e.problems)} ${JSON.stringify(e.context)}`;
    expect(said).not.toContain(secret);
    expect(said).not.toContain("412345678901");
  });
});

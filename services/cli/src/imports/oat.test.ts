import { createHmac } from "node:crypto";
import { ClientToken } from "@hrvend/schemas";
import { describe, expect, it } from "vitest";
import { describeRow } from "./errors";
import { parseOat } from "./oat";
import { oatClientToken, oatClientTokenKey } from "./token";

const PRISONS = new Map([
  ["md-p13", "Europe/Chisinau"],
  ["kiri-1", "Pacific/Kiritimati"],
]);
const NOW = Date.UTC(2026, 2, 10, 12);
const SECRET = "deployment-secret-for-tests-0123456789";
const KEY = oatClientTokenKey(SECRET);
const tokenOf = (p: string, id: string) => oatClientToken(KEY, p, id);
const HEADER = "client_id,prison,date,event,medicine,dose_mg,discharge_reason";
const parse = (lines: string[], header = HEADER) =>
  parseOat([header, ...lines].join("\n"), PRISONS, tokenOf, NOW);

/** The token by its definition (README): HMAC-SHA256(HMAC-SHA256(secret, label), "prison:id"), 128 bits, base64url. */
function expectedToken(prison: string, id: string): string {
  const key = createHmac("sha256", SECRET).update("oat-client-token-key").digest();
  return createHmac("sha256", key).update(`${prison}:${id}`).digest().subarray(0, 16).toString("base64url");
}

describe("OAT client tokens", () => {
  it("are the contract's 22-character tokens, per prison, and differ from the card-token key's", () => {
    const t = tokenOf("md-p13", "4711");
    expect(t).toBe(expectedToken("md-p13", "4711"));
    expect(ClientToken.safeParse(t).success).toBe(true);
    expect(tokenOf("md-p18", "4711")).not.toBe(t);
    const cardKey = createHmac("sha256", SECRET).update("card-token-key").digest();
    expect(
      createHmac("sha256", cardKey).update("md-p13:4711").digest().subarray(0, 16).toString("base64url"),
    ).not.toBe(t);
  });
});

describe("parseOat", () => {
  it("turns client ids into tokens and dates into the prison's local instants", () => {
    const r = parse([
      "4711,md-p13,2026-03-02,enrol,methadone,60,",
      '4711,md-p13,2026-03-03,Dose,Methadone,"62,5",',
      "4711,md-p13,2026-03-04,discharge,methadone,,released",
      "9,kiri-1,2026-03-09,enroll,buprenorphine,,",
    ]);
    expect(r.problems).toEqual([]);
    const t = expectedToken("md-p13", "4711");
    expect(r.rows).toEqual([
      {
        line: 2,
        prisonId: "md-p13",
        date: "2026-03-02",
        clientToken: t,
        action: "enrol",
        medicine: "methadone",
        doseMg: 60,
        time: "2026-03-02T08:00:00+02:00",
      },
      {
        line: 3,
        prisonId: "md-p13",
        date: "2026-03-03",
        clientToken: t,
        action: "dose",
        medicine: "methadone",
        doseMg: 62.5,
        time: "2026-03-03T12:00:00+02:00",
      },
      {
        line: 4,
        prisonId: "md-p13",
        date: "2026-03-04",
        clientToken: t,
        action: "discharge",
        medicine: "methadone",
        dischargeReason: "released",
        time: "2026-03-04T18:00:00+02:00",
      },
      {
        line: 5,
        prisonId: "kiri-1",
        date: "2026-03-09",
        clientToken: expectedToken("kiri-1", "9"),
        action: "enrol",
        medicine: "buprenorphine",
        time: "2026-03-09T08:00:00+14:00",
      },
    ]);
    expect(JSON.stringify(r.rows)).not.toContain("4711");
  });

  it("takes an optional local time and follows daylight saving time", () => {
    const r = parse(["5,md-p13,2025-07-01,enrol,methadone,,,07:30"], `${HEADER},time`);
    expect(r.problems).toEqual([]);
    // Chisinau is UTC+3 in summer.
    expect(r.rows[0]?.time).toBe("2025-07-01T07:30:00+03:00");
  });

  it("gives a local time a DST change skips or repeats the offset in force just before the change", () => {
    // Chisinau 2025: 2025-03-30 02:00 +02:00 → 03:00 +03:00; 2025-10-26 03:00 +03:00 → 02:00 +02:00.
    const r = parse(
      ["5,md-p13,2025-03-30,enrol,methadone,,,02:30", "6,md-p13,2025-10-26,enrol,methadone,,,02:30"],
      `${HEADER},time`,
    );
    expect(r.problems).toEqual([]);
    // Skipped: 02:30 at +02:00 is 00:30Z, which the clock reads as 03:30 summer time.
    expect(r.rows[0]?.time).toBe("2025-03-30T03:30:00+03:00");
    // Repeated: the first pass, still at +03:00 (23:30Z on the 25th).
    expect(r.rows[1]?.time).toBe("2025-10-26T02:30:00+03:00");
  });

  it("refuses hostile rows by line and column, and never echoes the client id", () => {
    const id = "RAW-CLIENT-ID-8F3K2";
    const r = parse([
      `${id},md-p13,2026-03-01,dose,methadone,,`, // a dose without its dose
      `${id},md-p13,2026-03-01,discharge,methadone,,`, // a discharge without its reason
      `${id},md-p13,2026-03-01,enrol,methadone,,released`, // a reason on an enrolment
      `${id},md-p13,2026-03-01,transfer,methadone,,`, // unknown event
      `${id},md-p13,2026-03-01,enrol,heroin,,`, // unknown medicine
      `${id},md-p13,2026-03-01,dose,methadone,-20,`, // negative dose
      `${id},md-p13,2026-03-01,dose,methadone,401,`, // beyond the contract
      `${id},md-p99,2026-03-01,enrol,methadone,,`, // unknown prison
      `${id},md-p13,2026-13-01,enrol,methadone,,`, // bad date
      `${id},md-p13,2026-03-11,enrol,methadone,,`, // in the future
      `,md-p13,2026-03-01,enrol,methadone,,`, // no client id
      `md-p13,${id},2026-03-01,enrol,methadone,,`, // shifted: the id in the prison column
      `${id},md-p13,2026-03-01,enrol,methadone`, // a field short
      `${id}\u0000,md-p13,2026-03-01,enrol,methadone,,`, // a NUL beside the id
      `${id.repeat(20)},md-p13,2026-03-01,enrol,methadone,,`, // oversize id
    ]);
    expect(r.rows).toEqual([]);
    expect(r.problems.map((p) => [p.line, p.column])).toEqual([
      [2, "dose_mg"],
      [3, "discharge_reason"],
      [4, "discharge_reason"],
      [5, "event"],
      [6, "medicine"],
      [7, "dose_mg"],
      [8, "dose_mg"],
      [9, "prison"],
      [10, "date"],
      [11, "date"],
      [12, "client_id"],
      [13, "prison"],
      [14, undefined],
      [15, "client_id"],
      [16, "client_id"],
    ]);
    const text = r.problems.map(describeRow).join("\n");
    expect(text).not.toContain(id);
    expect(text).not.toContain(id.slice(0, 8));
  });

  it("refuses conflicting rows for the same client, prison, day and event without naming the client", () => {
    const r = parse([
      "77,md-p13,2026-03-01,dose,methadone,60,",
      "77,md-p13,01.03.2026,dose,methadone,65,",
      "78,md-p13,2026-03-01,dose,methadone,60,",
    ]);
    expect(r.rows.map((x) => x.line)).toEqual([4]);
    expect(r.problems.map((p) => p.line)).toEqual([2, 3]);
    for (const p of r.problems) expect(describeRow(p)).not.toMatch(/\b77\b/);
  });
});

import { describe, expect, it } from "vitest";
import {
  freshReadings,
  hourKey,
  hourRollups,
  inRanges,
  intervalChanges,
  parseRanges,
  type Reading,
  rangesText,
  readingOf,
} from "./heartbeats";

const M = "m1";
const at = (iso: string) => Date.parse(iso);
const hb = (
  seq: number,
  time: string,
  temperatureC: number | null,
  door = "closed",
  power = "mains",
): Reading => ({
  machineId: M,
  prisonId: "p1",
  seq,
  t: at(time),
  temperatureC,
  door,
  power,
  batteryPct: power === "battery" ? 80 - seq : null,
});
const GAP = 15 * 60_000;

describe("seq ranges (int8multirange text)", () => {
  it("writes runs of seqs as half-open ranges and reads them back", () => {
    expect(rangesText([5, 1, 2, 3, 9, 2])).toBe("{[1,4),[5,6),[9,10)}");
    expect(rangesText([])).toBe("{}");
    const r = parseRanges("{[1,4),[5,6),[9,10)}");
    expect(r).toEqual([
      [1, 4],
      [5, 6],
      [9, 10],
    ]);
    expect([0, 1, 3, 4, 5, 6, 9, 10].map((s) => inRanges(r, s))).toEqual([
      false,
      true,
      true,
      false,
      true,
      false,
      true,
      false,
    ]);
  });
});

describe("hourly rollups", () => {
  // A scripted hour boundary: 10:58, 10:59:59.999, 11:00, 11:01 (UTC), with a missing temperature.
  const script = [
    hb(1, "2026-05-01T10:58:00Z", 20),
    hb(2, "2026-05-01T10:59:59.999Z", 24.5),
    hb(3, "2026-05-01T11:00:00Z", 30, "open"),
    hb(4, "2026-05-01T11:01:00Z", null, "closed", "battery"),
  ];

  it("sums each machine's UTC hour: counts, temperature min/max/sum, door open, on battery, first and last", () => {
    expect(hourRollups(script)).toEqual([
      {
        hour: at("2026-05-01T10:00:00Z"),
        machineId: M,
        prisonId: "p1",
        heartbeats: 2,
        tempCount: 2,
        tempMin: 20,
        tempMax: 24.5,
        tempSum: 44.5,
        doorOpen: 0,
        onBattery: 0,
        batteryMin: null,
        firstAt: at("2026-05-01T10:58:00Z"),
        lastAt: at("2026-05-01T10:59:59.999Z"),
        seqs: [1, 2],
      },
      {
        hour: at("2026-05-01T11:00:00Z"),
        machineId: M,
        prisonId: "p1",
        heartbeats: 2,
        tempCount: 1,
        tempMin: 30,
        tempMax: 30,
        tempSum: 30,
        doorOpen: 1,
        onBattery: 1,
        batteryMin: 76,
        firstAt: at("2026-05-01T11:00:00Z"),
        lastAt: at("2026-05-01T11:01:00Z"),
        seqs: [3, 4],
      },
    ]);
  });

  it("out of order, the same sums", () => {
    expect(hourRollups([...script].reverse())).toEqual(
      hourRollups(script).map((h) => ({ ...h, seqs: [...h.seqs].reverse() })),
    );
  });

  it("a duplicate in the batch or a seq its hour already holds is not counted again", () => {
    const recorded = new Map([[hourKey(M, at("2026-05-01T10:00:00Z")), parseRanges("{[1,2)}")]]);
    const fresh = freshReadings([...script, script[2] as Reading, script[0] as Reading], recorded);
    expect(fresh.map((r) => r.seq)).toEqual([2, 3, 4]);
  });

  it("UTC hours across a DST change: Chisinau's 2026-03-29 (03:00 local → 04:00) loses no hour and counts every heartbeat once", () => {
    // 23:30 UTC on the 28th to 02:30 UTC on the 29th, every 30 minutes: 7 heartbeats; the local
    // clock jumps at 01:00 UTC (03:00 EET → 04:00 EEST), the UTC hours do not.
    const times = [
      "2026-03-28T23:30:00Z",
      "2026-03-29T00:00:00Z",
      "2026-03-29T00:30:00Z",
      "2026-03-29T01:00:00Z",
      "2026-03-29T01:30:00Z",
      "2026-03-29T02:00:00Z",
      "2026-03-29T02:30:00Z",
    ];
    const rows = hourRollups(times.map((t, i) => hb(i + 1, t, 10 + i)));
    expect(rows.map((r) => [new Date(r.hour).toISOString(), r.heartbeats, r.tempMin, r.tempMax])).toEqual([
      ["2026-03-28T23:00:00.000Z", 1, 10, 10],
      ["2026-03-29T00:00:00.000Z", 2, 11, 12],
      ["2026-03-29T01:00:00.000Z", 2, 13, 14],
      ["2026-03-29T02:00:00.000Z", 2, 15, 16],
    ]);
    // The local day 2026-03-29 in Chisinau starts at 22:00 UTC on the 28th (EET, +2): every
    // hourly row of it is whole (whole-hour offsets), so the local day's total is exact.
    expect(rows.reduce((n, r) => n + r.heartbeats, 0)).toBe(7);
  });

  it("reads a record's decoded heartbeat, or its payload when it carries none", () => {
    const rec = {
      key: "m1:7",
      time: "2026-05-01T10:00:00Z",
      prisonId: "p1",
      sourceId: M,
      seq: 7,
      kind: "heartbeat",
      digest: "",
      payload: JSON.stringify({ temperatureC: 21, door: "open", power: "battery", batteryPct: 40 }),
    };
    const expected = {
      machineId: M,
      prisonId: "p1",
      seq: 7,
      t: at("2026-05-01T10:00:00Z"),
      temperatureC: 21,
      door: "open",
      power: "battery",
      batteryPct: 40,
    };
    expect(readingOf(rec)).toEqual(expected);
    expect(readingOf({ ...rec, payload: "{}", heartbeat: JSON.parse(rec.payload) })).toEqual(expected);
  });
});

describe("health intervals", () => {
  const span = (startedAt: string, endedAt: string, heartbeats: number, status = "closed/mains") => ({
    machineId: M,
    prisonId: "p1",
    status,
    startedAt: at(startedAt),
    endedAt: at(endedAt),
    heartbeats,
  });

  it("runs of one status with no gap over the bound: a status change or a long silence starts a new one", () => {
    const script = [
      hb(1, "2026-05-01T10:00:00Z", 20),
      hb(2, "2026-05-01T10:01:00Z", 20),
      hb(3, "2026-05-01T10:02:00Z", 20, "open"),
      hb(4, "2026-05-01T10:03:00Z", 20, "open"),
      hb(5, "2026-05-01T10:04:00Z", 20),
      hb(6, "2026-05-01T10:19:00Z", 20), // 15 minutes after seq 5: the same run
      hb(7, "2026-05-01T10:34:00.001Z", 20), // 15 minutes and 1 ms: a new run
    ];
    expect(intervalChanges([...script].reverse(), [], GAP)).toEqual([
      span("2026-05-01T10:00:00Z", "2026-05-01T10:01:00Z", 2),
      span("2026-05-01T10:02:00Z", "2026-05-01T10:03:00Z", 2, "open/mains"),
      span("2026-05-01T10:04:00Z", "2026-05-01T10:19:00Z", 2),
      span("2026-05-01T10:34:00.001Z", "2026-05-01T10:34:00.001Z", 1),
    ]);
  });

  it("a later batch extends the recorded run (heartbeats added, not totals)", () => {
    const known = [span("2026-05-01T10:00:00Z", "2026-05-01T10:05:00Z", 6)];
    expect(intervalChanges([hb(9, "2026-05-01T10:06:00Z", 20)], known, GAP)).toEqual([
      span("2026-05-01T10:00:00Z", "2026-05-01T10:06:00Z", 1),
    ]);
  });

  it("a late heartbeat inside a run of its status joins it; of another status, it starts its own", () => {
    const known = [span("2026-05-01T10:00:00Z", "2026-05-01T10:30:00Z", 31)];
    expect(intervalChanges([hb(50, "2026-05-01T10:10:30Z", 20)], known, GAP)).toEqual([
      span("2026-05-01T10:00:00Z", "2026-05-01T10:30:00Z", 1),
    ]);
    expect(intervalChanges([hb(51, "2026-05-01T10:10:30Z", 20, "open")], known, GAP)).toEqual([
      span("2026-05-01T10:10:30Z", "2026-05-01T10:10:30Z", 1, "open/mains"),
    ]);
  });
});

import { EVENT_KINDS } from "@hrvend/schemas";
import { describe, expect, it } from "vitest";
import { countedForOperators, hourlyCounts } from "./counts";
import type { RawRecord } from "./records";

const rec = (time: string, kind: string, prisonId = "p1"): RawRecord => ({
  key: `${kind}:${time}`,
  time,
  prisonId,
  sourceId: "s",
  seq: 1,
  kind,
  digest: "d",
  payload: "{}",
});

describe("hourly counts for operators", () => {
  it("given events in two hours and two prisons, then one count per hour, prison and kind with the latest time in it", () => {
    const counts = hourlyCounts([
      rec("2026-05-01T10:59:59.999Z", "heartbeat"),
      rec("2026-05-01T10:00:00.000Z", "heartbeat"),
      rec("2026-05-01T11:00:00.000Z", "heartbeat"),
      rec("2026-05-01T10:30:00+02:00", "dispense", "p2"),
    ]);
    expect(counts).toEqual([
      {
        hour: "2026-05-01T08:00:00.000Z",
        prisonId: "p2",
        kind: "dispense",
        events: 1,
        last: "2026-05-01T10:30:00+02:00",
      },
      {
        hour: "2026-05-01T10:00:00.000Z",
        prisonId: "p1",
        kind: "heartbeat",
        events: 2,
        last: "2026-05-01T10:59:59.999Z",
      },
      {
        hour: "2026-05-01T11:00:00.000Z",
        prisonId: "p1",
        kind: "heartbeat",
        events: 1,
        last: "2026-05-01T11:00:00.000Z",
      },
    ]);
  });

  it("given OAT register events among others, then they leave no trace: the counts equal those without them", () => {
    const others = [rec("2026-05-01T10:05:00Z", "heartbeat"), rec("2026-05-01T10:06:00Z", "census")];
    const oat = Array.from({ length: 50 }, (_, i) =>
      rec(`2026-05-01T10:${String(i).padStart(2, "0")}:30Z`, "oat"),
    );
    expect(hourlyCounts([...oat.slice(0, 25), ...others, ...oat.slice(25)])).toEqual(hourlyCounts(others));
    expect(hourlyCounts(oat)).toEqual([]);
  });

  it("every kind is counted except the one whose legitimate source is the health unit", () => {
    expect(EVENT_KINDS.filter((k) => !countedForOperators(k))).toEqual(["oat"]);
  });
});

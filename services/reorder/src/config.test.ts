import { ConfigError } from "@hrvend/runtime";
import { describe, expect, it } from "vitest";
import { loadReorderConfig } from "./config";
import { DEFAULT_SCHEDULE, scheduleFor } from "./domain";

const minimal = { NATS_URL: "nats://127.0.0.1:4222", DATABASE_URL: "postgres://u:p@127.0.0.1:5432/hrvend" };

describe("reorder config", () => {
  it("given the two required variables, then it consumes as `reorder` with weekly Wednesday visits at 10:00, 2 days lead time", () => {
    const c = loadReorderConfig(minimal);
    expect(c).toMatchObject({ CONSUMER: "reorder", WINDOW_DAYS: 28, SAFETY_Z: 1.65, REORDER_SCHEDULES: {} });
    expect(scheduleFor("any", c.REORDER_SCHEDULES)).toEqual({
      anchorDate: "2024-01-03",
      firstVisitDay: 0,
      intervalDays: 7,
      hour: 10,
      leadTimeDays: 2,
    });
  });

  it("given schedules by prison and a '*' default, then a prison's own entry wins over '*', which wins over the built-in default", () => {
    const c = loadReorderConfig({
      ...minimal,
      REORDER_SCHEDULES: JSON.stringify({
        "*": { hour: 9 },
        "sm-south": {
          intervalDays: 10,
          firstVisitDay: 4,
          hour: 11,
          leadTimeDays: 3,
          anchorDate: "2026-03-23",
        },
      }),
    });
    expect(scheduleFor("sm-north", c.REORDER_SCHEDULES)).toEqual({ ...DEFAULT_SCHEDULE, hour: 9 });
    expect(scheduleFor("sm-south", c.REORDER_SCHEDULES)).toEqual({
      anchorDate: "2026-03-23",
      firstVisitDay: 4,
      intervalDays: 10,
      hour: 11,
      leadTimeDays: 3,
    });
  });

  it("given a schedule that is not JSON, or has an unknown field or an hour of 24, then the error names the variable", () => {
    for (const bad of ["{not json", '{"p1": {"weekday": 3}}', '{"p1": {"hour": 24}}']) {
      expect(() => loadReorderConfig({ ...minimal, REORDER_SCHEDULES: bad })).toThrow(ConfigError);
      expect(() => loadReorderConfig({ ...minimal, REORDER_SCHEDULES: bad })).toThrow(/REORDER_SCHEDULES/);
    }
  });
});

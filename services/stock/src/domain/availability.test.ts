import { describe, expect, it } from "vitest";
import { at } from "../../test/events";
import { availability, type LevelPoint, onlineIntervals } from "./availability";

const day = { from: at("00:00"), to: at("1 00:00") };
const allDay = [day];
const level = (seq: number, time: string, n: number): LevelPoint => ({ seq, deviceTime: at(time), level: n });

describe("availability", () => {
  it("given a slot stocked all day while online, then availability 1, no stockout minutes, uptime 1", () => {
    expect(availability([level(1, "0 00:00", 10)], allDay, day)).toEqual({
      windowMinutes: 1440,
      onlineMinutes: 1440,
      knownOnlineMinutes: 1440,
      stockedOnlineMinutes: 1440,
      stockoutMinutes: 0,
      availability: 1,
      uptime: 1,
    });
  });

  it("given a slot empty from 18:00 to the 06:00 restock, then 12 h of stockout in a 2-day window and 75 % availability", () => {
    const window = { from: at("00:00"), to: at("2 00:00") };
    const history = [
      level(1, "00:00", 3),
      level(2, "12:00", 1),
      level(3, "18:00", 0),
      level(4, "1 06:00", 20),
    ];
    const a = availability(history, [window], window);
    expect(a.stockoutMinutes).toBe(12 * 60);
    expect(a.availability).toBe(0.75);
  });

  it("given an outage over part of the stockout, then that part counts for neither side of availability but still for stockout minutes", () => {
    const history = [level(1, "00:00", 5), level(2, "12:00", 0), level(3, "18:00", 5)];
    const online = onlineIntervals([{ from: at("10:00"), to: at("14:00") }], day);
    expect(online).toEqual([
      { from: "2026-03-22T22:00:00.000Z", to: "2026-03-23T08:00:00.000Z" },
      { from: "2026-03-23T12:00:00.000Z", to: "2026-03-23T22:00:00.000Z" },
    ]);
    const a = availability(history, online, day);
    expect(a).toMatchObject({
      onlineMinutes: 1200,
      stockoutMinutes: 360,
      stockedOnlineMinutes: 1200 - 240,
      uptime: 1200 / 1440,
    });
    expect(a.availability).toBe(960 / 1200);
  });

  it("given changes out of seq order and one before the window, then levels follow seq and the earlier level carries into the window", () => {
    const history = [level(3, "1 06:00", 0), level(1, "0 20:00", 4)];
    const window = { from: at("1 00:00"), to: at("1 12:00") };
    const a = availability(history, [window], window);
    expect(a.stockoutMinutes).toBe(360);
    expect(a.availability).toBe(0.5);
  });

  it("given no level known before 06:00 and an offline period still open, then unknown time is left out and the machine is offline to the window's end", () => {
    const online = onlineIntervals([{ from: at("20:00"), to: null }], day);
    const a = availability([level(1, "06:00", 2)], online, day);
    expect(a).toMatchObject({ onlineMinutes: 1200, knownOnlineMinutes: 840, availability: 1 });
  });

  it("given no online time, then availability is unknown (null)", () => {
    expect(availability([level(1, "00:00", 2)], [], day).availability).toBeNull();
  });
});

import { describe, expect, it } from "vitest";
import {
  EVENT_KINDS,
  EVENT_SCHEMAS,
  eventKey,
  eventSource,
  eventTime,
  HrEvent,
  isMachineEvent,
  MACHINE_KINDS,
} from "./event";
import { EXAMPLES } from "./examples";

describe("event", () => {
  it("has one schema per kind, each in the union", () => {
    expect(EVENT_KINDS).toHaveLength(13);
    expect(HrEvent.options.map((o) => o.shape.kind.value).sort()).toEqual([...EVENT_KINDS].sort());
    for (const kind of EVENT_KINDS) expect(EVENT_SCHEMAS[kind].shape.kind.value).toBe(kind);
  });

  it("keys a machine event by machine and seq", () => {
    expect(eventKey(EXAMPLES.dispense)).toBe("md-branesti-m1:1042");
    expect(eventSource(EXAMPLES.heartbeat)).toBe("md-branesti-m1");
    expect(eventTime(EXAMPLES.dispense)).toBe("2025-03-14T09:12:05+02:00");
  });

  it("keys an office event by its source and seq, even when it names a machine", () => {
    expect(eventKey(EXAMPLES.census)).toBe("md-branesti-census:73");
    expect(eventKey(EXAMPLES.ref_machine)).toBe("md-anp-registry:2");
    expect(eventTime(EXAMPLES.oat)).toBe("2025-03-14T08:45:00+02:00");
  });

  it.each(EVENT_KINDS)("classifies %s by its source", (kind) => {
    expect(isMachineEvent(EXAMPLES[kind])).toBe((MACHINE_KINDS as readonly string[]).includes(kind));
  });

  it("gives every example a distinct key", () => {
    const keys = EVENT_KINDS.map((kind) => eventKey(EXAMPLES[kind]));
    expect(new Set(keys).size).toBe(keys.length);
  });
});

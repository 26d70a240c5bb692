import { EXAMPLES } from "@hrvend/schemas";
import { describe, expect, it } from "vitest";
import { supersedes } from "../domain/known-machines";
import { isRefEvent, snapshotKey } from "../domain/reference-events";
import { defaultBucket } from "./registry-snapshot";

describe("registry snapshot keys and order", () => {
  it("keys one entry per prison, machine and item, whatever the source", () => {
    expect(snapshotKey(EXAMPLES.ref_machine)).toBe(`ref_machine.${EXAMPLES.ref_machine.machineId}`);
    expect(snapshotKey(EXAMPLES.ref_prison)).toBe(`ref_prison.${EXAMPLES.ref_prison.prisonId}`);
    expect(snapshotKey(EXAMPLES.ref_item)).toBe(`ref_item.${EXAMPLES.ref_item.itemId}`);
    expect(snapshotKey({ ...EXAMPLES.ref_machine, sourceId: "other", seq: 99 })).toBe(
      snapshotKey(EXAMPLES.ref_machine),
    );
    expect(isRefEvent(EXAMPLES.heartbeat)).toBe(false);
  });

  it("names a bucket per events stream, with only the characters a bucket name may hold", () => {
    expect(defaultBucket("HR_EVENTS")).toBe("hrvend_registry_HR_EVENTS");
    expect(defaultBucket("a.b c")).toBe("hrvend_registry_a_b_c");
  });

  it("given a held event, then only a higher seq of the same source replaces it", () => {
    const held = { sourceId: "reg", seq: 10 };
    expect(supersedes(undefined, held)).toBe(true);
    expect(supersedes(held, { sourceId: "reg", seq: 11 })).toBe(true);
    expect(supersedes(held, { sourceId: "reg", seq: 10 })).toBe(false);
    expect(supersedes(held, { sourceId: "reg", seq: 9 })).toBe(false);
    expect(supersedes(held, { sourceId: "rogue", seq: 1_000_000 })).toBe(false);
  });
});

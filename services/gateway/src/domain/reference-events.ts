import type { EventOf, HrEvent } from "@hrvend/schemas";

export type RefEvent = EventOf<"ref_item"> | EventOf<"ref_prison"> | EventOf<"ref_machine">;

export function isRefEvent(e: HrEvent): e is RefEvent {
  return e.kind === "ref_item" || e.kind === "ref_prison" || e.kind === "ref_machine";
}

/** The bucket key of the entity a reference event describes: `ref_machine.<machineId>` and so on. */
export function snapshotKey(e: RefEvent): string {
  switch (e.kind) {
    case "ref_item":
      return `ref_item.${e.itemId}`;
    case "ref_prison":
      return `ref_prison.${e.prisonId}`;
    case "ref_machine":
      return `ref_machine.${e.machineId}`;
  }
}

import {
  addressOf,
  ContractError,
  eventKey,
  eventTime,
  type HrEvent,
  isMachineEvent,
  KIND_SOURCE_TYPE,
  natsSubject,
  parseEventBytes,
  parseMqttTopic,
  type RejectReason,
} from "@hrvend/schemas";

export type Verdict =
  | { ok: true; event: HrEvent; subject: string; key: string }
  | { ok: false; reason: RejectReason; message: string };

export interface AdmitContext {
  now: Date;
  /** How far a device clock may run ahead of ours. Old events (replays) are always fine. */
  maxClockSkewMs: number;
  isKnownMachine(prisonId: string, machineId: string): boolean;
  /** True when `id` is a machine the registry announced: a machine never speaks as an office. */
  isMachine?(id: string): boolean;
  /** The registry source that owns a machine's registration (see KnownMachines). */
  registrarOf?(machineId: string): string | undefined;
}

/**
 * Decides whether one MQTT message enters the stream. Pure: no I/O, time passed in. Checks, in
 * order: topic shape and the kind's source type (parseMqttTopic), size, JSON, contract, topic
 * identity, source identity (a registered machine never publishes an office kind; a machine's
 * registration changes only from the registry source that owns it), device clock, registered
 * machine.
 */
export function admit(topic: string, payload: Uint8Array, ctx: AdmitContext): Verdict {
  let event: HrEvent;
  try {
    const address = parseMqttTopic(topic);
    event = parseEventBytes(payload);
    const actual = addressOf(event);
    const mismatch = (["prisonId", "sourceId", "kind"] as const).filter((k) => actual[k] !== address[k]);
    if (mismatch.length > 0) {
      return reject(
        "topic_mismatch",
        // The topic's values are the broker's (its ACL ties them to the client); the payload's are
        // not quoted: rejection texts never carry payload bytes.
        `payload does not match its topic: ${mismatch.map((k) => `${k} in the payload differs from the topic's '${address[k]}'`).join("; ")}`,
      );
    }
  } catch (e) {
    if (e instanceof ContractError) return reject(e.reason, e.message);
    throw e;
  }
  const source = addressOf(event).sourceId;
  if (!isMachineEvent(event) && ctx.isMachine?.(source)) {
    return reject(
      "wrong_source_type",
      `source '${source}' is a registered machine; a machine may not publish ${event.kind} (only a ${KIND_SOURCE_TYPE[event.kind]} source may)`,
    );
  }
  if (event.kind === "ref_machine") {
    const owner = ctx.registrarOf?.(event.machineId);
    if (owner !== undefined && owner !== source) {
      return reject(
        "wrong_source_type",
        // The machine id is a payload value: not quoted (rejection texts carry no payload bytes).
        `the machine in this ref_machine is registered by registry source '${owner}'; a ref_machine from source '${source}' cannot change it (reference data is ordered per source)`,
      );
    }
  }
  const skewMs = Date.parse(eventTime(event)) - ctx.now.getTime();
  if (skewMs > ctx.maxClockSkewMs) {
    return reject(
      "future_clock",
      `device time is ${Math.round(skewMs / 1000)} s ahead of the gateway's clock; at most ${Math.round(ctx.maxClockSkewMs / 1000)} s is accepted`,
    );
  }
  if (isMachineEvent(event) && !ctx.isKnownMachine(event.prisonId, event.machineId)) {
    return reject(
      "unknown_machine",
      `machine '${event.machineId}' is not registered in prison '${event.prisonId}' (no active ref_machine event)`,
    );
  }
  return { ok: true, event, subject: natsSubject(addressOf(event)), key: eventKey(event) };
}

function reject(reason: RejectReason, message: string): Verdict {
  return { ok: false, reason, message };
}

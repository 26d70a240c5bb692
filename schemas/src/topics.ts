import { ContractError } from "./errors";
import { EVENT_KINDS, type EventKind, eventSource, type HrEvent } from "./event";
import { ID_PATTERN } from "./ids";

export interface Address {
  prisonId: string;
  sourceId: string;
  kind: EventKind;
}

export const MQTT_PREFIX = "hr/v1";
export const SUBJECT_PREFIX = "hr.v1";

export const mqttTopic = (a: Address): string => `${MQTT_PREFIX}/${a.prisonId}/${a.sourceId}/${a.kind}`;
export const natsSubject = (a: Address): string => `${SUBJECT_PREFIX}.${a.prisonId}.${a.sourceId}.${a.kind}`;
export const addressOf = (e: HrEvent): Address => ({
  prisonId: e.prisonId,
  sourceId: eventSource(e),
  kind: e.kind,
});

/**
 * The gateway's subscription: every gateway instance joins shared group `ingest`. It takes the
 * whole hr/v1 tree, not just well-formed topics, so a malformed topic is dead-lettered with its
 * reason instead of vanishing unseen.
 */
export const INGEST_FILTER = `${MQTT_PREFIX}/#`;
export const INGEST_SHARED_SUBSCRIPTION = `$share/ingest/${INGEST_FILTER}`;

export function parseMqttTopic(topic: string): Address {
  return parseAddress(topic, "/", MQTT_PREFIX, "MQTT topic", "hr/v1/{prisonId}/{sourceId}/{kind}");
}

export function parseNatsSubject(subject: string): Address {
  return parseAddress(subject, ".", SUBJECT_PREFIX, "NATS subject", "hr.v1.{prisonId}.{sourceId}.{kind}");
}

function parseAddress(s: string, sep: string, prefix: string, what: string, shape: string): Address {
  const parts = s.split(sep);
  const fail = (detail: string) =>
    new ContractError("bad_topic", `${what} '${s}' ${detail}; expected ${shape}`, [], { topic: s });
  if (parts.length !== 5 || `${parts[0]}${sep}${parts[1]}` !== prefix)
    throw fail("does not have the expected shape");
  const [, , prisonId, sourceId, kind] = parts as [string, string, string, string, string];
  if (!ID_PATTERN.test(prisonId)) throw fail(`has an invalid prisonId '${prisonId}'`);
  if (!ID_PATTERN.test(sourceId)) throw fail(`has an invalid sourceId '${sourceId}'`);
  if (!(EVENT_KINDS as string[]).includes(kind)) {
    throw fail(`names unknown kind '${kind}' (known: ${EVENT_KINDS.join(", ")})`);
  }
  return { prisonId, sourceId, kind: kind as EventKind };
}

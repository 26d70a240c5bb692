import { ContractError } from "./errors";
import {
  EVENT_KINDS,
  type EventKind,
  eventSource,
  type HrEvent,
  KIND_SOURCE_TYPE,
  SOURCE_TYPES,
  type SourceType,
} from "./event";
import { ID_PATTERN } from "./ids";

export interface Address {
  prisonId: string;
  sourceId: string;
  kind: EventKind;
}

export const MQTT_PREFIX = "hr/v1";
export const SUBJECT_PREFIX = "hr.v1";

/**
 * MQTT topics carry the source type: `hr/v1/<prison>/<sourceType>/<sourceId>/<kind>`. The kind's
 * one legitimate source type (KIND_SOURCE_TYPE) must equal the type level, so the grammar itself
 * refuses a census published at a machine's level; the broker's ACL grants each account only its
 * own type level and source id (and its kinds), so a machine cannot claim an office's level.
 */
export const mqttTopic = (a: Address): string =>
  `${MQTT_PREFIX}/${a.prisonId}/${KIND_SOURCE_TYPE[a.kind]}/${a.sourceId}/${a.kind}`;

/** The topic a source of `type` publishes `kind` on (for ACLs and tools; the kind may be `+`). */
export const mqttSourceTopic = (prisonId: string, type: SourceType, sourceId: string, kind: string): string =>
  `${MQTT_PREFIX}/${prisonId}/${type}/${sourceId}/${kind}`;
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

export const MQTT_TOPIC_SHAPE = "hr/v1/{prisonId}/{sourceType}/{sourceId}/{kind}";

export function parseMqttTopic(topic: string): Address {
  const parts = topic.split("/");
  const fail = (detail: string, reason: "bad_topic" | "wrong_source_type" = "bad_topic") =>
    new ContractError(reason, `MQTT topic '${topic}' ${detail}; expected ${MQTT_TOPIC_SHAPE}`, [], {
      topic,
    });
  if (parts.length !== 6 || `${parts[0]}/${parts[1]}` !== MQTT_PREFIX)
    throw fail("does not have the expected shape");
  const [, , prisonId, type, sourceId, kind] = parts as [string, string, string, string, string, string];
  if (!ID_PATTERN.test(prisonId)) throw fail(`has an invalid prisonId '${prisonId}'`);
  if (!(SOURCE_TYPES as readonly string[]).includes(type))
    throw fail(`names unknown source type '${type}' (known: ${SOURCE_TYPES.join(", ")})`);
  if (!ID_PATTERN.test(sourceId)) throw fail(`has an invalid sourceId '${sourceId}'`);
  if (!(EVENT_KINDS as string[]).includes(kind)) {
    throw fail(`names unknown kind '${kind}' (known: ${EVENT_KINDS.join(", ")})`);
  }
  const legitimate = KIND_SOURCE_TYPE[kind as EventKind];
  if (legitimate !== type) {
    throw fail(
      `publishes kind '${kind}' as a ${type} source, but only a ${legitimate} source may publish ${kind}`,
      "wrong_source_type",
    );
  }
  return { prisonId, sourceId, kind: kind as EventKind };
}

export function parseNatsSubject(subject: string): Address {
  const parts = subject.split(".");
  const shape = "hr.v1.{prisonId}.{sourceId}.{kind}";
  const fail = (detail: string) =>
    new ContractError("bad_topic", `NATS subject '${subject}' ${detail}; expected ${shape}`, [], {
      topic: subject,
    });
  if (parts.length !== 5 || `${parts[0]}.${parts[1]}` !== SUBJECT_PREFIX)
    throw fail("does not have the expected shape");
  const [, , prisonId, sourceId, kind] = parts as [string, string, string, string, string];
  if (!ID_PATTERN.test(prisonId)) throw fail(`has an invalid prisonId '${prisonId}'`);
  if (!ID_PATTERN.test(sourceId)) throw fail(`has an invalid sourceId '${sourceId}'`);
  if (!(EVENT_KINDS as string[]).includes(kind)) {
    throw fail(`names unknown kind '${kind}' (known: ${EVENT_KINDS.join(", ")})`);
  }
  return { prisonId, sourceId, kind: kind as EventKind };
}

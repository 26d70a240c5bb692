import {
  EVENT_KINDS,
  type EventKind,
  KIND_SOURCE_TYPE,
  kindsOfSourceType,
  MACHINE_KINDS,
  SOURCE_TYPES,
} from "../event";
import { EXAMPLES } from "../examples";
import { SCHEMA_VERSION } from "../kinds";
import { MQTT_PREFIX, SUBJECT_PREFIX } from "../topics";
import { kindJsonSchema, withoutDialect } from "./json-schema";
import { KIND_DOCS } from "./kind-docs";

const ref = ($ref: string) => ({ $ref });
const isMachineKind = (kind: EventKind) => (MACHINE_KINDS as readonly string[]).includes(kind);

/** Channel ids: the MQTT channel of a kind is the kind itself; its JetStream channel gets a suffix. */
export const mqttChannelId = (kind: EventKind): string => kind;
export const natsChannelId = (kind: EventKind): string => `${kind}_jetstream`;

/**
 * AsyncAPI 3.0.0 description of the message contract: what producers publish on the MQTT broker
 * (`send`), and what services read from NATS JetStream once the gateway accepted it (`receive`).
 */
export function asyncApiDocument(): Record<string, unknown> {
  const channels: Record<string, unknown> = {};
  const operations: Record<string, unknown> = {};
  const messages: Record<string, unknown> = {};
  for (const kind of EVENT_KINDS) {
    const { source, summary } = KIND_DOCS[kind];
    messages[kind] = {
      name: kind,
      title: kind,
      summary,
      contentType: "application/json",
      payload: withoutDialect(kindJsonSchema(kind)),
      examples: [{ name: "branesti", payload: EXAMPLES[kind] }],
    };
    const message = { [kind]: ref(`#/components/messages/${kind}`) };
    channels[mqttChannelId(kind)] = {
      // The type level is fixed per kind (KIND_SOURCE_TYPE): the broker's ACL and the gateway's
      // grammar refuse the kind under any other source type.
      address: `${MQTT_PREFIX}/{prisonId}/${KIND_SOURCE_TYPE[kind]}/{sourceId}/${kind}`,
      title: `${kind} (MQTT)`,
      messages: message,
      parameters: { prisonId: ref("#/components/parameters/prisonId"), sourceId: sourceParameter(kind) },
      servers: [ref("#/servers/production"), ref("#/servers/mosquitto")],
    };
    channels[natsChannelId(kind)] = {
      address: `${SUBJECT_PREFIX}.{prisonId}.{sourceId}.${kind}`,
      title: `${kind} (JetStream)`,
      messages: message,
      parameters: { prisonId: ref("#/components/parameters/prisonId"), sourceId: sourceParameter(kind) },
      servers: [ref("#/servers/nats")],
    };
    operations[`send_${kind}`] = {
      action: "send",
      title: `A ${source} publishes ${kind}`,
      description: `Only a source of type ${KIND_SOURCE_TYPE[kind]} may publish ${kind}; its broker account may publish nothing else and subscribe to nothing.`,
      channel: ref(`#/channels/${mqttChannelId(kind)}`),
      messages: [ref(`#/channels/${mqttChannelId(kind)}/messages/${kind}`)],
      tags: [{ name: `source:${KIND_SOURCE_TYPE[kind]}` }],
      bindings: { mqtt: { qos: 1, retain: false, bindingVersion: "0.2.0" } },
    };
    operations[`receive_${kind}`] = {
      action: "receive",
      title: `Services consume accepted ${kind} events`,
      channel: ref(`#/channels/${natsChannelId(kind)}`),
      messages: [ref(`#/channels/${natsChannelId(kind)}/messages/${kind}`)],
    };
  }
  return {
    asyncapi: "3.0.0",
    info: {
      title: "hrvend events",
      version: `${SCHEMA_VERSION}.0.0`,
      description: [
        "Telemetry and supply events of harm-reduction vending machines in prisons, and the census,",
        "OAT register and reference data that enter the same stream. Every payload is JSON with",
        "`v` (schema version), `kind`, `prisonId`, a source (`machineId` for machines, `sourceId`",
        "otherwise) and a per-source monotonic `seq`. The event key `{source}:{seq}` travels end",
        "to end (JetStream `Nats-Msg-Id`, primary key of every write). Generated from the zod",
        "contract in @hrvend/schemas; do not edit by hand.",
        "",
        "",
        "Topic grammar: `hr/v1/{prisonId}/{sourceType}/{sourceId}/{kind}`. Each kind has one source",
        "type; a source's broker account (username = client id = source id) may publish only its",
        "type's kinds under its own id, and subscribe to nothing:",
        "",
        "",
        ...topicGrammar(),
      ].join("\n"),
      license: { name: "Apache-2.0", url: "https://www.apache.org/licenses/LICENSE-2.0" },
    },
    defaultContentType: "application/json",
    servers: {
      production: {
        host: "{brokerHost}:8883",
        protocol: "secure-mqtt",
        protocolVersion: "3.1.1",
        title: "Production broker (MQTT over TLS)",
        description:
          "The deployment's Mosquitto broker on port 8883, TLS 1.2 or later, its certificate signed by the " +
          "deployment's CA (given in each machine's provisioning bundle). Every source authenticates with its " +
          "own username and password (username = client id = source id; `hrvend machines add` creates a " +
          "machine's account and prints its bundle). QoS 1, persistent sessions (clean session false).",
        variables: {
          brokerHost: {
            description: "The deployment's broker host name, as the provisioning bundle gives it.",
            default: "mqtt.hrvend.example",
          },
        },
        security: [ref("#/components/securitySchemes/sourceAccount")],
        bindings: { mqtt: { cleanSession: false, bindingVersion: "0.2.0" } },
      },
      mosquitto: {
        host: "localhost:1883",
        protocol: "mqtt",
        protocolVersion: "3.1.1",
        description:
          "MQTT broker the machines and office sources publish to (QoS 1, persistent sessions, one set " +
          "of credentials per source, each allowed only its own kinds under its own topic " +
          "hr/v1/{prisonId}/{sourceType}/{sourceId}/{kind}, and no subscription). Development and tests " +
          "only (plain MQTT on loopback); the host is a placeholder.",
        bindings: { mqtt: { cleanSession: false, bindingVersion: "0.2.0" } },
      },
      nats: {
        host: "localhost:4222",
        protocol: "nats",
        description:
          "NATS JetStream. The gateway validates each MQTT message and publishes the accepted event " +
          "on the matching subject with `Nats-Msg-Id` set to the event key; rejects go to a dead-letter " +
          "stream with their reason. The host is a placeholder.",
      },
    },
    channels,
    operations,
    components: {
      securitySchemes: {
        sourceAccount: {
          type: "userPassword",
          description:
            "MQTT username and password of one source, sent only over TLS (port 8883). The username and the " +
            "MQTT client id are both the source id (a machine's id for a machine); the broker refuses any " +
            "other client id for the account, every topic outside the source's own, and every subscription.",
        },
      },
      parameters: {
        prisonId: { description: "The prison's id.", examples: ["md-branesti"] },
        machineId: { description: "The publishing machine's id.", examples: ["md-branesti-m1"] },
        sourceId: {
          description: "The id of the office system that numbers the events (census, health unit, registry).",
          examples: ["md-branesti-census", "md-branesti-health", "md-anp-registry"],
        },
      },
      messages,
    },
  };
}

/** The topic's source level is the machine for machine kinds, the office source otherwise. */
function sourceParameter(kind: EventKind) {
  return ref(`#/components/parameters/${isMachineKind(kind) ? "machineId" : "sourceId"}`);
}

/** One line per source type: its topic and the kinds it may publish (KIND_SOURCE_TYPE). */
function topicGrammar(): string[] {
  return SOURCE_TYPES.map((type) => {
    const kinds = kindsOfSourceType(type);
    return `- \`${type}\`: \`${MQTT_PREFIX}/{prisonId}/${type}/{sourceId}/{kind}\`, kind one of ${
      kinds.length === 0 ? "none yet" : kinds.map((k) => `\`${k}\``).join(", ")
    }`;
  });
}

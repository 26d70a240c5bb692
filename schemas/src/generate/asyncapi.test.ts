import { Parser } from "@asyncapi/parser";
import { describe, expect, it } from "vitest";
import { EVENT_KINDS, MACHINE_KINDS } from "../event";
import { EXAMPLES } from "../examples";
import { asyncApiDocument, mqttChannelId, natsChannelId } from "./asyncapi";
import { jsonText } from "./generated-files";
import { kindJsonSchema, withoutDialect } from "./json-schema";

const ERROR = 0;

async function parse(document: unknown) {
  const { document: parsed, diagnostics } = await new Parser().parse(jsonText(document));
  const errors = diagnostics.filter((d) => d.severity === ERROR);
  return { parsed, errors: errors.map((d) => `${d.path.join(".")}: ${d.message}`) };
}

/** Each kind's one legitimate source type, as docs/architecture.md and issue #14 list them. */
const LEGITIMATE_SOURCE_TYPE: Record<string, string> = {
  dispense: "machine",
  dispense_refused: "machine",
  restock: "machine",
  stock_adjustment: "machine",
  heartbeat: "machine",
  fault: "machine",
  status: "machine",
  ref_prison: "registry",
  ref_machine: "registry",
  ref_item: "registry",
  census: "census_office",
  oat: "health_unit",
  alert_ack: "operator",
};

describe("asyncApiDocument", () => {
  const document = asyncApiDocument();
  // Parsing takes about half a second; the read-only checks share one parse.
  const once = parse(document);

  it("is a valid AsyncAPI 3.0.0 document", async () => {
    const { parsed, errors } = await once;
    expect(errors).toEqual([]);
    expect(parsed?.version()).toBe("3.0.0");
    expect(
      parsed
        ?.servers()
        .all()
        .map((s) => [s.id(), s.protocol(), s.host()]),
    ).toEqual([
      ["production", "secure-mqtt", "{brokerHost}:8883"],
      ["mosquitto", "mqtt", "localhost:1883"],
      ["nats", "nats", "localhost:4222"],
    ]);
  });

  it("names the production broker: TLS on 8883, each source's username and password", async () => {
    const { parsed } = await once;
    const production = parsed?.servers().get("production");
    expect(production?.protocol()).toBe("secure-mqtt");
    expect(production?.host()).toMatch(/:8883$/);
    const schemes = production?.security().flatMap((req) => req.all().map((r) => r.scheme().type()));
    expect(schemes).toEqual(["userPassword"]);
    expect((document["servers"] as Record<string, { security: unknown }>)["production"]?.security).toEqual([
      { $ref: "#/components/securitySchemes/sourceAccount" },
    ]);
    // Plain MQTT is for loopback development only: no security scheme is offered on it.
    expect(parsed?.servers().get("mosquitto")?.security()).toEqual([]);
  });

  it("states the topic grammar of every source type with exactly its kinds", () => {
    const description = (document["info"] as { description: string }).description;
    for (const type of new Set(Object.values(LEGITIMATE_SOURCE_TYPE))) {
      const kinds = Object.keys(LEGITIMATE_SOURCE_TYPE).filter((k) => LEGITIMATE_SOURCE_TYPE[k] === type);
      const line = description.split("\n").find((l) => l.startsWith(`- \`${type}\``));
      expect(line, type).toContain(`hr/v1/{prisonId}/${type}/{sourceId}/{kind}`);
      const listed = [...(line ?? "").matchAll(/`([a-z_]+)`/g)].map((m) => m[1]).slice(1);
      expect(listed.sort(), type).toEqual(kinds.sort());
    }
    expect(description).toContain(
      "- `outreach`: `hr/v1/{prisonId}/outreach/{sourceId}/{kind}`, kind one of none yet",
    );
  });

  it("is checked by a parser that does find errors", async () => {
    const broken = structuredClone(document) as { channels: Record<string, { messages: object }> };
    broken.channels["dispense"]!.messages = { dispense: { $ref: "#/components/messages/vend" } };
    expect((await parse(broken)).errors).not.toEqual([]);
  });

  it("has one MQTT channel per kind, with prison and source parameters, sent with QoS 1", async () => {
    const { parsed } = await once;
    for (const kind of EVENT_KINDS) {
      const channel = parsed?.channels().get(mqttChannelId(kind));
      expect(channel?.address()).toBe(`hr/v1/{prisonId}/${LEGITIMATE_SOURCE_TYPE[kind]}/{sourceId}/${kind}`);
      expect(
        channel
          ?.servers()
          .all()
          .map((s) => s.id()),
      ).toEqual(["production", "mosquitto"]);
      expect(
        channel
          ?.parameters()
          .all()
          .map((p) => p.id()),
      ).toEqual(["prisonId", "sourceId"]);
      expect(
        channel
          ?.messages()
          .all()
          .map((m) => m.id()),
      ).toEqual([kind]);
      const send = parsed?.operations().get(`send_${kind}`);
      expect(send?.action()).toBe("send");
      expect(send?.bindings().get("mqtt")?.value()).toMatchObject({ qos: 1 });
    }
    const mqtt = parsed?.channels().filterBy((c) => c.servers().has("mosquitto"));
    expect(mqtt).toHaveLength(EVENT_KINDS.length);
  });

  it("has one JetStream channel per kind, received by the services", async () => {
    const { parsed } = await once;
    for (const kind of EVENT_KINDS) {
      const channel = parsed?.channels().get(natsChannelId(kind));
      expect(channel?.address()).toBe(`hr.v1.{prisonId}.{sourceId}.${kind}`);
      expect(
        channel
          ?.servers()
          .all()
          .map((s) => s.id()),
      ).toEqual(["nats"]);
      expect(parsed?.operations().get(`receive_${kind}`)?.action()).toBe("receive");
    }
    expect(parsed?.channels().filterBy((c) => c.servers().has("nats"))).toHaveLength(EVENT_KINDS.length);
  });

  it("names the machine as the source of machine kinds, the office source otherwise", () => {
    const channels = document["channels"] as Record<string, { parameters: { sourceId: { $ref: string } } }>;
    for (const kind of EVENT_KINDS) {
      const machine = (MACHINE_KINDS as readonly string[]).includes(kind);
      expect(channels[kind]?.parameters.sourceId.$ref).toBe(
        `#/components/parameters/${machine ? "machineId" : "sourceId"}`,
      );
    }
  });

  it("has one message per kind whose payload is the kind's JSON Schema, with its example", async () => {
    const { parsed } = await once;
    expect(parsed?.messages().all()).toHaveLength(EVENT_KINDS.length);
    const messages = (document["components"] as { messages: Record<string, Record<string, unknown>> })
      .messages;
    for (const kind of EVENT_KINDS) {
      expect(messages[kind]?.["payload"]).toEqual(withoutDialect(kindJsonSchema(kind)));
      expect(messages[kind]?.["examples"]).toEqual([{ name: "branesti", payload: EXAMPLES[kind] }]);
    }
  });
});

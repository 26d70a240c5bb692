import { describe, expect, it } from "vitest";
import { ContractError } from "./errors";
import { EVENT_KINDS } from "./event";
import { EXAMPLES } from "./examples";
import { expectRejected } from "./test-helpers";
import {
  addressOf,
  INGEST_FILTER,
  INGEST_SHARED_SUBSCRIPTION,
  mqttTopic,
  natsSubject,
  parseMqttTopic,
  parseNatsSubject,
} from "./topics";

describe("topics and subjects", () => {
  it("address a machine event by prison, machine and kind", () => {
    const address = addressOf(EXAMPLES.dispense);
    expect(address).toEqual({ prisonId: "md-branesti", sourceId: "md-branesti-m1", kind: "dispense" });
    expect(mqttTopic(address)).toBe("hr/v1/md-branesti/machine/md-branesti-m1/dispense");
    expect(natsSubject(address)).toBe("hr.v1.md-branesti.md-branesti-m1.dispense");
  });

  it("address an office event by its sourceId", () => {
    expect(mqttTopic(addressOf(EXAMPLES.census))).toBe(
      "hr/v1/md-branesti/census_office/md-branesti-census/census",
    );
    expect(mqttTopic(addressOf(EXAMPLES.oat))).toBe("hr/v1/md-branesti/health_unit/md-branesti-health/oat");
    expect(mqttTopic(addressOf(EXAMPLES.ref_machine))).toBe(
      "hr/v1/md-branesti/registry/md-anp-registry/ref_machine",
    );
    expect(natsSubject(addressOf(EXAMPLES.ref_machine))).toBe(
      "hr.v1.md-branesti.md-anp-registry.ref_machine",
    );
  });

  it.each(EVENT_KINDS)("round-trip the %s example through topic and subject", (kind) => {
    const address = addressOf(EXAMPLES[kind]);
    expect(parseMqttTopic(mqttTopic(address))).toEqual(address);
    expect(parseNatsSubject(natsSubject(address))).toEqual(address);
  });

  it("subscribe the gateway to every topic, shared by group ingest", () => {
    expect(INGEST_FILTER).toBe("hr/v1/#");
    expect(INGEST_SHARED_SUBSCRIPTION).toBe("$share/ingest/hr/v1/#");
  });
});

describe("parseMqttTopic", () => {
  const M = "hr/v1/md-branesti/machine/md-branesti-m1";
  it.each([
    ["wrong prefix", "hr/v2/md-branesti/machine/md-branesti-m1/dispense", "does not have the expected shape"],
    [
      "another tree",
      "telemetry/v1/md-branesti/machine/md-branesti-m1/dispense",
      "does not have the expected shape",
    ],
    [
      "the old shape without a type level",
      "hr/v1/md-branesti/md-branesti-m1/dispense",
      "does not have the expected shape",
    ],
    ["too many levels", `${M}/s1/dispense`, "does not have the expected shape"],
    ["a trailing slash", `${M}/dispense/`, "does not have the expected shape"],
    ["an empty prisonId", "hr/v1//machine/md-branesti-m1/dispense", "invalid prisonId ''"],
    [
      "a prisonId with '.'",
      "hr/v1/md.branesti/machine/md-branesti-m1/dispense",
      "invalid prisonId 'md.branesti'",
    ],
    [
      "an unknown source type",
      "hr/v1/md-branesti/vendor/md-branesti-m1/dispense",
      "names unknown source type 'vendor'",
    ],
    [
      "a wildcard source type",
      "hr/v1/md-branesti/+/md-branesti-m1/dispense",
      "names unknown source type '+'",
    ],
    ["a wildcard sourceId", "hr/v1/md-branesti/machine/+/dispense", "invalid sourceId '+'"],
    ["a sourceId with a space", "hr/v1/md-branesti/machine/m 1/dispense", "invalid sourceId 'm 1'"],
    ["an unknown kind", `${M}/vend`, "names unknown kind 'vend'"],
  ])("rejects %s", (_, topic, detail) => {
    const error = expectRejected(() => parseMqttTopic(topic), {
      reason: "bad_topic",
      says: [`MQTT topic '${topic}'`, detail, "expected hr/v1/{prisonId}/{sourceType}/{sourceId}/{kind}"],
    });
    expect(error.context).toEqual({ topic });
  });

  it("lists the known kinds when the kind is unknown", () => {
    expectRejected(() => parseMqttTopic(`${M}/Dispense`), {
      reason: "bad_topic",
      says: [`known: ${EVENT_KINDS.join(", ")}`],
    });
  });

  // Every kind under every type level other than its one legitimate type (docs/architecture.md:
  // machine kinds from machines, ref_* from the registry, census from the census office, oat
  // from the health unit).
  const legitimate: [string, string][] = [
    ["dispense", "machine"],
    ["dispense_refused", "machine"],
    ["restock", "machine"],
    ["stock_adjustment", "machine"],
    ["heartbeat", "machine"],
    ["fault", "machine"],
    ["status", "machine"],
    ["ref_prison", "registry"],
    ["ref_machine", "registry"],
    ["ref_item", "registry"],
    ["census", "census_office"],
    ["oat", "health_unit"],
  ];
  const types = ["machine", "registry", "census_office", "health_unit", "outreach", "operator"];
  it.each(legitimate.flatMap(([kind, own]) => types.filter((t) => t !== own).map((t) => [kind, t, own])))(
    "refuses %s published at source type %s (only %s)",
    (kind, type, own) => {
      const topic = `hr/v1/md-branesti/${type}/src-1/${kind}`;
      expectRejected(() => parseMqttTopic(topic), {
        reason: "wrong_source_type",
        says: [`MQTT topic '${topic}'`, `as a ${type} source`, `only a ${own} source may publish ${kind}`],
      });
    },
  );

  it.each(legitimate)("accepts %s at its own source type %s", (kind, own) => {
    expect(parseMqttTopic(`hr/v1/md-branesti/${own}/src-1/${kind}`)).toEqual({
      prisonId: "md-branesti",
      sourceId: "src-1",
      kind,
    });
  });
});

describe("parseNatsSubject", () => {
  it.each([
    ["an MQTT topic", "hr/v1/md-branesti/md-branesti-m1/dispense", "does not have the expected shape"],
    ["wrong prefix", "hr.v2.md-branesti.md-branesti-m1.dispense", "does not have the expected shape"],
    ["too few tokens", "hr.v1.md-branesti.dispense", "does not have the expected shape"],
    ["too many tokens", "hr.v1.md-branesti.md-branesti-m1.s1.dispense", "does not have the expected shape"],
    ["a wildcard prisonId", "hr.v1.*.md-branesti-m1.dispense", "invalid prisonId '*'"],
    ["a sourceId with ':'", "hr.v1.md-branesti.m:1.dispense", "invalid sourceId 'm:1'"],
    ["an unknown kind", "hr.v1.md-branesti.md-branesti-m1.>", "names unknown kind '>'"],
  ])("rejects %s", (_, subject, detail) => {
    expectRejected(() => parseNatsSubject(subject), {
      reason: "bad_topic",
      says: [`NATS subject '${subject}'`, detail, "expected hr.v1.{prisonId}.{sourceId}.{kind}"],
    });
  });

  it("throws ContractError with no field problems: the topic is not a field", () => {
    try {
      parseNatsSubject("hr.v1");
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ContractError);
      expect((error as ContractError).problems).toEqual([]);
    }
  });
});

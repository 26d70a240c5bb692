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
    expect(mqttTopic(address)).toBe("hr/v1/md-branesti/md-branesti-m1/dispense");
    expect(natsSubject(address)).toBe("hr.v1.md-branesti.md-branesti-m1.dispense");
  });

  it("address an office event by its sourceId", () => {
    expect(mqttTopic(addressOf(EXAMPLES.census))).toBe("hr/v1/md-branesti/md-branesti-census/census");
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
  it.each([
    ["wrong prefix", "hr/v2/md-branesti/md-branesti-m1/dispense", "does not have the expected shape"],
    ["another tree", "telemetry/v1/md-branesti/md-branesti-m1/dispense", "does not have the expected shape"],
    ["too few levels", "hr/v1/md-branesti/dispense", "does not have the expected shape"],
    ["too many levels", "hr/v1/md-branesti/md-branesti-m1/s1/dispense", "does not have the expected shape"],
    ["a trailing slash", "hr/v1/md-branesti/md-branesti-m1/dispense/", "does not have the expected shape"],
    ["an empty prisonId", "hr/v1//md-branesti-m1/dispense", "invalid prisonId ''"],
    ["a prisonId with '.'", "hr/v1/md.branesti/md-branesti-m1/dispense", "invalid prisonId 'md.branesti'"],
    ["a wildcard sourceId", "hr/v1/md-branesti/+/dispense", "invalid sourceId '+'"],
    ["a sourceId with a space", "hr/v1/md-branesti/m 1/dispense", "invalid sourceId 'm 1'"],
    ["an unknown kind", "hr/v1/md-branesti/md-branesti-m1/vend", "names unknown kind 'vend'"],
  ])("rejects %s", (_, topic, detail) => {
    const error = expectRejected(() => parseMqttTopic(topic), {
      reason: "bad_topic",
      says: [`MQTT topic '${topic}'`, detail, "expected hr/v1/{prisonId}/{sourceId}/{kind}"],
    });
    expect(error.context).toEqual({ topic });
  });

  it("lists the known kinds when the kind is unknown", () => {
    expectRejected(() => parseMqttTopic("hr/v1/md-branesti/md-branesti-m1/Dispense"), {
      reason: "bad_topic",
      says: [`known: ${EVENT_KINDS.join(", ")}`],
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

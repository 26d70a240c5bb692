import { createHmac } from "node:crypto";
import { CardToken } from "@hrvend/schemas";
import { describe, expect, it } from "vitest";
import { loadScenario } from "../scenario/load-scenario";
import { cardToken, cardTokenKey } from "./card-token";
import { deviceCredentials } from "./device-credentials";
import { devicePassword } from "./device-password";

describe("device credentials and card tokens", () => {
  it("derives the MQTT password as base64url(HMAC-SHA256(secret, 'mqtt:' + machineId))", () => {
    const expected = createHmac("sha256", "s3cret-s3cret-s3cret")
      .update("mqtt:md-p13-m1")
      .digest("base64url");
    expect(devicePassword("s3cret-s3cret-s3cret", "md-p13-m1")).toBe(expected);
    expect(devicePassword("s3cret-s3cret-s3cret", "md-p13-m2")).not.toBe(expected);
  });

  it("derives the card-token key from the secret and tokens of 22 base64url characters", () => {
    const key = cardTokenKey("s3cret-s3cret-s3cret");
    expect(key).toEqual(createHmac("sha256", "s3cret-s3cret-s3cret").update("card-token-key").digest());
    const token = cardToken(key, "04A1B2C3D4E5F6");
    expect(token).toHaveLength(22);
    expect(CardToken.safeParse(token).success).toBe(true);
    expect(token).toBe(cardToken(key, "04A1B2C3D4E5F6"));
    expect(token).not.toBe(cardToken(cardTokenKey("another-secret-entirely"), "04A1B2C3D4E5F6"));
    expect(token).not.toContain("04A1B2C3D4E5F6");
  });
});

describe("deviceCredentials", () => {
  it("gives every machine and every office source its own account, limited to its own kinds under its own type level", () => {
    const creds = deviceCredentials(loadScenario("small").scenario, "s3cret-s3cret-s3cret");
    expect(creds.map((c) => c.username)).toEqual([
      "sm-north-m1",
      "sm-north-m2",
      "sm-south-m1",
      "registry",
      "sm-north-census",
      "sm-north-health",
      "sm-south-census",
      "sm-south-health",
    ]);
    const machineKinds = [
      "dispense",
      "dispense_refused",
      "restock",
      "stock_adjustment",
      "heartbeat",
      "fault",
      "status",
    ];
    expect(creds[0]).toEqual({
      username: "sm-north-m1",
      clientId: "sm-north-m1",
      password: devicePassword("s3cret-s3cret-s3cret", "sm-north-m1"),
      publish: machineKinds.map((k) => `hr/v1/sm-north/machine/sm-north-m1/${k}`),
    });
    const registry = creds.find((c) => c.username === "registry");
    expect(registry?.publish.sort()).toEqual(
      ["programme", "sm-north", "sm-south"]
        .flatMap((p) =>
          ["ref_prison", "ref_machine", "ref_item"].map((k) => `hr/v1/${p}/registry/registry/${k}`),
        )
        .sort(),
    );
    expect(creds.find((c) => c.username === "sm-south-census")?.publish).toEqual([
      "hr/v1/sm-south/census_office/sm-south-census/census",
    ]);
    expect(creds.find((c) => c.username === "sm-south-health")?.publish).toEqual([
      "hr/v1/sm-south/health_unit/sm-south-health/oat",
    ]);
    expect(new Set(creds.map((c) => c.password)).size).toBe(creds.length);
  });
});

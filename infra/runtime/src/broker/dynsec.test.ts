import { pbkdf2Sync } from "node:crypto";
import { describe, expect, it } from "vitest";
import { deviceUser, type MqttUser, sourceUser } from "./accounts";
import { aclsOf, dynsecCommands, dynsecConfig, roleOf } from "./dynsec";

const send = (topic: string) => ({ acltype: "publishClientSend", topic, allow: true, priority: 0 });

describe("broker accounts for the dynamic-security plugin", () => {
  it("gives a machine exactly its seven kinds under its own prison and id, its own client id, and no subscription", () => {
    const u = deviceUser("p1", "m1", "pw");
    expect(u.clientId).toBe("m1");
    expect(aclsOf(u)).toEqual(
      ["dispense", "dispense_refused", "restock", "stock_adjustment", "heartbeat", "fault", "status"].map(
        (k) => send(`hr/v1/p1/machine/m1/${k}`),
      ),
    );
  });

  it("gives office sources their own kinds only (registry: three, for each prison given)", () => {
    expect(aclsOf(sourceUser("p1", "census_office", "p1-census", "pw"))).toEqual([
      send("hr/v1/p1/census_office/p1-census/census"),
    ]);
    expect(aclsOf(sourceUser(["programme", "p1"], "registry", "registry", "pw")).map((a) => a.topic)).toEqual(
      [
        "hr/v1/programme/registry/registry/ref_prison",
        "hr/v1/programme/registry/registry/ref_machine",
        "hr/v1/programme/registry/registry/ref_item",
        "hr/v1/p1/registry/registry/ref_prison",
        "hr/v1/p1/registry/registry/ref_machine",
        "hr/v1/p1/registry/registry/ref_item",
      ],
    );
  });

  it("lets a reader subscribe to its filter plainly or in any $share group, and receive it", () => {
    expect(aclsOf({ username: "gw", password: "x", subscribe: ["hr/v1/#"] })).toEqual([
      { acltype: "subscribePattern", topic: "hr/v1/#", allow: true, priority: 0 },
      { acltype: "subscribePattern", topic: "$share/+/hr/v1/#", allow: true, priority: 0 },
      { acltype: "publishClientReceive", topic: "hr/v1/#", allow: true, priority: 0 },
    ]);
  });

  it("writes a config that denies everything by default, hashes passwords as the plugin does, binds client ids", () => {
    const admin = { username: "admin", password: "apw", port: 1 };
    const config = dynsecConfig([deviceUser("p1", "m1", "secret")], admin) as {
      defaultACLAccess: Record<string, boolean>;
      clients: { username: string; clientid?: string; password: string; salt: string; iterations: number }[];
    };
    expect(config.defaultACLAccess).toEqual({
      publishClientSend: false,
      publishClientReceive: false,
      subscribe: false,
      unsubscribe: true,
    });
    const m1 = config.clients.find((c) => c.username === "m1")!;
    expect(m1.clientid).toBe("m1");
    const salt = Buffer.from(m1.salt, "base64");
    expect(salt).toHaveLength(12);
    // dynamic-security/auth.c: PBKDF2-HMAC-SHA512 over the password with the stored salt.
    expect(m1.password).toBe(pbkdf2Sync("secret", salt, m1.iterations, 64, "sha512").toString("base64"));
    expect(JSON.stringify(config)).not.toContain("secret");
  });

  it("changes only accounts that differ: an unchanged account is not touched (the plugin would disconnect it)", () => {
    const a = deviceUser("p1", "m1", "pw");
    const b = deviceUser("p1", "m2", "pw");
    const before = new Map<string, MqttUser>([
      ["m1", a],
      ["m2", b],
    ]);
    const after = new Map<string, MqttUser>([
      ["m1", a],
      ["m2", { ...b, password: "new" }],
      ["m3", deviceUser("p1", "m3", "pw")],
    ]);
    const { commands, tolerated } = dynsecCommands(before, after);
    expect(commands.map((c) => [c.command, c["username"] ?? c["rolename"]])).toEqual([
      ["deleteClient", "m2"],
      ["deleteRole", roleOf("m2")],
      ["createRole", roleOf("m2")],
      ["createClient", "m2"],
      ["deleteClient", "m3"],
      ["deleteRole", roleOf("m3")],
      ["createRole", roleOf("m3")],
      ["createClient", "m3"],
    ]);
    expect([...tolerated]).toEqual([0, 1, 4, 5]);
    const removed = dynsecCommands(after, new Map([["m1", a]])).commands;
    expect(removed.map((c) => c.command)).toEqual([
      "deleteClient",
      "deleteRole",
      "deleteClient",
      "deleteRole",
    ]);
  });
});

import { describe, expect, it } from "vitest";
import { RulesFileError } from "./errors";
import { routeFor } from "./route";
import { parseRules } from "./rules";

const yaml = `
defaultTimeZone: Europe/Chisinau
severities:
  low_stock: info
contacts:
  - { id: duty-p13, channel: email, address: duty@p13.example.org, language: ro, quietHours: { from: "22:00", to: "07:00" } }
  - { id: chat, channel: webhook, url: "https://chat.example.org/hook", language: en }
  - { id: national, channel: email, address: national@example.org, language: en }
rules:
  - match: { prisons: [md-p13], severities: [critical] }
    contacts: [duty-p13, chat, national]
    escalateAfterMinutes: 20
  - match: { types: [low_stock, lot_expiring] }
    contacts: [chat]
    reminderMinutes: 0
  - contacts: [national]
`;

describe("rules file", () => {
  const rules = parseRules(yaml, "rules.yaml");
  it("routes by prison, alert type and severity, first match wins, contacts in order", () => {
    const r = routeFor(rules, { prisonId: "md-p13", type: "stockout" });
    expect(r?.rule).toBe(0);
    expect(r?.severity).toBe("critical");
    expect(r?.contacts.map((c) => c.id)).toEqual(["duty-p13", "chat", "national"]);
    expect(r?.escalateAfterMinutes).toBe(20);
    expect(r?.reminderMinutes).toBe(60); // the default
  });
  it("a warning at the same prison falls through to the next matching rule", () => {
    expect(routeFor(rules, { prisonId: "md-p13", type: "lot_expiring" })?.rule).toBe(1);
    expect(routeFor(rules, { prisonId: "md-p13", type: "door_open" })?.rule).toBe(2);
    expect(routeFor(rules, { prisonId: "md-p18", type: "stockout" })?.rule).toBe(2);
  });
  it("the file's severities override the defaults (low stock as info)", () => {
    expect(routeFor(rules, { prisonId: "md-p13", type: "low_stock" })?.severity).toBe("info");
  });
  it("an alert no rule matches has no route", () => {
    const only = parseRules(yaml.replace("  - contacts: [national]\n", ""), "r.yaml");
    expect(routeFor(only, { prisonId: "md-p18", type: "door_open" })).toBeUndefined();
  });
  it.each([
    "http://127.0.0.1:8080/hook",
    "http://127.1.2.3/hook",
    "http://localhost:9000/hook",
    "http://[::1]:9000/hook",
  ])("accepts plain http to a receiver on loopback (%s)", (url) => {
    const r = parseRules(yaml.replace("https://chat.example.org/hook", url), "rules.yaml");
    expect(r.contacts.find((c) => c.id === "chat")).toMatchObject({ channel: "webhook", url });
  });
  it("JSON is accepted as well", () => {
    const json = JSON.stringify({
      contacts: [{ id: "a", channel: "email", address: "a@example.org", language: "en" }],
      rules: [{ contacts: ["a"] }],
    });
    expect(parseRules(json, "r.json").defaultTimeZone).toBe("UTC");
  });
  it.each([
    [
      "an unknown contact id in a rule",
      yaml.replace("[chat]\n", "[chatt]\n"),
      /rules\.1\.contacts\.0: no contact with id 'chatt'/,
    ],
    [
      "a duplicate contact id",
      yaml.replace("id: national", "id: chat"),
      /contacts\.2\.id: duplicate contact id 'chat'/,
    ],
    ["a bad e-mail address", yaml.replace("duty@p13.example.org", "duty-at-p13"), /contacts\.0\.address/],
    [
      "a webhook that is not http(s)",
      yaml.replace("https://chat.example.org/hook", "ftp://x/y"),
      /contacts\.1\.url/,
    ],
    [
      "a plain-http webhook on another host",
      yaml.replace("https://chat.example.org/hook", "http://chat.example.org/hook"),
      /contacts\.1\.url: an https:\/\/ URL/,
    ],
    [
      "a plain-http webhook on a host named like loopback",
      yaml.replace("https://chat.example.org/hook", "http://127.0.0.1.example.org/hook"),
      /contacts\.1\.url: an https:\/\/ URL/,
    ],
    [
      "a plain-http webhook on a private address",
      yaml.replace("https://chat.example.org/hook", "http://10.0.0.7:8080/hook"),
      /contacts\.1\.url: an https:\/\/ URL/,
    ],
    [
      "an unknown alert type",
      yaml.replace("[low_stock, lot_expiring]", "[low_stok]"),
      /rules\.1\.match\.types\.0/,
    ],
    ["a bad quiet-hours time", yaml.replace('"22:00"', '"24:00"'), /quietHours\.from/],
    ["a bad time zone", yaml.replace("Europe/Chisinau", "Europe/Atlantis"), /defaultTimeZone/],
    ["an unknown language", yaml.replace("language: ro", "language: xx"), /contacts\.0\.language/],
    ["a field that does not exist", yaml.replace("reminderMinutes: 0", "reminderMinuts: 0"), /rules\.1/],
    [
      "duplicate YAML keys",
      yaml.replace("reminderMinutes: 0", "reminderMinutes: 0\n    reminderMinutes: 5"),
      /not YAML or JSON/,
    ],
    ["no YAML at all", "contacts: [", /not YAML or JSON/],
  ])("refuses %s with a named error and the path", (_, text, message) => {
    let err: unknown;
    try {
      parseRules(text, "rules.yaml");
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(RulesFileError);
    expect((err as Error).message).toMatch(/rules\.yaml/);
    expect((err as Error).message).toMatch(message);
  });
});

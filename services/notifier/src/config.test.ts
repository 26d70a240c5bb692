import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { loadNotifierConfig, NotifierEnv } from "./config";
import { RulesFileError } from "./domain";

const DEPLOY = fileURLToPath(new URL("../../../infra/deploy/", import.meta.url));
/** systemd's EnvironmentFile: KEY=value lines, # comments. */
const envFile = (path: string): Record<string, string> =>
  Object.fromEntries(
    readFileSync(join(DEPLOY, path), "utf8")
      .split("\n")
      .filter((l) => l.trim() !== "" && !l.startsWith("#"))
      .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
  );

describe("the notifier's deployment files (infra/deploy)", () => {
  const env = {
    ...envFile("env/notifier.env"),
    ...envFile("env/secrets.example/notifier.env"),
    RULES_FILE: join(DEPLOY, "notifier/rules.example.yaml"),
  };
  it("the unit's env files and the example rules pass the config loader", () => {
    const c = loadNotifierConfig(env);
    expect(c.rules.contacts.map((x) => x.id)).toContain("ops-chat");
    expect(c.NATS_USER).toBe("notifier");
    expect(c.DATABASE_URL).toMatch(/^postgres:\/\/hrvend_notifier:/);
  });
  it("sets only variables the schema knows (zod would drop a misspelt one silently)", () => {
    const known = Object.keys(NotifierEnv.shape);
    expect(Object.keys(env).filter((k) => !known.includes(k))).toEqual([]);
  });
  it("the unit loads exactly those files and runs the notifier's main", () => {
    const unit = readFileSync(join(DEPLOY, "systemd/hrvend-notifier.service"), "utf8");
    expect(unit.match(/^EnvironmentFile=.*$/gm)).toEqual([
      "EnvironmentFile=/etc/hrvend/notifier.env",
      "EnvironmentFile=/etc/hrvend/secrets/notifier.env",
    ]);
    expect(unit).toMatch(/^ExecStart=\/usr\/bin\/node --import tsx services\/notifier\/src\/main\.ts$/m);
  });
});

describe("loadNotifierConfig", () => {
  const dir = mkdtempSync(join(tmpdir(), "notifier-config-"));
  const base = { NATS_URL: "nats://127.0.0.1:4222", DATABASE_URL: "postgres://u:p@127.0.0.1/db" };
  it("refuses e-mail contacts without SMTP_URL", () => {
    const rules = join(dir, "email.yaml");
    writeFileSync(
      rules,
      "contacts: [{ id: a, channel: email, address: a@example.org, language: en }]\nrules: [{ contacts: [a] }]\n",
    );
    expect(() => loadNotifierConfig({ ...base, RULES_FILE: rules })).toThrow(/SMTP_URL is required/);
    expect(
      loadNotifierConfig({ ...base, RULES_FILE: rules, SMTP_URL: "smtp://127.0.0.1:25" }).rules.rules,
    ).toHaveLength(1);
  });
  it("names a rules file that cannot be read, and an invalid one with its problems", () => {
    expect(() => loadNotifierConfig({ ...base, RULES_FILE: join(dir, "missing.yaml") })).toThrow(
      /cannot be read/,
    );
    const bad = join(dir, "bad.yaml");
    writeFileSync(bad, "contacts: []\nrules: []\n");
    expect(() => loadNotifierConfig({ ...base, RULES_FILE: bad })).toThrow(RulesFileError);
  });
});

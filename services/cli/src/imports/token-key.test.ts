import { createHmac } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../config";
import { withinPrisons } from "./allowed";
import { formatOatTokenKey, OatTokenKeyError, oatTokenKeyOf, readOatTokenKey } from "./token-key";

const dir = mkdtempSync(join(tmpdir(), "hrvend-oat-key-"));
const SECRET = "a-deployment-secret-of-enough-length";
// docs/domain.md: K = HMAC-SHA256(deployment secret, "oat-client-token-key")
const K = createHmac("sha256", SECRET).update("oat-client-token-key").digest();
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

describe("the OAT token key file (the health unit's host has no deployment secret)", () => {
  it("reads the key the owner wrote, and prefers it to a deployment secret", () => {
    const path = file("ok.key", formatOatTokenKey(K));
    expect(readOatTokenKey(path).equals(K)).toBe(true);
    const other = "another-deployment-secret-0123456789";
    const config = loadConfig({ HRVEND_DEPLOYMENT_SECRET: other, HRVEND_STATE_DIR: join(dir, "none") });
    expect(oatTokenKeyOf(config, path, undefined).equals(K)).toBe(true);
    const fromEnv = loadConfig({ HRVEND_OAT_TOKEN_KEY_FILE: path, HRVEND_STATE_DIR: join(dir, "none") });
    expect(oatTokenKeyOf(fromEnv, undefined, undefined).equals(K)).toBe(true);
    // Without a key file, the owner's path: derived from the deployment secret.
    const owner = loadConfig({ HRVEND_DEPLOYMENT_SECRET: SECRET, HRVEND_STATE_DIR: join(dir, "none") });
    expect(oatTokenKeyOf(owner, undefined, undefined).equals(K)).toBe(true);
  });

  it("refuses a file that is not a 256-bit key by name, never quoting it (it could be the secret itself)", () => {
    for (const [name, text] of [
      ["secret.key", SECRET],
      ["short.key", K.subarray(0, 16).toString("base64url")],
      ["hex.key", K.toString("hex")],
      ["empty.key", ""],
    ] as const) {
      const path = file(name, text);
      expect(() => readOatTokenKey(path)).toThrow(OatTokenKeyError);
      try {
        readOatTokenKey(path);
      } catch (e) {
        expect((e as Error).message).toMatch(/does not hold an OAT token key/);
        if (text) expect((e as Error).message).not.toContain(text);
      }
    }
    expect(() => readOatTokenKey(join(dir, "missing.key"))).toThrow(/cannot read the OAT token key/);
  });
});

describe("withinPrisons", () => {
  it("refuses rows of prisons the import may not publish for, by line, keeping the rest", () => {
    const rows = [
      { line: 2, prisonId: "p1" },
      { line: 3, prisonId: "p2" },
      { line: 4, prisonId: "p1" },
    ];
    const r = withinPrisons(rows, (p) => p === "p1", "--prison p1");
    expect(r.rows.map((x) => x.line)).toEqual([2, 4]);
    expect(r.problems).toEqual([
      { line: 3, column: "prison", problem: "not a prison this import may publish for (--prison p1)" },
    ]);
    expect(withinPrisons(rows, undefined, "").rows).toEqual(rows);
  });
});

import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { simulateCommand } from "./cli";
import { TEST_SECRET } from "./test-support";

describe("simulateCommand", () => {
  it("documents the options with an example", () => {
    const help = simulateCommand({}).helpInformation();
    for (const opt of [
      "--scenario",
      "--days",
      "--seed",
      "--speed",
      "--mqtt-url",
      "--out",
      "--ledger",
      "--state-dir",
    ])
      expect(help).toContain(opt);
    let text = "";
    const cmd = simulateCommand({}).configureOutput({ writeOut: (s) => (text += s) });
    cmd.exitOverride();
    expect(() => cmd.parse(["--help"], { from: "user" })).toThrow();
    expect(text).toContain("npx hrvend simulate --scenario pilot --days 90 --seed 42");
  });

  it("names the broker option --mqtt-url, as every other command; the old --mqtt is still parsed but not listed", () => {
    const help = simulateCommand({}).helpInformation();
    expect(help).toContain("--mqtt-url <url>");
    expect(help).not.toMatch(/--mqtt </);
    const cmd = simulateCommand({});
    cmd.parseOptions(["--mqtt", "mqtt://127.0.0.1:1"]);
    expect(cmd.opts()["mqtt"]).toBe("mqtt://127.0.0.1:1");
  });

  it("given --out, when run, then it writes events and ledger and prints a summary", async () => {
    const dir = mkdtempSync(join(tmpdir(), "hrvend-cli-"));
    const out = join(dir, "events.jsonl");
    const ledger = join(dir, "ledger.jsonl");
    const writes: string[] = [];
    const write = vi.spyOn(process.stdout, "write").mockImplementation((chunk) => {
      writes.push(String(chunk));
      return true;
    });
    try {
      await simulateCommand({ HRVEND_DEPLOYMENT_SECRET: TEST_SECRET }).parseAsync(
        [
          "--scenario",
          "small",
          "--days",
          "1",
          "--seed",
          "9",
          "--out",
          out,
          "--ledger",
          ledger,
          "--no-progress",
        ],
        { from: "user" },
      );
    } finally {
      write.mockRestore();
    }
    const summary = JSON.parse(writes.find((w) => w.includes(`"scenario": "small"`)) ?? "null");
    expect(summary).toMatchObject({ scenario: "small", seed: "9", days: 1, completed: true });
    expect(existsSync(out)).toBe(true);
    expect(readFileSync(out, "utf8").trimEnd().split("\n")).toHaveLength(summary.events);
    expect(readFileSync(ledger, "utf8").trimEnd().split("\n")).toHaveLength(summary.ledgerLines);
  });
});

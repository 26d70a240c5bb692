import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, type ServerHandle, startNats } from "@hrvend/local-stack";
import { DEFAULT_STREAMS, ensureStreams } from "@hrvend/runtime/nats";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { afterAll, describe, expect, it } from "vitest";
import { hrvend } from "../support/cli";
import { isolate, testDatabase } from "../support/isolate";
import { type ServiceProcess, startService } from "../support/services";

const iso = isolate("settle");
const services = new Map<string, ServiceProcess>();
let nats: ServerHandle | undefined;
const dir = mkdtempSync(join(tmpdir(), "hrvend-settle-"));
afterAll(async () => {
  for (const s of services.values()) await s.kill("SIGTERM").catch(() => undefined);
  await nats?.stop().catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
});

/**
 * The red team's hole (issue #16): a consumer that does not exist on the server was invisible, so
 * a summary settled with the stock service never started. Here a private nats-server (the summary
 * reads the default stream names) and the real recorder, reorder and coverage processes, whose
 * durables are the real names; stock is not started. The expected list must name exactly what the
 * real services do not create, and nothing they do.
 */
describe("summary against a pipeline with one service never started", () => {
  it("settle fails naming the missing consumers; plain summary says NOT SETTLED first; a missing stream is an error", {
    timeout: 400_000,
  }, async () => {
    const t = await testDatabase(iso);
    const port = await freePort();
    nats = await startNats({ dir: join(dir, "nats"), port, monitorPort: await freePort() });
    const natsUrl = `nats://127.0.0.1:${port}`;
    const nc = await connect({ servers: natsUrl });
    const jsm = await jetstreamManager(nc);
    await ensureStreams(jsm, DEFAULT_STREAMS);
    const env = { NATS_URL: natsUrl, DATABASE_URL: t.roleUrl("hrvend_writer"), METRICS_PORT: "0" };
    for (const s of ["recorder", "reorder", "coverage"])
      services.set(s, await startService(s, env, `settle-${s}`));
    const urls = ["--database-url", t.adminUrl, "--nats-url", natsUrl];

    const started = Date.now();
    const lagging = await hrvend(["summary", "--settle", "--timeout", "20", ...urls]);
    expect(lagging.code, lagging.stderr).not.toBe(0);
    expect(Date.now() - started).toBeGreaterThanOrEqual(20_000); // it waited for the deadline, not 3 s
    expect(lagging.stdout).toBe("");
    expect(lagging.stderr).toMatch(/not caught up after 20 s, so no figure is printed/);
    expect(lagging.stderr).toContain("stock (HR_EVENTS) has no consumer on the server");
    expect(lagging.stderr).toContain("stock-dead (HR_DEAD_LETTERS) has no consumer on the server");
    // The real services' durables are the expected names: none of them is reported missing.
    for (const c of ["recorder", "recorder-dead", "reorder", "coverage"])
      expect(lagging.stderr).not.toMatch(new RegExp(`\\b${c} \\(HR_[A-Z_]+\\) has no consumer`));

    const plain = await hrvend(["summary", ...urls]);
    expect(plain.code, plain.stderr).toBe(0);
    const [first, second] = plain.stdout.split("\n");
    expect(first).toMatch(/^NOT SETTLED: /);
    expect(first).toContain("stock (HR_EVENTS) has no consumer on the server");
    expect(first).toContain("stock-dead (HR_DEAD_LETTERS) has no consumer on the server");
    expect(second).toMatch(/the figures below may be stale/);
    expect(plain.stdout.indexOf("NOT SETTLED")).toBeLessThan(plain.stdout.indexOf("events recorded:"));

    // Without a NATS URL (and no local stack) it says it did not check.
    const unchecked = await hrvend(["summary", "--database-url", t.adminUrl]);
    expect(unchecked.code, unchecked.stderr).toBe(0);
    expect(unchecked.stdout.split("\n")[0]).toMatch(/^NOT CHECKED: no NATS URL/);

    // Stock started: everything expected exists and is at the head.
    services.set("stock", await startService("stock", env, "settle-stock"));
    const settled = await hrvend(["summary", "--settle", "--timeout", "120", ...urls]);
    expect(settled.code, settled.stderr).toBe(0);
    expect(settled.stderr).toMatch(/every consumer has reached the stream's head/);
    const now = await hrvend(["summary", ...urls]);
    expect(now.code, now.stderr).toBe(0);
    expect(now.stdout.split("\n")[0]).toBe("settled: every expected consumer (6) is at its stream's head");

    // A required stream the server does not have: a clear error at once, nothing printed.
    for (const s of [...services.values()].reverse()) await s.kill("SIGTERM");
    services.clear();
    await jsm.streams.delete(DEFAULT_STREAMS.dead);
    await nc.close();
    for (const args of [["summary", "--settle", "--timeout", "60"], ["summary"]]) {
      const t0 = Date.now();
      const r = await hrvend([...args, ...urls]);
      expect(r.code, args.join(" ")).not.toBe(0);
      expect(Date.now() - t0).toBeLessThan(30_000);
      expect(r.stdout).toBe("");
      expect(r.stderr).toContain("stream HR_DEAD_LETTERS not found on the NATS server");
    }
    await t.close();
  });
});

import { type ChildProcess, spawn } from "node:child_process";
import {
  chmodSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { createServer, type Server } from "node:http";
import { connect as netConnect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "@hrvend/local-stack";
import { createDb } from "@hrvend/runtime/db";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { type NatsConnection, connect as natsConnect } from "@nats-io/transport-node";
import { sql } from "kysely";
import { afterAll, describe, expect, it } from "vitest";
// The stock service's own publisher: alert steps reach HR_ALERTS exactly as stock sends them.
import { AlertPublisher, alertMessage } from "../../services/stock/src/alert-publisher";
import type { Alert } from "../../services/stock/src/domain";
import { isolate, type TestDatabase, testDatabase } from "../support/isolate";
import { type ServiceProcess, startService } from "../support/services";

/**
 * The notifier against a real SMTP server (Debian's python3-aiosmtpd, writing a Maildir), a real
 * HTTP receiver (node:http here), real JetStream and PostgreSQL, SIGKILLed several times mid-run.
 * Expected messages come from the rules and the definitions (README, "Notifications"), never from
 * the notifier's own tables.
 */
const iso = isolate("notifier");
const P1 = iso.prison("p1");
const P2 = iso.prison("p2");
const P3 = iso.prison("p3");
const P4 = iso.prison("p4");
const ALERTS = iso.stream("alerts");
const dir = mkdtempSync(join(tmpdir(), "hrvend-notifier-e2e-"));
chmodSync(dir, 0o755);
const cleanup: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const c of cleanup.reverse()) await c().catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until<T>(
  what: string,
  f: () => Promise<T | undefined | false>,
  timeoutMs = 180_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await f();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

/** aiosmtpd from Debian's package, storing every accepted message in a Maildir. */
async function startSmtp(): Promise<{ port: number; maildir: string; proc: ChildProcess }> {
  const port = await freePort();
  const maildir = join(dir, "maildir");
  const proc = spawn(
    "/usr/bin/python3",
    ["-m", "aiosmtpd", "-n", "-l", `127.0.0.1:${port}`, "-c", "aiosmtpd.handlers.Mailbox", maildir],
    { stdio: "ignore" },
  );
  await until("the SMTP server to listen", async () => {
    if (proc.exitCode !== null)
      throw new Error(`aiosmtpd exited (${proc.exitCode}); is python3-aiosmtpd installed?`);
    return new Promise<boolean>((resolve) => {
      const s = netConnect(port, "127.0.0.1");
      s.once("connect", () => {
        s.destroy();
        resolve(true);
      });
      s.once("error", () => resolve(false));
    });
  });
  return { port, maildir, proc };
}

interface Mail {
  to: string;
  messageId: string;
  step: string;
  /** Lines of the body listing held messages (a digest's items). */
  lines: number;
  receivedAt: number;
}
/** Every message the SMTP server accepted (one file each in the Maildir). */
function mails(maildir: string): Mail[] {
  const out: Mail[] = [];
  for (const sub of ["new", "cur"]) {
    const d = join(maildir, sub);
    if (!existsSync(d)) continue;
    for (const f of readdirSync(d)) {
      const text = readFileSync(join(d, f), "utf8");
      const receivedAt = statSync(join(d, f)).mtimeMs;
      const head = text.split(/\r?\n\r?\n/)[0]?.replace(/\r?\n[ \t]+/g, " ") ?? "";
      const h = (name: string) => new RegExp(`^${name}:\\s*(.*)$`, "im").exec(head)?.[1]?.trim() ?? "";
      const body = text
        .split(/\r?\n\r?\n/)
        .slice(1)
        .join("\n");
      const lines = body.split(/\r?\n/).filter((l) => l.startsWith("- ")).length;
      out.push({ to: h("To"), messageId: h("Message-ID"), step: h("X-Hrvend-Step"), lines, receivedAt });
    }
  }
  return out;
}

interface Hit {
  path: string;
  key: string;
  step: string;
  at: number;
  status: number;
}
/**
 * A real HTTP receiver: /ok accepts (answering after a second, so a kill can land while a delivery
 * is in flight), /flaky refuses each key's first 3 tries, /dead always fails.
 */
async function startReceiver(): Promise<{
  port: number;
  hits: Hit[];
  server: Server;
  nextOk(): Promise<void>;
}> {
  const hits: Hit[] = [];
  const tries = new Map<string, number>();
  let waiters: (() => void)[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      const key = String(req.headers["idempotency-key"] ?? "");
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { stepKey: string };
      const n = (tries.get(key) ?? 0) + 1;
      tries.set(key, n);
      const status = req.url === "/ok" ? 200 : req.url === "/flaky" ? (n <= 3 ? 503 : 200) : 500;
      // Taken as soon as it arrived; the answer may never reach a killed sender.
      hits.push({ path: req.url ?? "", key, step: body.stepKey, at: Date.now(), status });
      if (req.url === "/ok") {
        for (const w of waiters) w();
        waiters = [];
        setTimeout(() => res.writeHead(status).end(), 1_000);
      } else res.writeHead(status).end();
    });
  });
  const port = await freePort();
  await new Promise<void>((r) => server.listen(port, "127.0.0.1", () => r()));
  return { port, hits, server, nextOk: () => new Promise<void>((r) => waiters.push(r)) };
}

const ESCALATE_MIN = 0.2; // 12 s
const RETRY_BASE_S = 0.5;
const MAX_TRIES = 6;

describe("notifier end to end", () => {
  it("exactly one message per alert step and contact over SMTP and a webhook with the notifier SIGKILLed mid-run; unacknowledged alerts escalate, acknowledged ones do not; quiet hours end in one digest; a failing webhook retries with backoff and shows in pipeline health", {
    timeout: 600_000,
  }, async () => {
    const smtp = await startSmtp();
    cleanup.push(async () => smtp.proc.kill("SIGKILL"));
    const rx = await startReceiver();
    cleanup.push(() => new Promise((r) => rx.server.close(r)));
    const tdb: TestDatabase = await testDatabase(iso);
    cleanup.push(() => tdb.close());

    const nc: NatsConnection = await natsConnect({ servers: iso.servers.natsUrl });
    cleanup.push(() => nc.close());
    const jsm = await jetstreamManager(nc);
    await jsm.streams.add({ name: ALERTS, subjects: [P1, P2, P3, P4].map((p) => `hr.v1.${p}.*.alert`) });
    const publisher = new AlertPublisher(jetstream(nc), ALERTS);

    const hook = (path: string) => `http://127.0.0.1:${rx.port}${path}`;
    // Quiet hours for "night" from this minute to three minutes later, prison time (Chisinau):
    // what P4 raises meanwhile is held and arrives in one digest when they end.
    const minuteStart = Math.floor(Date.now() / 60_000) * 60_000;
    const hhmm = (t: number) =>
      new Intl.DateTimeFormat("en-GB", {
        timeZone: "Europe/Chisinau",
        hour: "2-digit",
        minute: "2-digit",
        hourCycle: "h23",
      }).format(t);
    const quietEnd = minuteStart + 3 * 60_000;
    const rulesFile = join(dir, "rules.json");
    writeFileSync(
      rulesFile,
      JSON.stringify({
        defaultTimeZone: "Europe/Chisinau",
        contacts: [
          { id: "duty", channel: "email", address: "duty@p1.example.org", language: "ro" },
          { id: "chat", channel: "webhook", url: hook("/ok"), language: "en" },
          { id: "director", channel: "email", address: "director@p1.example.org", language: "en" },
          { id: "flaky", channel: "webhook", url: hook("/flaky"), language: "en" },
          { id: "dead", channel: "webhook", url: hook("/dead"), language: "en" },
          {
            id: "night",
            channel: "email",
            address: "night@p4.example.org",
            language: "en",
            quietHours: { from: hhmm(minuteStart), to: hhmm(quietEnd) },
          },
        ],
        rules: [
          {
            match: { prisons: [P1] },
            contacts: ["duty", "chat", "director"],
            reminderMinutes: 0,
            escalateAfterMinutes: ESCALATE_MIN,
          },
          { match: { prisons: [P2] }, contacts: ["flaky"], reminderMinutes: 0, escalateAfterMinutes: 0 },
          { match: { prisons: [P3] }, contacts: ["dead"], reminderMinutes: 0, escalateAfterMinutes: 0 },
          { match: { prisons: [P4] }, contacts: ["night"], reminderMinutes: 0, escalateAfterMinutes: 0 },
        ],
      }),
    );
    const env = {
      NATS_URL: iso.servers.natsUrl,
      DATABASE_URL: tdb.roleUrl("hrvend_notifier"),
      ALERTS_STREAM: ALERTS,
      CONSUMER: `notifier-${iso.tag}`,
      RULES_FILE: rulesFile,
      SMTP_URL: `smtp://127.0.0.1:${smtp.port}`,
      TICK_SECONDS: "0.5",
      RETRY_BASE_SECONDS: String(RETRY_BASE_S),
      RETRY_MAX_SECONDS: "4",
      SEND_MAX_TRIES: String(MAX_TRIES),
      SEND_TIMEOUT_MS: "5000",
      METRICS_PORT: "0",
    };
    let notifier: ServiceProcess = await startService("notifier", env, `notifier-${iso.tag}`);
    cleanup.push(() => notifier.kill("SIGKILL"));

    // Alerts of P1: three nobody acknowledges, three acknowledged at once; one of P2, one of P3.
    const raisedAt = new Date().toISOString();
    const alert = (prison: string, n: number, type: string, slotId: string | null): Alert =>
      ({
        id: `${prison}-a${n}`,
        type,
        prisonId: prison,
        machineId: `${prison}-m1`,
        slotId,
        raisedAt,
        detail: `test alert ${n}`,
      }) as unknown as Alert;
    const unacked = [1, 2, 3].map((n) => alert(P1, n, "stockout", `s${n}`));
    const acked = [4, 5, 6].map((n) => alert(P1, n, "offline", null));
    const flaky = alert(P2, 7, "temperature_out_of_range", null);
    const dead = alert(P3, 8, "fault_tamper", null);
    const nightly = [9, 10].map((n) => alert(P4, n, "stockout", `s${n}`));
    for (const a of [...unacked, ...acked, flaky, dead, ...nightly])
      await publisher.publish(alertMessage(a, "raised", raisedAt));

    // SIGKILL the notifier twice while a webhook delivery is in flight (the receiver has taken it,
    // the notifier has not marked it sent), then twice more at random moments; start it again each time.
    let kills = 0;
    const killer = (async () => {
      for (let i = 0; i < 4; i++) {
        if (i < 2) await rx.nextOk();
        else await sleep(2_000 + Math.random() * 3_000);
        await notifier.kill("SIGKILL");
        kills++;
        notifier = await startService("notifier", env, `notifier-${iso.tag}-${kills}`);
      }
    })();

    const outbox = async () =>
      (
        await sql<{ step_key: string; status: string; attempts: number }>`
          SELECT step_key, status, attempts FROM notifier.outbox`.execute(tdb.db)
      ).rows;
    // The acknowledgements go out as soon as the first contact was told (well before 12 s).
    for (const a of acked) {
      await until(`the raise of ${a.id} in the outbox`, async () =>
        (await outbox()).some((r) => r.step_key === `${a.id}|raised|duty`),
      );
      await publisher.publish(alertMessage(a, "acknowledged", new Date().toISOString()));
    }
    // One of P4's alerts is cleared during the quiet hours too: its clear is held as well.
    await until("P4's first alert told (held)", async () =>
      (await outbox()).some((r) => r.step_key === `${nightly[0]!.id}|raised|night`),
    );
    await publisher.publish(alertMessage(nightly[0]!, "cleared", new Date().toISOString()));
    // The unacknowledged ones escalate to the last contact; then every P1 alert is cleared.
    for (const a of unacked)
      await until(
        `${a.id} escalated to the director`,
        async () => (await outbox()).some((r) => r.step_key === `${a.id}|escalated-2|director`),
        240_000,
      );
    // Past two escalation periods for the acknowledged ones too: they must not have escalated.
    await sleep(2 * ESCALATE_MIN * 60_000 + 2_000);
    for (const a of [...unacked, ...acked])
      await publisher.publish(alertMessage(a, "cleared", new Date().toISOString()));
    await killer;

    // Expected, from the definitions: raise → first contact; each escalation → the next contact;
    // acknowledgement and clear → everyone told so far.
    const expected = new Map<string, "email" | "webhook">();
    const add = (a: Alert, step: string, contact: string) =>
      expected.set(
        `${a.id}|${step}|${contact}`,
        contact === "chat" || contact === "flaky" || contact === "dead" ? "webhook" : "email",
      );
    for (const a of unacked) {
      add(a, "raised", "duty");
      add(a, "escalated-1", "chat");
      add(a, "escalated-2", "director");
      for (const c of ["duty", "chat", "director"]) add(a, "cleared", c);
    }
    for (const a of acked) for (const s of ["raised", "acknowledged", "cleared"]) add(a, s, "duty");
    add(flaky, "raised", "flaky");
    // P4's three held messages (two raises, one clear) arrive as one digest when the quiet hours end.
    const digestKey = `digest|${new Date(quietEnd).toISOString()}|night`;
    expected.set(digestKey, "email");

    const missing = () => {
      const got = new Set([
        ...mails(smtp.maildir).map((m) => m.step),
        ...rx.hits.filter((h) => h.status === 200).map((h) => h.step),
      ]);
      return [...expected.keys()].filter((k) => !got.has(k));
    };
    await until("every expected message delivered", async () => missing().length === 0, 240_000).catch(
      async (e) => {
        const rows = (
          await sql`SELECT step_key, status, attempts, last_error FROM notifier.outbox`.execute(tdb.db)
        ).rows;
        throw new Error(
          `${e.message}: missing ${JSON.stringify(missing())}\noutbox ${JSON.stringify(rows)}\nlog ${notifier.logs().slice(-3000)}`,
        );
      },
    );
    await sleep(3_000); // anything extra would show up now
    const got = mails(smtp.maildir);
    const okHits = rx.hits.filter((h) => h.path === "/ok" || (h.path === "/flaky" && h.status === 200));

    // Exactly one message per (step, contact): one Message-ID / Idempotency-Key per step key, and
    // no step key that should not exist (no escalation of an acknowledged alert, nothing twice).
    const distinct = new Map<string, Set<string>>();
    for (const m of got) distinct.set(m.step, (distinct.get(m.step) ?? new Set()).add(m.messageId));
    for (const h of okHits) distinct.set(h.step, (distinct.get(h.step) ?? new Set()).add(h.key));
    expect([...distinct.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [k, ids] of distinct) expect(ids.size, k).toBe(1);
    // Each e-mail went to its contact's address, each webhook call to its contact's URL.
    for (const m of got) {
      const contact = m.step.split("|")[2];
      expect(m.to, m.step).toBe(
        { duty: "duty@p1.example.org", director: "director@p1.example.org", night: "night@p4.example.org" }[
          contact as string
        ],
      );
    }
    for (const a of acked) expect(got.some((m) => m.step.startsWith(`${a.id}|escalated`))).toBe(false);
    // Raw receptions: a resend happens only when a kill fell between the server accepting and the
    // row being marked sent, and it carries the same id. At most one per kill.
    const raw = got.length + okHits.length;
    console.log(`notifier e2e: ${expected.size} expected, ${raw} received, ${kills} SIGKILLs`);
    expect(kills).toBe(4);
    // The two kills in flight: each delivery was resent once after the restart, with its key.
    expect(raw - expected.size).toBeGreaterThanOrEqual(2);
    expect(raw - expected.size).toBeLessThanOrEqual(kills);
    const rows = await outbox();
    expect(rows.filter((r) => r.step_key.startsWith(P1)).every((r) => r.status === "sent")).toBe(true);
    // And the dead webhook's one message, and the three held ones the digest carried.
    expect(rows.length).toBe(expected.size + 1 + 3);
    const held = rows.filter((r) => r.step_key.startsWith(P4));
    expect(held.map((r) => r.step_key).sort()).toEqual(
      [
        `${nightly[0]!.id}|cleared|night`,
        `${nightly[0]!.id}|raised|night`,
        `${nightly[1]!.id}|raised|night`,
      ].sort(),
    );
    expect(held.every((r) => r.status === "digested")).toBe(true);
    const digest = got.filter((m) => m.step === digestKey);
    expect(digest).toHaveLength(1);
    expect(digest[0]!.lines).toBe(3);
    expect(digest[0]!.receivedAt).toBeGreaterThanOrEqual(quietEnd);

    // The flaky webhook: refused 3 times, then taken once; the waits between tries grow (backoff).
    const fl = rx.hits.filter((h) => h.path === "/flaky");
    expect(fl.slice(0, 4).map((h) => h.status)).toEqual([503, 503, 503, 200]);
    expect(fl.slice(4).every((h) => h.status === 200)).toBe(true); // a resend after a kill, if any
    expect(new Set(fl.map((h) => h.key)).size).toBe(1);
    for (let k = 1; k < fl.length; k++)
      expect(fl[k]!.at - fl[k - 1]!.at, `wait before try ${k + 1}`).toBeGreaterThanOrEqual(
        Math.min(RETRY_BASE_S * 2 ** (k - 1), 4) * 1000 - 100,
      );
    // The dead webhook: given up after MAX_TRIES tries (fewer reached it if a kill took one).
    const dd = rx.hits.filter((h) => h.path === "/dead");
    expect(dd.length).toBeGreaterThanOrEqual(1);
    expect(dd.length).toBeLessThanOrEqual(MAX_TRIES);
    await until("the dead webhook's message given up", async () =>
      (await outbox()).some((r) => r.step_key === `${dead.id}|raised|dead` && r.status === "failed"),
    );

    // Pipeline health: operators see it through reporting.notifier_outbox() and in the metrics.
    const op = createDb(tdb.roleUrl("hrvend_operator"), { max: 1 });
    cleanup.push(() => op.destroy());
    const health = (
      await sql<{ channel: string; status: string; messages: string; attempts: string }>`
        SELECT * FROM reporting.notifier_outbox()`.execute(op)
    ).rows;
    const failed = health.find((h) => h.channel === "webhook" && h.status === "failed");
    expect(Number(failed?.messages)).toBe(1);
    expect(Number(failed?.attempts)).toBe(MAX_TRIES);
    expect(Object.keys(health[0] ?? {}).sort()).toEqual(
      ["attempts", "channel", "messages", "next_attempt_at", "oldest_created_at", "status"].sort(),
    );
    const port = Number(/"metricsPort":(\d+)/.exec(notifier.logs())?.[1]);
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(metrics).toMatch(/hrvend_notifier_outbox_messages\{channel="webhook",status="failed"\} 1/);

    // The notifier's role: its own schema and prison time zones, nothing else.
    const nrole = createDb(tdb.roleUrl("hrvend_notifier"), { max: 1 });
    cleanup.push(() => nrole.destroy());
    for (const q of [
      sql`SELECT * FROM stock.alert`,
      sql`SELECT * FROM ingest.raw_event`,
      sql`SELECT * FROM coverage.client_day`,
      sql`SELECT capacity FROM reorder.prison`,
      sql`INSERT INTO ingest.stream_position (consumer, stream, stream_seq) VALUES ('stock', 'x', 1)`,
      sql`UPDATE reorder.prison SET time_zone = 'UTC'`,
      sql`DELETE FROM notifier.outbox`,
      sql`SELECT * FROM ops.parked_message`,
    ])
      await expect(q.execute(nrole), q.compile(nrole).sql).rejects.toThrow(
        /permission denied|does not exist/,
      );
  });
});

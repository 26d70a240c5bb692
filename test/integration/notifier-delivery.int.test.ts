import { createServer as createHttpServer, type Server } from "node:http";
import { type AddressInfo, createServer as createTcpServer, type Server as TcpServer } from "node:net";
import { sql } from "kysely";
import pino from "pino";
import { Registry } from "prom-client";
import { afterAll, describe, expect, it } from "vitest";
import type { Channel } from "../../services/notifier/src/channels/channel";
import { emailChannel } from "../../services/notifier/src/channels/email";
import { webhookChannel } from "../../services/notifier/src/channels/webhook";
import { smtpRequiresTls } from "../../services/notifier/src/config";
import type { OutboxRow } from "../../services/notifier/src/domain";
import { notifierMetrics } from "../../services/notifier/src/metrics";
import { messageIdOf } from "../../services/notifier/src/render/message";
import { sendRound } from "../../services/notifier/src/sender";
import { notifierDb } from "../../services/notifier/src/store/db";
import { type DueMessage, enqueue } from "../../services/notifier/src/store/outbox";
import { isolate, testDatabase } from "../support/isolate";

/**
 * Red-team findings on the notifier's delivery (all on loopback): a webhook's redirect must not
 * carry the alert elsewhere, SMTP credentials must not go out without TLS, and a kill while
 * sending must not use up the last try of messages that were never sent.
 */
const closers: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const c of closers.reverse()) await c().catch(() => undefined);
});
const listen = async <S extends Server | TcpServer>(s: S, host: string): Promise<number> => {
  await new Promise<void>((r) => s.listen(0, host, r));
  closers.push(() => new Promise((r) => s.close(r)));
  return (s.address() as AddressInfo).port;
};
const message = (address: string): DueMessage => ({
  id: 1,
  stepKey: "a|raised|c",
  channel: "webhook",
  address,
  messageId: "<x@notifier.hrvend>",
  subject: "s",
  body: "b",
  payload: { type: "alert_step" },
  attempts: 1,
});

describe("webhook redirects", () => {
  it("a 307 to another host is a failed delivery with its reason; the other host gets nothing", async () => {
    const hits: string[] = [];
    const internal = createHttpServer((req, res) => {
      hits.push(`${req.method} ${req.url}`);
      res.end("ok");
    });
    const internalPort = await listen(internal, "127.0.0.2");
    const configured = createHttpServer((_req, res) => {
      res.writeHead(307, { location: `http://127.0.0.2:${internalPort}/admin/api/secret` });
      res.end();
    });
    const port = await listen(configured, "127.0.0.1");
    const send = webhookChannel(5000).send(message(`http://127.0.0.1:${port}/hook`));
    await expect(send).rejects.toMatchObject({
      name: "DeliveryError",
      message: expect.stringMatching(/redirect/),
    });
    expect(hits).toEqual([]);
  });
});

describe("SMTP without TLS", () => {
  it("TLS is required unless the relay is on loopback or the URL is smtps", () => {
    expect(smtpRequiresTls("smtp://mail.example.org:587")).toBe(true);
    expect(smtpRequiresTls("smtp://10.0.0.5:25")).toBe(true);
    expect(smtpRequiresTls("smtp://localhost.example.org:25")).toBe(true);
    expect(smtpRequiresTls("smtps://mail.example.org:465")).toBe(false);
    expect(smtpRequiresTls("smtp://127.0.0.1:25")).toBe(false);
    expect(smtpRequiresTls("smtp://localhost:25")).toBe(false);
    expect(smtpRequiresTls("smtp://[::1]:25")).toBe(false);
  });

  it("a relay that strips STARTTLS and offers AUTH never sees the password", async () => {
    // What a man in the middle shows: no STARTTLS, AUTH offered; it keeps every line it is sent.
    const received: string[] = [];
    const stripper = createTcpServer((sock) => {
      sock.write("220 relay ESMTP\r\n");
      let buf = "";
      sock.on("data", (d) => {
        buf += d.toString("latin1");
        let i = buf.indexOf("\r\n");
        while (i >= 0) {
          const line = buf.slice(0, i);
          buf = buf.slice(i + 2);
          received.push(line);
          if (/^EHLO/i.test(line)) sock.write("250-relay\r\n250-AUTH PLAIN LOGIN\r\n250 8BITMIME\r\n");
          else if (/^STARTTLS/i.test(line)) sock.write("454 4.7.0 TLS not available\r\n");
          else if (/^AUTH/i.test(line)) sock.write(line.split(" ").length > 2 ? "235 ok\r\n" : "334 \r\n");
          else if (/^QUIT/i.test(line)) sock.end("221 bye\r\n");
          else sock.write("250 ok\r\n");
          i = buf.indexOf("\r\n");
        }
      });
      sock.on("error", () => undefined);
    });
    const port = await listen(stripper, "127.0.0.1");
    const pass = "s3cret-relay-password";
    // As for a relay on another host (smtpRequiresTls is true there); this one is on loopback for the test.
    const ch = emailChannel(
      `smtp://127.0.0.1:${port}`,
      "hrvend <hrvend@localhost>",
      5000,
      { user: "hrvend", pass },
      true,
    );
    closers.push(async () => ch.close?.());
    await expect(ch.send({ ...message("duty@example.org"), channel: "email" })).rejects.toMatchObject({
      name: "DeliveryError",
      message: expect.stringMatching(/TLS/),
    });
    const seen = received.join("\n");
    expect(seen).not.toMatch(/^AUTH/im);
    for (const form of [
      pass,
      Buffer.from(pass).toString("base64"),
      Buffer.from(`\0hrvend\0${pass}`).toString("base64"),
    ])
      expect(seen).not.toContain(form);
  });
});

describe("tries counted per message", () => {
  it("a kill while sending the first of a batch does not use up the others' last try", async () => {
    const iso = isolate("notifier-tries");
    const tdb = await testDatabase(iso);
    closers.push(() => tdb.close());
    const maxTries = 3;
    const t0 = new Date("2026-03-01T10:00:00Z");
    const rows: OutboxRow[] = ["m1", "m2", "m3"].map((k, i) => ({
      stepKey: `${iso.tag}|raised|${k}`,
      alertId: null,
      step: "raised",
      contactId: k,
      channel: "webhook",
      address: `https://hook.example.org/${k}`,
      messageId: messageIdOf(k),
      subject: k,
      body: k,
      payload: {},
      status: "pending",
      holdUntil: null,
      nextAttemptAt: new Date(t0.getTime() - (3 - i) * 1000).toISOString(),
      createdAt: t0.toISOString(),
    }));
    await enqueue(notifierDb(tdb.db), rows);
    // Two earlier tries each failed (the next one is the last allowed).
    await sql`UPDATE notifier.outbox SET attempts = ${maxTries - 1}`.execute(tdb.db);

    const deps = (webhook: Channel) => ({
      db: notifierDb(tdb.db),
      channels: { webhook },
      log: pino({ level: "silent" }),
      metrics: notifierMetrics(new Registry()),
      maxTries,
      retryBaseSeconds: 1,
      retryMaxSeconds: 1,
      batch: 50,
    });
    // The first send never completes: the process is "killed" there.
    let started!: () => void;
    const inFlight = new Promise<void>((r) => {
      started = r;
    });
    const sentTo: string[] = [];
    void sendRound(
      deps({
        send: () => {
          started();
          return new Promise<void>(() => undefined);
        },
      }),
      t0,
    );
    await inFlight;
    const counted = await sql<{ contact_id: string; attempts: number }>`
      SELECT contact_id, attempts FROM notifier.outbox ORDER BY contact_id`.execute(tdb.db);
    expect(counted.rows).toEqual([
      { contact_id: "m1", attempts: maxTries },
      { contact_id: "m2", attempts: maxTries - 1 },
      { contact_id: "m3", attempts: maxTries - 1 },
    ]);

    // A new process, after the backoff: m1's last try has no outcome (failed), m2 and m3 are sent.
    const later = new Date(t0.getTime() + 10_000);
    await sendRound(deps({ send: async (m) => void sentTo.push(m.address) }), later);
    const after = await sql<{ contact_id: string; status: string }>`
      SELECT contact_id, status FROM notifier.outbox ORDER BY contact_id`.execute(tdb.db);
    expect(after.rows).toEqual([
      { contact_id: "m1", status: "failed" },
      { contact_id: "m2", status: "sent" },
      { contact_id: "m3", status: "sent" },
    ]);
    expect(sentTo.sort()).toEqual(["https://hook.example.org/m2", "https://hook.example.org/m3"]);
  });
});

import { headers, type Msg, type MsgHdrs, type NatsConnection } from "@nats-io/transport-node";
import { describe, expect, it } from "vitest";
import { JetStreamAcks, PublisherClosed, PublishRefused, PublishTimeout } from "./jetstream-acks";

interface Sent {
  subject: string;
  reply: string;
  headers: MsgHdrs;
}

/** A NATS connection that records publishes and lets the test deliver acks to the inbox. */
function fakeNats() {
  const sent: Sent[] = [];
  let deliver: ((err: Error | null, msg: Msg) => void) | undefined;
  let closed = () => {};
  const nc = {
    subscribe: (_subject: string, opts: { callback: (err: Error | null, msg: Msg) => void }) => {
      deliver = opts.callback;
      return { isClosed: () => false, unsubscribe: () => {} };
    },
    publish: (subject: string, _data: unknown, opts: { reply: string; headers: MsgHdrs }) => {
      sent.push({ subject, reply: opts.reply, headers: opts.headers });
    },
    closed: () => new Promise<void>((r) => (closed = r)),
  } as unknown as NatsConnection;
  const ack = (to: Sent, body: string, status?: { code: number; description: string }) => {
    const h = status ? headers(status.code, status.description) : undefined;
    deliver?.(null, {
      subject: to.reply,
      data: new TextEncoder().encode(body),
      headers: h,
    } as unknown as Msg);
  };
  return { nc, sent, ack, close: () => closed() };
}

/** The publisher hands its queue to the connection in the event loop's check phase. */
const sent = () => new Promise((r) => setImmediate(r));

const settle = (p: Promise<void>) =>
  p.then(
    () => "stored",
    (e: Error) => e,
  );

describe("JetStreamAcks", () => {
  it("sends each message in call order with its id and stream, and resolves each on its own ack", async () => {
    const f = fakeNats();
    const acks = new JetStreamAcks(f.nc);
    const results = ["a", "b", "c"].map((id) => settle(acks.publish(`s.${id}`, "x", id, "EVENTS")));
    expect(f.sent).toHaveLength(0); // one batch, one socket write
    await sent();
    expect(f.sent.map((s) => s.subject)).toEqual(["s.a", "s.b", "s.c"]);
    expect(f.sent.map((s) => s.headers.get("Nats-Msg-Id"))).toEqual(["a", "b", "c"]);
    expect(f.sent.map((s) => s.headers.get("Nats-Expected-Stream"))).toEqual(["EVENTS", "EVENTS", "EVENTS"]);
    expect(new Set(f.sent.map((s) => s.reply)).size).toBe(3);
    // Acks out of order, one a duplicate: each settles its own publish.
    f.ack(f.sent[2] as Sent, '{"stream":"EVENTS","seq":3}');
    f.ack(f.sent[0] as Sent, '{"stream":"EVENTS","seq":1}');
    f.ack(f.sent[1] as Sent, '{"stream":"EVENTS","seq":1,"duplicate":true}');
    expect(await Promise.all(results)).toEqual(["stored", "stored", "stored"]);
    expect(acks.outstanding).toBe(0);
    acks.close();
  });

  it("rejects a publish the stream refuses, a no-responders status and a bad ack, and leaves the others alone", async () => {
    const f = fakeNats();
    const acks = new JetStreamAcks(f.nc);
    const full = settle(acks.publish("s", "x", "1", "EVENTS"));
    const wrong = settle(acks.publish("s", "x", "2", "EVENTS"));
    const none = settle(acks.publish("s", "x", "3", "EVENTS"));
    const garbled = settle(acks.publish("s", "x", "4", "EVENTS"));
    const open = settle(acks.publish("s", "x", "5", "EVENTS"));
    await sent();
    const [a, b, c, d] = f.sent as [Sent, Sent, Sent, Sent];
    f.ack(a, '{"error":{"code":503,"err_code":10077,"description":"maximum messages exceeded"}}');
    f.ack(b, '{"error":{"code":400,"err_code":10060,"description":"expected stream does not match"}}');
    f.ack(c, "", { code: 503, description: "No Responders" });
    f.ack(d, "not json");
    const refused = await Promise.all([full, wrong, none, garbled]);
    for (const r of refused) expect(r).toBeInstanceOf(PublishRefused);
    expect(String(refused[0])).toContain("maximum messages exceeded");
    expect(String(refused[1])).toContain("expected stream does not match");
    expect(String(refused[2])).toContain("503");
    expect(acks.outstanding).toBe(1);
    acks.close();
    expect(await open).toBeInstanceOf(PublisherClosed);
  });

  it("rejects a publish whose ack does not come in time, and ignores the late ack", async () => {
    const f = fakeNats();
    const acks = new JetStreamAcks(f.nc, { timeoutMs: 40 });
    const t0 = Date.now();
    const r = await settle(acks.publish("s", "x", "1", "EVENTS"));
    expect(r).toBeInstanceOf(PublishTimeout);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(35);
    f.ack(f.sent[0] as Sent, '{"stream":"EVENTS","seq":1}');
    const next = settle(acks.publish("s", "x", "2", "EVENTS"));
    await sent();
    f.ack(f.sent[1] as Sent, '{"stream":"EVENTS","seq":2}');
    expect(await next).toBe("stored");
    acks.close();
  });

  it("bounds the acks outstanding, and fails them all when the connection closes", async () => {
    const f = fakeNats();
    const acks = new JetStreamAcks(f.nc, { maxPending: 2 });
    const first = settle(acks.publish("s", "x", "1", "EVENTS"));
    const second = settle(acks.publish("s", "x", "2", "EVENTS"));
    expect(await settle(acks.publish("s", "x", "3", "EVENTS"))).toBeInstanceOf(PublishRefused);
    await sent();
    expect(f.sent).toHaveLength(2);
    f.close();
    expect(await first).toBeInstanceOf(PublisherClosed);
    expect(await second).toBeInstanceOf(PublisherClosed);
  });
});

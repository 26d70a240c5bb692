import { describe, expect, it } from "vitest";
import { devicePassword } from "../crypto/device-password";
import type { DeliveryItem } from "../sim/delivery-item";
import { MemoryConnector } from "./memory-connector";
import { MqttSink } from "./mqtt-sink";

const SECRET = "test-deployment-secret-not-for-production";
const flush = () => new Promise((r) => setTimeout(r, 0));

const connect = (will: string): DeliveryItem => ({
  type: "connect",
  source: "m1",
  prisonId: "p1",
  willTopic: "hr/v1/p1/machine/m1/status",
  willPayload: will,
});
const event = (source: string, n: number, device = true): DeliveryItem => ({
  type: "event",
  source,
  device,
  topic: `hr/v1/p1/${source}/heartbeat`,
  key: `${source}:${n}`,
  payload: `{"n":${n}}`,
});

function feed(sink: MqttSink, items: DeliveryItem[]) {
  const idx = new Map<string, number>();
  for (const item of items) {
    const i = idx.get(item.source) ?? 0;
    idx.set(item.source, i + 1);
    sink.accept(item, i);
  }
}

describe("MqttSink", () => {
  it("connects each machine and each office source with its own clientId, username and derived password, and registers a machine's will", async () => {
    const broker = new MemoryConnector();
    const sink = new MqttSink({ connector: broker, secret: SECRET });
    feed(sink, [connect("W1"), event("m1", 1), event("p1-census", 1, false), event("p1-health", 1, false)]);
    await sink.drain();
    expect(broker.connections).toEqual([
      {
        clientId: "m1",
        username: "m1",
        password: devicePassword(SECRET, "m1"),
        will: { topic: "hr/v1/p1/machine/m1/status", payload: "W1" },
      },
      { clientId: "p1-census", username: "p1-census", password: devicePassword(SECRET, "p1-census") },
      { clientId: "p1-health", username: "p1-health", password: devicePassword(SECRET, "p1-health") },
    ]);
  });

  it("given a dropped connection, then earlier events are acknowledged first, the broker publishes the will, and the reconnect registers the new will", async () => {
    const broker = new MemoryConnector();
    const sink = new MqttSink({ connector: broker, secret: SECRET });
    feed(sink, [
      connect("W1"),
      event("m1", 1),
      event("m1", 2),
      { type: "will", source: "m1", topic: "hr/v1/p1/machine/m1/status", key: "m1:W1", payload: "W1" },
      connect("W2"),
      event("m1", 3),
      { type: "disconnect", source: "m1" },
    ]);
    await sink.drain();
    expect(broker.messages.map((m) => [m.payload, m.will])).toEqual([
      ['{"n":1}', false],
      ['{"n":2}', false],
      ["W1", true],
      ['{"n":3}', false],
    ]);
    expect(broker.connections.map((c) => c.will?.payload)).toEqual(["W1", "W2"]);
    expect(sink.doneCounts().get("m1")).toBe(7);
  });

  it("bounds unacknowledged messages per source and overall while the broker does not answer", async () => {
    const broker = new MemoryConnector();
    broker.pause();
    const sink = new MqttSink({
      connector: broker,
      secret: SECRET,
      maxInflight: 25,
      maxInflightPerSource: 10,
    });
    const items: DeliveryItem[] = [];
    for (const src of ["a", "b", "c", "d"]) for (let n = 1; n <= 50; n++) items.push(event(src, n, true));
    feed(sink, items);
    await flush();
    expect(sink.inflightCount).toBe(25);
    expect(sink.backlog).toBe(200);
    expect(broker.messages).toHaveLength(0);
    let drained = false;
    const done = sink.drain().then(() => {
      drained = true;
    });
    await flush();
    expect(drained).toBe(false);
    broker.resume();
    await done;
    expect(broker.messages).toHaveLength(200);
    for (const src of ["a", "b", "c", "d"]) {
      const ns = broker.messages.filter((m) => m.clientId === src).map((m) => JSON.parse(m.payload).n);
      expect(ns).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    }
  });

  it("given items done in an earlier run, then it skips them but keeps their will for the next connection", async () => {
    const broker = new MemoryConnector();
    const sink = new MqttSink({ connector: broker, secret: SECRET });
    sink.skipped(connect("W1"), 0);
    sink.skipped(event("m1", 1), 1);
    sink.accept(event("m1", 2), 2);
    await sink.drain();
    expect(broker.connections[0]?.will?.payload).toBe("W1");
    expect(broker.messages.map((m) => m.payload)).toEqual(['{"n":2}']);
    expect(sink.doneCounts().get("m1")).toBe(3);
  });

  it("given a will item after a restart (no live connection), then it still gets the broker to publish the will", async () => {
    const broker = new MemoryConnector();
    const sink = new MqttSink({ connector: broker, secret: SECRET });
    sink.skipped(connect("W1"), 0);
    sink.skipped(event("m1", 1), 1);
    sink.accept(
      { type: "will", source: "m1", topic: "hr/v1/p1/machine/m1/status", key: "m1:2", payload: "W1" },
      2,
    );
    await sink.drain();
    expect(broker.messages).toEqual([
      { topic: "hr/v1/p1/machine/m1/status", payload: "W1", clientId: "m1", will: true },
    ]);
  });

  it("given a machine decommissioned with events still unacknowledged, then the registry's deactivation waits until they are all done", async () => {
    const broker = new MemoryConnector();
    const sink = new MqttSink({ connector: broker, secret: SECRET, maxInflightPerSource: 2 });
    broker.pause();
    const deactivate: DeliveryItem = {
      type: "event",
      source: "registry",
      device: false,
      topic: "hr/v1/p1/registry/registry/ref_machine",
      key: "registry:9",
      payload: '{"kind":"ref_machine","machineId":"m1","active":false}',
    };
    feed(sink, [
      connect("W1"),
      ...[1, 2, 3, 4, 5, 6].map((n) => event("m1", n)),
      { type: "disconnect", source: "m1" },
      deactivate,
    ]);
    await flush();
    broker.resume();
    for (let i = 0; i < 20 && sink.backlog > 0; i++) {
      broker.resume();
      await flush();
    }
    await sink.drain();
    const order = broker.messages.map((m) => m.payload);
    expect(order).toEqual([1, 2, 3, 4, 5, 6].map((n) => `{"n":${n}}`).concat([deactivate.payload]));
  });
});

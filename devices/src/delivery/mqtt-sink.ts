import { devicePassword } from "../crypto/device-password";
import type { DeliveryItem } from "../sim/delivery-item";
import type { MqttConnector, PublisherConnection } from "./mqtt-connector";
import type { Sink } from "./sink";

export interface MqttSinkOptions {
  connector: MqttConnector;
  /** Deployment secret: each machine's password is devicePassword(secret, machineId). */
  secret: string | Uint8Array;
  /** Bound on unacknowledged QoS 1 messages over all connections (memory stays bounded). */
  maxInflight?: number;
  /** Bound per connection; order within a connection is kept by TCP and MQTT. */
  maxInflightPerSource?: number;
  /** Publish failures are retried after this delay. */
  retryDelayMs?: number;
}

interface Queued {
  item: DeliveryItem;
  index: number;
}

interface SourceState {
  readonly source: string;
  queue: Queued[];
  head: number;
  inflight: number;
  /** A kill or close is under way; nothing else starts meanwhile. */
  busy: boolean;
  done: number;
  readonly completed: Set<number>;
  will: { topic: string; payload: string } | undefined;
  conn: PublisherConnection | undefined;
  device: boolean;
}

/**
 * Publishes each source's items in order with QoS 1 over its own connection (clientId and
 * username = source id: every machine and every office source has its own account, limited to
 * its own kinds, see deviceCredentials). A `connect` item sets the will
 * the next connection registers; a `will` item waits for the earlier messages' PUBACKs, then
 * drops the connection without DISCONNECT so the broker publishes the will; a `disconnect`
 * item closes cleanly. In-flight messages are bounded globally and per source, so `--speed max`
 * cannot grow memory without limit; the outbox (the runner's store) holds the rest.
 */
export class MqttSink implements Sink {
  private readonly sources = new Map<string, SourceState>();
  private readonly blocked = new Set<SourceState>();
  private inflight = 0;
  private accepted = 0;
  private finished = 0;
  private waiters: { n: number; resolve: () => void }[] = [];
  private readonly maxInflight: number;
  private readonly maxPerSource: number;
  private readonly retryDelayMs: number;
  private closed = false;
  /**
   * Reference events (ref_prison, ref_item, ref_machine) accepted and not yet acknowledged.
   * Machines hold their traffic until the broker has every registration, as a real deployment
   * registers machines before they report: MQTT orders messages per connection only, so a
   * machine's first events could otherwise overtake its registration and be rejected.
   */
  private registrationsPending = 0;
  private readonly gated = new Set<SourceState>();
  /**
   * Office sources holding a machine's deactivation (ref_machine active:false, a decommission)
   * until that machine's own items are all done: on separate connections the deactivation could
   * overtake the machine's last events, which the gateway would then refuse.
   */
  private readonly afterDrain = new Map<SourceState, SourceState[]>();

  constructor(private readonly options: MqttSinkOptions) {
    this.maxInflight = options.maxInflight ?? 1000;
    this.maxPerSource = options.maxInflightPerSource ?? 100;
    this.retryDelayMs = options.retryDelayMs ?? 1000;
  }

  get backlog(): number {
    return this.accepted - this.finished;
  }

  get inflightCount(): number {
    return this.inflight;
  }

  accept(item: DeliveryItem, index: number): void {
    const s = this.state(item);
    if (item.type === "event" && gatesMachines(item.topic, item.payload)) this.registrationsPending++;
    s.queue.push({ item, index });
    this.accepted++;
    this.pump(s);
  }

  skipped(item: DeliveryItem, index: number): void {
    const s = this.state(item);
    if (item.type === "connect") s.will = { topic: item.willTopic, payload: item.willPayload };
    if (item.type === "will" || item.type === "disconnect") s.will = undefined;
    if (index + 1 > s.done) s.done = index + 1;
  }

  waitForBacklog(n: number): Promise<void> {
    if (this.backlog <= n) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ n, resolve }));
  }

  drain(): Promise<void> {
    return this.waitForBacklog(0);
  }

  doneCounts(): Map<string, number> {
    const m = new Map<string, number>();
    for (const s of this.sources.values()) m.set(s.source, s.done);
    return m;
  }

  async close(): Promise<void> {
    this.closed = true;
    const conns: PublisherConnection[] = [];
    for (const s of this.sources.values()) {
      if (s.conn) conns.push(s.conn);
      s.conn = undefined;
    }
    await Promise.all(conns.map((c) => c.close()));
  }

  private state(item: DeliveryItem): SourceState {
    let s = this.sources.get(item.source);
    if (s === undefined) {
      s = {
        source: item.source,
        queue: [],
        head: 0,
        inflight: 0,
        busy: false,
        done: 0,
        completed: new Set(),
        will: undefined,
        conn: undefined,
        device: item.type !== "event" || item.device,
      };
      this.sources.set(item.source, s);
    }
    if (item.type !== "event") s.device = true;
    return s;
  }

  private pump(s: SourceState): void {
    if (s.device && this.registrationsPending > 0) {
      this.gated.add(s);
      return;
    }
    while (!this.closed && !s.busy && s.head < s.queue.length) {
      const q = s.queue[s.head] as Queued;
      const item = q.item;
      switch (item.type) {
        case "connect":
          if (s.inflight > 0) return;
          s.will = { topic: item.willTopic, payload: item.willPayload };
          s.head++;
          this.complete(s, q.index);
          break;
        case "event": {
          if (!s.device) {
            const machine = deactivated(item.topic, item.payload);
            const m = machine === undefined ? undefined : this.sources.get(machine);
            if (m !== undefined && !drained(m)) {
              this.afterDrain.set(m, [...(this.afterDrain.get(m) ?? []), s]);
              return;
            }
          }
          if (s.inflight >= this.maxPerSource) return;
          if (this.inflight >= this.maxInflight) {
            this.blocked.add(s);
            return;
          }
          s.head++;
          s.inflight++;
          this.inflight++;
          this.publish(s, item.topic, item.payload, q.index);
          break;
        }
        case "will":
        case "disconnect": {
          if (s.inflight > 0) return;
          s.head++;
          // After a restart there may be no connection yet; open one with the will and drop it, so
          // the broker still publishes the will even if the previous run ended with a clean DISCONNECT.
          const conn = s.conn ?? (item.type === "will" && s.will ? this.connection(s) : undefined);
          s.conn = undefined;
          s.will = undefined;
          if (conn === undefined) {
            this.complete(s, q.index);
            break;
          }
          s.busy = true;
          const end = item.type === "will" ? conn.kill() : conn.close();
          end.then(
            () => {
              s.busy = false;
              this.complete(s, q.index);
              this.pump(s);
            },
            () => {
              s.busy = false;
              this.complete(s, q.index);
              this.pump(s);
            },
          );
          return;
        }
      }
    }
    if (s.head > 1024 && s.head * 2 > s.queue.length) {
      s.queue = s.queue.slice(s.head);
      s.head = 0;
    }
  }

  private publish(s: SourceState, topic: string, payload: string, index: number): void {
    const conn = this.connection(s);
    conn.publish(topic, payload).then(
      () => {
        s.inflight--;
        this.inflight--;
        if (gatesMachines(topic, payload) && --this.registrationsPending === 0) {
          const gated = [...this.gated];
          this.gated.clear();
          for (const g of gated) this.pump(g);
        }
        this.complete(s, index);
        this.pump(s);
        this.unblock();
      },
      () => {
        // Only a closed client rejects; mqtt.js resends across broker restarts by itself.
        if (this.closed) return;
        setTimeout(() => this.publish(s, topic, payload, index), this.retryDelayMs);
      },
    );
  }

  private connection(s: SourceState): PublisherConnection {
    s.conn ??= this.options.connector.connect({
      clientId: s.source,
      username: s.source,
      password: devicePassword(this.options.secret, s.source),
      ...(s.device && s.will ? { will: s.will } : {}),
    });
    return s.conn;
  }

  private unblock(): void {
    for (const s of this.blocked) {
      if (this.inflight >= this.maxInflight) return;
      this.blocked.delete(s);
      this.pump(s);
    }
  }

  private complete(s: SourceState, index: number): void {
    if (index === s.done) {
      s.done++;
      while (s.completed.delete(s.done)) s.done++;
    } else if (index > s.done) {
      s.completed.add(index);
    }
    this.finished++;
    const held = this.afterDrain.get(s);
    if (held !== undefined && drained(s)) {
      this.afterDrain.delete(s);
      queueMicrotask(() => {
        for (const h of held) this.pump(h);
      });
    }
    if (this.waiters.length > 0) {
      const backlog = this.backlog;
      const ready = this.waiters.filter((w) => backlog <= w.n);
      if (ready.length > 0) {
        this.waiters = this.waiters.filter((w) => backlog > w.n);
        for (const w of ready) w.resolve();
      }
    }
  }
}

const drained = (s: SourceState): boolean => s.head >= s.queue.length && s.inflight === 0 && !s.busy;

/** The machine a registry event deactivates (ref_machine with active false), if it is one. */
function deactivated(topic: string, payload: string): string | undefined {
  if (!topic.endsWith("/ref_machine") || !payload.includes('"active":false')) return undefined;
  return (JSON.parse(payload) as { machineId?: string }).machineId;
}

/** A registration machines wait for; a deactivation waits for its machine instead (never both). */
const gatesMachines = (topic: string, payload: string): boolean =>
  isRegistration(topic) && deactivated(topic, payload) === undefined;

const isRegistration = (topic: string): boolean => /\/ref_[a-z]+$/.test(topic);

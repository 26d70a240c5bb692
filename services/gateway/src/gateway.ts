import type { Logger } from "pino";
import { deadLetter } from "./adapters/dead-letter";
import type { RegistryFeed } from "./adapters/registry-feed";
import type { RegistrySnapshot } from "./adapters/registry-snapshot";
import type { StreamPublisher } from "./adapters/stream-publisher";
import { admit, type Verdict } from "./domain/admit";
import type { KnownMachines } from "./domain/known-machines";
import { isRefEvent } from "./domain/reference-events";
import type { GatewayMetrics } from "./metrics";

export class ShuttingDown extends Error {
  override readonly name = "ShuttingDown";
}

export interface GatewayDeps {
  publisher: Pick<StreamPublisher, "publishEvent" | "publishDeadLetter">;
  registry: Pick<RegistryFeed, "refresh">;
  /** The registry kept beyond the stream's max age: every admitted reference event goes there. */
  snapshot: Pick<RegistrySnapshot, "record">;
  known: KnownMachines;
  metrics: GatewayMetrics;
  log: Logger;
  clock: () => Date;
  maxClockSkewMs: number;
  /** How long a message from an unregistered machine waits for its registration to arrive. */
  unknownMachineGraceMs: number;
}

/**
 * One message from the broker to its stream. The promise resolves only once JetStream holds the
 * event or its dead letter; only then does the MQTT adapter send the PUBACK. While NATS is down
 * it retries (the broker keeps the message and stops sending more on this connection).
 */
export class Gateway {
  private stopping = false;
  private inFlight = 0;
  private registryCheckedAt = 0;

  constructor(private readonly deps: GatewayDeps) {}

  async handle(topic: string, payload: Uint8Array): Promise<void> {
    if (this.stopping) throw new ShuttingDown("not acknowledged: gateway is stopping");
    const { metrics, known } = this.deps;
    const end = metrics.latency.startTimer();
    this.inFlight++;
    metrics.inFlight.inc();
    try {
      // An office-level topic is checked against the registry (a registered machine never speaks
      // as an office; a machine's registration changes only through its registrar), so bring it
      // up to date, as another instance may have accepted a registration: before every
      // ref_machine (rare) and at most once a second for other office kinds. The wait is bounded:
      // a catch-up can take seconds under load, and machines' first events wait for their
      // registration (UNKNOWN_MACHINE_GRACE_MS); the broker's ACL is the first layer anyway.
      if (topic.split("/", 4)[3] !== "machine") {
        const now = Date.now();
        if (topic.endsWith("/ref_machine") || now - this.registryCheckedAt >= 1_000) {
          this.registryCheckedAt = now;
          const fresh = this.deps.registry.refresh().catch(() => undefined);
          await Promise.race([fresh, new Promise((r) => setTimeout(r, 500).unref())]);
        }
      }
      let verdict = this.decide(topic, payload);
      // The registration may be in flight on another connection or instance (MQTT orders
      // messages per connection only): look again for a short grace period before rejecting.
      const giveUpAt = Date.now() + this.deps.unknownMachineGraceMs;
      for (let wait = 50; !verdict.ok && verdict.reason === "unknown_machine"; wait *= 2) {
        await this.retry(() => this.deps.registry.refresh());
        verdict = this.decide(topic, payload);
        if (verdict.ok || Date.now() >= giveUpAt) break;
        await new Promise((r) => setTimeout(r, Math.min(wait, giveUpAt - Date.now())));
      }
      if (verdict.ok) {
        const { subject, key, event } = verdict;
        await this.retry(() => this.deps.publisher.publishEvent(subject, key, payload));
        // Kept before the PUBACK: a crash in between has the broker redeliver, and the stream
        // dedups the event while the snapshot gets it.
        if (isRefEvent(event))
          await this.retry(() => this.deps.snapshot.record(event, payload).then(() => undefined));
        if (event.kind === "ref_machine") known.apply(event);
        metrics.accepted.inc({ kind: event.kind });
      } else {
        const dl = deadLetter(topic, payload, verdict.reason, verdict.message, this.deps.clock());
        await this.retry(() => this.deps.publisher.publishDeadLetter(dl));
        metrics.rejected.inc({ reason: verdict.reason });
        this.deps.log.warn({ topic, reason: verdict.reason, id: dl.id }, verdict.message);
      }
      end();
    } finally {
      this.inFlight--;
      metrics.inFlight.dec();
    }
  }

  private decide(topic: string, payload: Uint8Array): Verdict {
    return admit(topic, payload, {
      now: this.deps.clock(),
      maxClockSkewMs: this.deps.maxClockSkewMs,
      isKnownMachine: (p, m) => this.deps.known.has(p, m),
      isMachine: (id) => this.deps.known.isMachine(id),
      registrarOf: (m) => this.deps.known.registrarOf(m),
    });
  }

  private async retry(fn: () => Promise<void>): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await fn();
        return;
      } catch (e) {
        if (this.stopping) throw new ShuttingDown("not acknowledged: gateway is stopping", { cause: e });
        this.deps.metrics.publishRetries.inc();
        if (attempt % 20 === 0) this.deps.log.error({ err: e, attempt }, "JetStream unavailable; retrying");
        await new Promise((r) => setTimeout(r, Math.min(100 * 2 ** attempt, 2_000)));
      }
    }
  }

  /** Stop retrying; messages not yet in JetStream stay unacknowledged at the broker. */
  stop(): void {
    this.stopping = true;
  }

  /**
   * Stops, then waits (at most `timeoutMs`) for the messages in hand. The subscription stays in
   * place: the broker keeps queueing for this persistent session (and shares new messages with
   * other instances). Messages not yet in JetStream stay unacknowledged and are redelivered when
   * this gateway comes back.
   */
  async drain(timeoutMs: number): Promise<void> {
    this.deps.log.info({ pending: this.inFlight }, "draining in-flight messages");
    this.stop();
    const deadline = Date.now() + timeoutMs;
    while (this.inFlight > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  }

  get pending(): number {
    return this.inFlight;
  }
}

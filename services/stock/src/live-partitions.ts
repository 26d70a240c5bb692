import { partitionOf } from "@hrvend/schemas";
import type { JetStreamManager } from "@nats-io/jetstream";

/**
 * Which of the events stream's consumers of this service have caught up (at most
 * LIVE_LAG_MESSAGES pending or unacknowledged): the live timer judges silence and expiry only
 * for their prisons. A consumer that replays its backlog (a rebuild, a restart after an outage)
 * holds states from the past; judging them against the clock now would raise false alerts.
 */
export class LivePartitions {
  private live = new Set<string>();

  constructor(
    private readonly jsm: JetStreamManager,
    private readonly config: {
      EVENTS_STREAM: string;
      CONSUMER: string;
      PARTITIONS: number;
      LIVE_LAG_MESSAGES: number;
    },
  ) {}

  private durableOf(prisonId: string): string {
    const c = this.config;
    return c.PARTITIONS > 0 ? `${c.CONSUMER}-p${partitionOf(prisonId, c.PARTITIONS)}` : c.CONSUMER;
  }

  /** Asks the server how far behind each consumer is (one it cannot tell about counts as not live). */
  async refresh(): Promise<void> {
    const c = this.config;
    const names =
      c.PARTITIONS > 0 ? Array.from({ length: c.PARTITIONS }, (_, k) => `${c.CONSUMER}-p${k}`) : [c.CONSUMER];
    const live = new Set<string>();
    for (const name of names) {
      try {
        const info = await this.jsm.consumers.info(c.EVENTS_STREAM, name);
        if (info.num_pending + info.num_ack_pending <= c.LIVE_LAG_MESSAGES) live.add(name);
      } catch {
        // not created yet, or owned and being reopened elsewhere: not live here
      }
    }
    this.live = live;
  }

  isLive(prisonId: string): boolean {
    return this.live.has(this.durableOf(prisonId));
  }
}

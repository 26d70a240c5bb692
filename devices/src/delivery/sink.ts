import type { DeliveryItem } from "../sim/delivery-item";

/**
 * Where deliveries go (a file, a broker). Items of one source arrive in order with their index
 * in that source's stream; a sink reports, per source, how many items from index 0 are done
 * (written, or acknowledged by the broker): the outbox's ack watermark.
 */
export interface Sink {
  accept(item: DeliveryItem, index: number): void;
  /** An item done in an earlier run (below the persisted watermark): not sent, but it may set state (the will). */
  skipped(item: DeliveryItem, index: number): void;
  /** Items accepted and not yet done. */
  readonly backlog: number;
  /** Resolves once the backlog is at most `n`. */
  waitForBacklog(n: number): Promise<void>;
  /** Per source, items done from index 0 on. */
  doneCounts(): Map<string, number>;
  /** Resolves when everything accepted is done. */
  drain(): Promise<void>;
  /** Releases files and connections (connections end without firing wills). */
  close(): Promise<void>;
}

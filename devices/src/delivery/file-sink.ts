import type { DeliveryItem } from "../sim/delivery-item";
import { LineWriter } from "./line-writer";
import type { Sink } from "./sink";

/**
 * Writes events as JSONL in arrival order: what a subscriber on the broker would receive.
 * A machine's will is written where the broker would publish it; events buffered during an
 * outage come after the reconnect, with their original seq and deviceTime. Connection items
 * carry no event and are not written.
 */
export class FileSink implements Sink {
  private readonly writer: LineWriter;
  private readonly done = new Map<string, number>();

  constructor(path: string) {
    this.writer = new LineWriter(path);
  }

  get lines(): number {
    return this.writer.lines;
  }

  accept(item: DeliveryItem, index: number): void {
    if (item.type === "event" || item.type === "will") this.writer.write(item.payload);
    this.done.set(item.source, index + 1);
  }

  skipped(item: DeliveryItem, index: number): void {
    this.done.set(item.source, index + 1);
  }

  get backlog(): number {
    return 0;
  }

  async waitForBacklog(): Promise<void> {
    await this.writer.ready();
  }

  doneCounts(): Map<string, number> {
    return new Map(this.done);
  }

  async drain(): Promise<void> {
    await this.writer.ready();
  }

  async close(): Promise<void> {
    await this.writer.close();
  }
}

// The services' own configuration schemas (not part of their packages' exports, hence the
// relative paths): the consumer names below are their defaults, so a renamed default follows.
import { CoverageEnv } from "@hrvend/coverage/config";
import { RecorderEnv } from "@hrvend/recorder/config";
import { ReorderEnv } from "@hrvend/reorder/config";
import { DEFAULT_STREAMS } from "@hrvend/runtime/nats";
import { StockEnv } from "@hrvend/stock/config";
import type { ExpectedConsumer } from "./settle";

/** The streams a summary reads positions on: the events and dead-letter streams must exist. */
export interface SettleStreams {
  events: string;
  dead: string;
  /** Optional: the stock service's alerts (its durables, if any, are waited for too). */
  alerts?: string;
}

export const SETTLE_STREAMS: SettleStreams = {
  events: RecorderEnv.shape.EVENTS_STREAM.parse(undefined),
  dead: RecorderEnv.shape.DEAD_STREAM.parse(undefined),
  ...(DEFAULT_STREAMS.alerts ? { alerts: DEFAULT_STREAMS.alerts } : {}),
};

/**
 * Every durable consumer that must exist and be at its stream's head before a figure is current
 * (docs/architecture.md §Invariants, invariant 7): the recorder, stock, reorder and coverage on the events stream
 * (`<name>-p<k>` for every k < partitions when partitioned), and the recorder's and stock's
 * dead-letter consumers (`<name>-dead`, one per service whatever the partitions). A consumer that
 * was never created (a service never started, a deleted durable) is thereby not invisible.
 */
export function expectedConsumers(
  partitions: number,
  streams: SettleStreams = SETTLE_STREAMS,
): ExpectedConsumer[] {
  if (!Number.isInteger(partitions) || partitions < 0)
    throw new RangeError(`partitions must be a whole number ≥ 0, got ${partitions}`);
  const names = {
    recorder: RecorderEnv.shape.CONSUMER.parse(undefined),
    stock: StockEnv.shape.CONSUMER.parse(undefined),
    reorder: ReorderEnv.shape.CONSUMER.parse(undefined),
    coverage: CoverageEnv.shape.CONSUMER.parse(undefined),
  };
  const onEvents = (name: string) =>
    partitions === 0 ? [name] : Array.from({ length: partitions }, (_, k) => `${name}-p${k}`);
  return [
    ...Object.values(names).flatMap((n) =>
      onEvents(n).map((consumer) => ({ stream: streams.events, consumer })),
    ),
    // The dead-letter consumers: recorder.ts and stock's main.ts name them `<CONSUMER>-dead`.
    { stream: streams.dead, consumer: `${names.recorder}-dead` },
    { stream: streams.dead, consumer: `${names.stock}-dead` },
  ];
}

import { partitionFilter, partitionOf } from "@hrvend/schemas";
import type { JetStreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { InfraError } from "../errors";
import { type RunningConsumer, startCommittedConsumer } from "./batch-consumer";
import { startLeasedWork } from "./leases";

type CommittedOptions = Parameters<typeof startCommittedConsumer>[0];

/** What a stream service's environment says about partitions (streamServiceEnv). */
export interface Partitioning {
  PARTITIONS: number;
  INSTANCE_ID: string;
  LEASE_SECONDS: number;
  STREAM_REPLICAS: number;
}

export interface StreamConsumersOptions extends Omit<CommittedOptions, "filterSubject"> {
  nc: NatsConnection;
  partitioning: Partitioning;
  /** Further work one instance of the service does (the recorder's dead letters), leased alike. */
  extraUnits?: Record<string, () => Promise<RunningConsumer>>;
  /** After this instance's share changed (partitioned): e.g. recompute what it now owns. */
  onChange?(owns: (prisonId: string) => boolean): void;
}

export interface StreamConsumers {
  /** Whether this instance works on the prison's events (always, unpartitioned). */
  owns(prisonId: string): boolean;
  stop(): Promise<void>;
}

/**
 * The service's consumers of the events stream. Unpartitioned (PARTITIONS=0): one durable over
 * the whole stream, plus the extra units. Partitioned: durable `<consumer>-p<k>` per partition,
 * filtered on the partition token, shared among the running instances through leases.
 */
export async function startStreamConsumers(o: StreamConsumersOptions): Promise<StreamConsumers> {
  const { nc, partitioning: p, extraUnits = {}, onChange, ...committed } = o;
  if (p.PARTITIONS === 0) {
    const all = [await startCommittedConsumer(committed)];
    for (const start of Object.values(extraUnits)) all.push(await start());
    return { owns: () => true, stop: async () => void (await Promise.all(all.map((c) => c.stop()))) };
  }
  const subject = await partitionedSubject(o.jsm, o.stream, p.PARTITIONS);
  const units = [...Array.from({ length: p.PARTITIONS }, (_, k) => `p${k}`), ...Object.keys(extraUnits)];
  let owned: ReadonlySet<string> = new Set();
  const owns = (prisonId: string) => owned.has(`p${partitionOf(prisonId, p.PARTITIONS)}`);
  const work = await startLeasedWork({
    nc,
    service: o.durable,
    instanceId: p.INSTANCE_ID,
    units,
    leaseSeconds: p.LEASE_SECONDS,
    replicas: p.STREAM_REPLICAS,
    log: o.log,
    start: (unit) => {
      const extra = extraUnits[unit];
      if (extra) return extra();
      const k = Number(unit.slice(1));
      return startCommittedConsumer({
        ...committed,
        durable: `${o.durable}-${unit}`,
        filterSubject: partitionFilter(subject, k),
      });
    },
    onChange: (units) => {
      owned = units;
      onChange?.(owns);
    },
  });
  return { owns, stop: () => work.stop() };
}

/** The events stream's one partitioned subject (`hr.v1.*.*.*.*`, or a test's `hr.v1.<prison>.*.*.*`). */
async function partitionedSubject(
  jsm: JetStreamManager,
  stream: string,
  partitions: number,
): Promise<string> {
  const subjects = (await jsm.streams.info(stream)).config.subjects ?? [];
  const [subject] = subjects;
  if (subjects.length !== 1 || subject === undefined || subject.split(".").length !== 6) {
    throw new InfraError(
      `PARTITIONS=${partitions} but stream ${stream} is not partitioned (subjects ${subjects.join(", ")}); give the gateway the same PARTITIONS and a new stream`,
      { stream, subjects },
    );
  }
  return subject;
}

import { ContractError, type HrEvent, parseEventBytes } from "@hrvend/schemas";
import type { JetStreamClient, JetStreamManager } from "@nats-io/jetstream";
import type { KnownMachines } from "./known-machines";

/**
 * The subject filter for ref_machine events inside one of the stream's subjects: `hr.v1.>`
 * gives `hr.v1.*.*.ref_machine`, `hr.v1.p1.>` gives `hr.v1.p1.*.ref_machine`. (nats-server 2.9
 * wants a consumer filter to be a subset of one stream subject, and one filter per consumer.)
 * A partitioned subject keeps its partition token: `hr.v1.*.*.*.*` gives `hr.v1.*.*.ref_machine.*`.
 */
export function registryFilter(streamSubject: string): string {
  const tokens = streamSubject.split(".");
  if (tokens.at(-1) === ">") tokens.pop();
  while (tokens.length < 4) tokens.push("*");
  return [...tokens.slice(0, 4), "ref_machine", ...tokens.slice(5)].join(".");
}

/**
 * Keeps KnownMachines in step with the ref_machine events in the stream, including those that
 * other gateway instances accepted. Reads only what is new: the stream's per-subject counts tell
 * how many messages to fetch, so a check costs one request when nothing changed.
 */
export class RegistryFeed {
  private readonly cursors: { filter: string; seen: number; lastSeq: number }[];
  private running: Promise<void> | undefined;

  constructor(
    private readonly jsm: JetStreamManager,
    private readonly js: JetStreamClient,
    private readonly stream: string,
    private readonly known: KnownMachines,
    streamSubjects: string[],
  ) {
    const filters = [...new Set(streamSubjects.map(registryFilter))];
    this.cursors = filters.map((filter) => ({ filter, seen: 0, lastSeq: 0 }));
  }

  /** Brings the registry up to date; concurrent callers share one refresh. */
  refresh(): Promise<void> {
    this.running ??= this.catchUp().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async catchUp(): Promise<void> {
    for (const cursor of this.cursors) {
      const info = await this.jsm.streams.info(this.stream, { subjects_filter: cursor.filter });
      const total = Object.values(info.state.subjects ?? {}).reduce((n, c) => n + c, 0);
      let missing = total - cursor.seen;
      while (missing > 0) {
        const consumer = await this.js.consumers.get(this.stream, {
          filter_subjects: cursor.filter,
          opt_start_seq: cursor.lastSeq + 1,
        });
        const batch = await consumer.fetch({ max_messages: Math.min(missing, 1000), expires: 5_000 });
        let got = 0;
        for await (const m of batch) {
          got++;
          const e = registration(m.data);
          if (e?.kind === "ref_machine") this.known.apply(e);
          cursor.lastSeq = m.seq;
        }
        await consumer.delete().catch(() => false);
        if (got === 0) break;
        cursor.seen += got;
        missing -= got;
      }
    }
  }
}

/**
 * A stored event, or undefined when today's contract refuses it: a stream written by an older,
 * laxer gateway may hold one, and it must not stop the feed (it registers nothing).
 */
function registration(data: Uint8Array): HrEvent | undefined {
  try {
    return parseEventBytes(data);
  } catch (e) {
    if (e instanceof ContractError) return undefined;
    throw e;
  }
}

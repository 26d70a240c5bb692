import { ContractError, type HrEvent, parseEventBytes } from "@hrvend/schemas";
import type { JetStreamClient, JetStreamManager } from "@nats-io/jetstream";
import type { KnownMachines } from "../domain/known-machines";
import { isRefEvent, type RefEvent } from "../domain/reference-events";
import type { RegistrySnapshot } from "./registry-snapshot";

/**
 * The subject filter for one reference kind's events inside one of the stream's subjects:
 * `hr.v1.>` gives `hr.v1.*.*.ref_machine`, `hr.v1.p1.>` gives `hr.v1.p1.*.ref_machine`. (nats-server
 * 2.9 wants a consumer filter to be a subset of one stream subject, and one filter per consumer.)
 * A partitioned subject keeps its partition token: `hr.v1.*.*.*.*` gives `hr.v1.*.*.ref_machine.*`.
 */
export function registryFilter(streamSubject: string, kind: RefEvent["kind"] = "ref_machine"): string {
  const tokens = streamSubject.split(".");
  if (tokens.at(-1) === ">") tokens.pop();
  while (tokens.length < 4) tokens.push("*");
  return [...tokens.slice(0, 4), kind, ...tokens.slice(5)].join(".");
}

/**
 * How many of the messages already read are still in the stream: the stream removes its oldest
 * messages first (max age), so those below its first sequence are gone. Drops them from `seqs`.
 */
export function stillStored(seqs: number[], firstSeq: number): number {
  let gone = 0;
  while (gone < seqs.length && (seqs[gone] as number) < firstSeq) gone++;
  seqs.splice(0, gone);
  return seqs.length;
}

export interface RegistryFeedOptions {
  /** The reference kinds to read (default ref_machine, what KnownMachines needs). */
  kinds?: RefEvent["kind"][];
  /** Where every reference event read is kept too (the bucket that outlives the stream). */
  snapshot?: Pick<RegistrySnapshot, "record">;
}

/**
 * Keeps KnownMachines in step with the ref_machine events in the stream, including those that
 * other gateway instances accepted, and keeps each one in the registry snapshot (so registrations
 * admitted before the snapshot existed are kept too). Reads only what is new: the stream's
 * per-subject counts, less the messages read that are still stored, tell how many to fetch, so a
 * check costs one request when nothing changed. (Counting against everything ever read would see
 * nothing new once the stream's max age had removed old registrations.)
 */
export class RegistryFeed {
  private readonly cursors: { filter: string; seqs: number[]; lastSeq: number }[];
  private readonly snapshot: RegistryFeedOptions["snapshot"];
  private running: Promise<void> | undefined;

  constructor(
    private readonly jsm: JetStreamManager,
    private readonly js: JetStreamClient,
    private readonly stream: string,
    private readonly known: KnownMachines,
    streamSubjects: string[],
    o: RegistryFeedOptions = {},
  ) {
    const kinds = o.kinds ?? ["ref_machine"];
    const filters = [...new Set(kinds.flatMap((k) => streamSubjects.map((s) => registryFilter(s, k))))];
    this.cursors = filters.map((filter) => ({ filter, seqs: [], lastSeq: 0 }));
    this.snapshot = o.snapshot;
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
      let missing = total - stillStored(cursor.seqs, info.state.first_seq);
      while (missing > 0) {
        const consumer = await this.js.consumers.get(this.stream, {
          filter_subjects: cursor.filter,
          opt_start_seq: cursor.lastSeq + 1,
        });
        const batch = await consumer.fetch({ max_messages: Math.min(missing, 1000), expires: 5_000 });
        let got = 0;
        try {
          for await (const m of batch) {
            const e = registration(m.data);
            if (e?.kind === "ref_machine") this.known.apply(e);
            if (e && isRefEvent(e)) await this.snapshot?.record(e, m.data);
            // Counted only once handled: a failed snapshot write reads the message again next time.
            got++;
            cursor.seqs.push(m.seq);
            cursor.lastSeq = m.seq;
          }
        } finally {
          await consumer.delete().catch(() => false);
        }
        if (got === 0) break;
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

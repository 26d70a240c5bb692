import { parseEventBytes } from "@hrvend/schemas";
import type { JetStreamClient, JetStreamManager } from "@nats-io/jetstream";
import type { KnownMachines } from "./known-machines";

/**
 * Keeps KnownMachines in step with the ref_machine events in the stream, including those that
 * other gateway instances accepted. Reads only what is new: the stream's per-subject counts tell
 * how many messages to fetch, so a check costs one request when nothing changed.
 */
export class RegistryFeed {
  private seen = 0;
  private lastSeq = 0;
  private running: Promise<void> | undefined;

  constructor(
    private readonly jsm: JetStreamManager,
    private readonly js: JetStreamClient,
    private readonly stream: string,
    private readonly known: KnownMachines,
    private readonly filter = "hr.v1.*.*.ref_machine",
  ) {}

  /** Brings the registry up to date; concurrent callers share one refresh. */
  refresh(): Promise<void> {
    this.running ??= this.catchUp().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async catchUp(): Promise<void> {
    const info = await this.jsm.streams.info(this.stream, { subjects_filter: this.filter });
    const total = Object.values(info.state.subjects ?? {}).reduce((n, c) => n + c, 0);
    let missing = total - this.seen;
    while (missing > 0) {
      const consumer = await this.js.consumers.get(this.stream, {
        filter_subjects: [this.filter],
        opt_start_seq: this.lastSeq + 1,
      });
      const batch = await consumer.fetch({ max_messages: Math.min(missing, 1000), expires: 5_000 });
      let got = 0;
      for await (const m of batch) {
        got++;
        const e = parseEventBytes(m.data);
        if (e.kind === "ref_machine") this.known.apply(e);
        this.lastSeq = m.seq;
      }
      await consumer.delete().catch(() => false);
      if (got === 0) break;
      this.seen += got;
      missing -= got;
    }
  }
}

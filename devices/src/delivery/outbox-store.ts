import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import { OutboxStateError } from "../errors";

/** What identifies a run: a state dir only resumes the run that created it. */
export interface RunFingerprint {
  scenario: string;
  scenarioSha256: string;
  seed: string;
  days: number;
  start: string;
}

export interface OutboxResume {
  /** Simulated time (ms) the generator had reached. */
  position: number;
  /** Per source, items acknowledged from index 0 on (the ack watermark). */
  done: Map<string, number>;
  /** Instants of the earlier restarts of this run (see Simulation.restartAt), ascending. */
  restarts: number[];
}

interface Segment {
  file: string;
  /** Per source, the highest item index written to this segment. */
  maxIndex: Record<string, number>;
}

interface StateFile {
  position: number;
  complete: boolean;
  done: Record<string, number>;
  /** Absent in state dirs written before restarts were recorded. */
  restarts?: number[];
  segments: Segment[];
}

const SEGMENT_BYTES = 16 * 1024 * 1024;
const WRITE_BATCH_BYTES = 64 * 1024;

/**
 * The machines' disk: an append-only outbox log (segments of `source\tindex\tpayload` lines)
 * plus `state.json` with each source's ack watermark and the generator's position, written
 * atomically (write + fsync + rename). A segment is deleted once every item in it is acknowledged.
 *
 * Resume after a crash (kill -9 included): the generator is deterministic, so the run is
 * regenerated from the start; items below the watermark are skipped, the rest are re-sent
 * (at least once; consumers dedup by event key). Regenerated items must equal the logged bytes,
 * which proves no event is re-emitted with a new seq.
 */
export class OutboxStore {
  readonly resume: OutboxResume | undefined;
  private readonly logged = new Map<string, Map<number, string>>();
  private segments: Segment[] = [];
  private current: { fd: number; segment: Segment; bytes: number } | undefined;
  private pending: string[] = [];
  private pendingBytes = 0;
  private nextSegmentNo = 1;
  private readonly restarts: number[];

  private constructor(
    readonly dir: string,
    resume: OutboxResume | undefined,
  ) {
    this.resume = resume;
    this.restarts = [...(resume?.restarts ?? [])];
  }

  /**
   * Opens (or creates) the state of one run. `fresh` discards an earlier state; a completed
   * run starts over; a state dir of another scenario, seed, length or start is refused.
   */
  static open(dir: string, fingerprint: RunFingerprint, fresh = false): OutboxStore {
    const runPath = join(dir, "run.json");
    const statePath = join(dir, "state.json");
    if (!fresh && existsSync(runPath)) {
      const previous = JSON.parse(readFileSync(runPath, "utf8")) as RunFingerprint;
      const differs = (Object.keys(fingerprint) as (keyof RunFingerprint)[]).filter(
        (k) => previous[k] !== fingerprint[k],
      );
      if (differs.length > 0) {
        throw new OutboxStateError(
          `state dir ${dir} belongs to another run (different ${differs.join(", ")}); ` +
            "pass --fresh to discard it or choose another --state-dir",
          { dir, differs },
        );
      }
    }
    let state: StateFile | undefined;
    if (!fresh && existsSync(statePath)) state = JSON.parse(readFileSync(statePath, "utf8")) as StateFile;
    if (fresh || state === undefined || state.complete) {
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir, { recursive: true });
      writeAtomic(runPath, `${JSON.stringify(fingerprint, null, 2)}\n`);
      return new OutboxStore(dir, undefined);
    }
    const store = new OutboxStore(dir, {
      position: state.position,
      done: new Map(Object.entries(state.done)),
      restarts: state.restarts ?? [],
    });
    store.loadLog(state);
    return store;
  }

  /** The payload an earlier run logged for an unacknowledged item, if any. */
  loggedPayload(source: string, index: number): string | undefined {
    return this.logged.get(source)?.get(index);
  }

  /**
   * Per source, how many items the regenerated run must produce before it has passed everything
   * an earlier run may have sent: the ack watermark, or one past the highest logged index.
   */
  generatedBeforeCrash(): Map<string, number> {
    const need = new Map(this.resume?.done ?? []);
    for (const [source, items] of this.logged) {
      let max = -1;
      for (const index of items.keys()) if (index > max) max = index;
      need.set(source, Math.max(need.get(source) ?? 0, max + 1));
    }
    return need;
  }

  /** Records that this run resumed after a crash at `t` (persisted by the next checkpoint). */
  recordRestart(t: number): void {
    this.restarts.push(t);
  }

  /** Appends a generated item to the log (buffered; a crash loses only what the generator can regenerate). */
  append(source: string, index: number, payload: string): void {
    const line = `${source}\t${index}\t${payload}\n`;
    this.pending.push(line);
    this.pendingBytes += line.length;
    const seg = this.segmentFor();
    if ((seg.maxIndex[source] ?? -1) < index) seg.maxIndex[source] = index;
    if (this.pendingBytes >= WRITE_BATCH_BYTES) this.flush();
  }

  /** Persists the watermarks and position; drops segments whose items are all acknowledged. */
  checkpoint(done: ReadonlyMap<string, number>, position: number, complete = false): void {
    this.flush();
    if (this.current) fsyncSync(this.current.fd);
    const doneObj = Object.fromEntries(done);
    if (complete && this.current) {
      closeSync(this.current.fd);
      this.current = undefined;
    }
    const keep: Segment[] = [];
    for (const seg of this.segments) {
      const acked = Object.entries(seg.maxIndex).every(([src, max]) => (done.get(src) ?? 0) > max);
      if (acked && seg !== this.current?.segment) rmSync(join(this.dir, seg.file), { force: true });
      else keep.push(seg);
    }
    this.segments = keep;
    const state: StateFile = {
      position,
      complete,
      done: doneObj,
      segments: this.segments,
      restarts: this.restarts,
    };
    writeAtomic(join(this.dir, "state.json"), JSON.stringify(state));
  }

  close(): void {
    this.flush();
    if (this.current) closeSync(this.current.fd);
    this.current = undefined;
  }

  private segmentFor(): Segment {
    if (this.current === undefined || this.current.bytes >= SEGMENT_BYTES) {
      this.flush();
      if (this.current) closeSync(this.current.fd);
      const file = `outbox.${String(this.nextSegmentNo++).padStart(6, "0")}.log`;
      const segment: Segment = { file, maxIndex: {} };
      this.segments.push(segment);
      this.current = { fd: openSync(join(this.dir, file), "a"), segment, bytes: 0 };
    }
    return this.current.segment;
  }

  /**
   * Hands the buffered log lines to the OS (write, no fsync): the runner calls it before it gives
   * items to the sink, so whatever reaches the broker is in the log even if the process is killed.
   */
  flush(): void {
    if (this.pending.length === 0 || this.current === undefined) return;
    const text = this.pending.join("");
    writeSync(this.current.fd, text);
    this.current.bytes += Buffer.byteLength(text);
    this.pending = [];
    this.pendingBytes = 0;
  }

  private loadLog(state: StateFile): void {
    // Segments written after the last checkpoint are not listed yet: scan the folder.
    const files = readdirSync(this.dir)
      .filter((f) => /^outbox\.\d+\.log$/.test(f))
      .sort();
    for (const file of files) {
      const no = Number(file.slice(7, 13));
      if (no >= this.nextSegmentNo) this.nextSegmentNo = no + 1;
      const segment: Segment = state.segments.find((s) => s.file === file) ?? { file, maxIndex: {} };
      const text = readFileSync(join(this.dir, file), "utf8");
      const lines = text.split("\n");
      lines.pop(); // empty, or a line torn by a crash: the generator will produce it again
      for (const line of lines) {
        const a = line.indexOf("\t");
        const b = line.indexOf("\t", a + 1);
        if (a < 0 || b < 0) continue;
        const source = line.slice(0, a);
        const index = Number(line.slice(a + 1, b));
        if (index < (state.done[source] ?? 0)) continue;
        let m = this.logged.get(source);
        if (m === undefined) {
          m = new Map();
          this.logged.set(source, m);
        }
        m.set(index, line.slice(b + 1));
        if ((segment.maxIndex[source] ?? -1) < index) segment.maxIndex[source] = index;
      }
      this.segments.push(segment);
    }
  }
}

function writeAtomic(path: string, text: string): void {
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, text);
  const fd = openSync(tmp, "r+");
  fsyncSync(fd);
  closeSync(fd);
  renameSync(tmp, path);
}

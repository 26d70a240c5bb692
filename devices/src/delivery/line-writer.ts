import { once } from "node:events";
import { createWriteStream, mkdirSync, type WriteStream } from "node:fs";
import { dirname } from "node:path";
import { SinkError } from "../errors";

const CHUNK_CHARS = 256 * 1024;

/** Appends lines to a file through a large buffer; `ready()` applies backpressure. */
export class LineWriter {
  private readonly stream: WriteStream;
  private chunk: string[] = [];
  private chunkChars = 0;
  private failure: Error | undefined;
  lines = 0;

  constructor(readonly path: string) {
    mkdirSync(dirname(path), { recursive: true });
    this.stream = createWriteStream(path, { flags: "w", highWaterMark: 4 * 1024 * 1024 });
    this.stream.on("error", (cause) => {
      this.failure = new SinkError(`cannot write ${path}: ${cause.message}`, { path }, { cause });
    });
  }

  write(line: string): void {
    if (this.failure) throw this.failure;
    this.chunk.push(line);
    this.chunkChars += line.length + 1;
    this.lines++;
    if (this.chunkChars >= CHUNK_CHARS) this.flushChunk();
  }

  /** Resolves when the stream can take more. */
  async ready(): Promise<void> {
    if (this.failure) throw this.failure;
    if (this.stream.writableNeedDrain) await once(this.stream, "drain");
  }

  get pending(): number {
    return this.stream.writableLength + this.chunkChars;
  }

  async close(): Promise<void> {
    this.flushChunk();
    await new Promise<void>((resolve, reject) =>
      this.stream.end((err?: Error | null) => (err ? reject(err) : resolve())),
    );
    if (this.failure) throw this.failure;
  }

  private flushChunk(): void {
    if (this.chunk.length === 0) return;
    this.stream.write(`${this.chunk.join("\n")}\n`);
    this.chunk = [];
    this.chunkChars = 0;
  }
}

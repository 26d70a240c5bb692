import { ContractError, parseEventBytes } from "@hrvend/schemas";
import { type KV, Kvm } from "@nats-io/kv";
import type { NatsConnection } from "@nats-io/transport-node";
import { supersedes } from "../domain/known-machines";
import { isRefEvent, type RefEvent, snapshotKey } from "../domain/reference-events";

/** The default bucket: one per events stream, so pipelines sharing a server keep theirs apart. */
export function defaultBucket(eventsStream: string): string {
  return `hrvend_registry_${eventsStream.replace(/[^\w-]/g, "_")}`;
}

interface Held {
  /** The bucket's revision of the key: the next write must name it (compare-and-set). */
  revision: number;
  /** Undefined for a deleted entry or one today's contract refuses: any event replaces it. */
  event: RefEvent | undefined;
}

/**
 * The registry as the gateways admitted it, kept in a JetStream KV bucket with no TTL: the
 * events stream has a max age (STREAM_MAX_AGE_DAYS) and its ref events age out, but a gateway
 * (re)started after that must still know every machine. One key per prison, machine and item;
 * the value is the latest admitted reference event exactly as published (it carries its source
 * and seq). Writes follow the stores' order (`supersedes`) and are compare-and-set on the key's
 * revision, so two gateway instances writing at once keep the newer event, never the later write.
 */
export class RegistrySnapshot {
  private constructor(
    private readonly kv: KV,
    private readonly held: Map<string, Held>,
  ) {}

  /**
   * Opens the bucket (created on first use) and reads all of it. A cluster that has just started
   * answers "JetStream not available" until it has a leader: retried for about a minute.
   */
  static async open(nc: NatsConnection, bucket: string, replicas: number): Promise<RegistrySnapshot> {
    for (let attempt = 0; ; attempt++) {
      try {
        const kv = await new Kvm(nc).create(bucket, { history: 1, replicas });
        return new RegistrySnapshot(kv, await readAll(kv));
      } catch (err) {
        if (attempt >= 120)
          throw new RegistrySnapshotError(`cannot open KV bucket ${bucket}`, { cause: err });
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  }

  /** Every entity's latest event in the bucket (read at open, kept up to date by `record`). */
  events(): RefEvent[] {
    return [...this.held.values()].flatMap((h) => (h.event ? [h.event] : []));
  }

  /**
   * Keeps `payload` (the bytes of `e`, as admitted) as its entity's latest event, unless the
   * bucket holds a newer one from the same source or the entity belongs to another source.
   * Resolves true when written, false when not newer; rejects when NATS does not answer.
   */
  async record(e: RefEvent, payload: Uint8Array): Promise<boolean> {
    const key = snapshotKey(e);
    for (let attempt = 0; ; attempt++) {
      const h = this.held.get(key);
      if (!supersedes(h?.event, e)) return false;
      try {
        const revision = h
          ? await this.kv.update(key, payload, h.revision)
          : await this.kv.create(key, payload);
        this.held.set(key, { revision, event: e });
        return true;
      } catch (err) {
        // Another instance wrote the key since we read it: read it again and decide again.
        const now = await this.kv.get(key);
        const moved = (now?.revision ?? 0) !== (h?.revision ?? 0);
        if (!moved || attempt >= 10) throw new RegistrySnapshotError(`cannot write ${key}`, { cause: err });
        if (now === null) this.held.delete(key);
        else this.held.set(key, held(now.revision, now.operation === "PUT" ? now.value : undefined));
      }
    }
  }
}

async function readAll(kv: KV): Promise<Map<string, Held>> {
  const out = new Map<string, Held>();
  for await (const entry of await kv.history()) {
    const was = out.get(entry.key);
    if (was && was.revision > entry.revision) continue;
    out.set(entry.key, held(entry.revision, entry.operation === "PUT" ? entry.value : undefined));
  }
  return out;
}

function held(revision: number, value: Uint8Array | undefined): Held {
  if (value === undefined || value.length === 0) return { revision, event: undefined };
  try {
    const e = parseEventBytes(value);
    return { revision, event: isRefEvent(e) ? e : undefined };
  } catch (err) {
    // Kept by an older, laxer gateway: it registers nothing, and the next admitted event replaces it.
    if (err instanceof ContractError) return { revision, event: undefined };
    throw err;
  }
}

/** The registry bucket could not be opened or written (NATS down, no JetStream, no permission). */
export class RegistrySnapshotError extends Error {
  override readonly name = "RegistrySnapshotError";
}

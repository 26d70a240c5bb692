import { EVENT_KINDS, SUBJECT_PREFIX } from "@hrvend/schemas";
import type { JetStreamManager, StreamConfig } from "@nats-io/jetstream";
import { RetentionPolicy, StorageType } from "@nats-io/jetstream";

/**
 * The streams every service agrees on. Names and subjects are configuration so tests (and
 * partitioned deployments) can run several pipelines on one server without overlap.
 */
export interface StreamNames {
  /** Accepted events, subjects hr.v1.<prison>.<source>.<kind>. */
  events: string;
  eventSubjects: string[];
  /** Rejected inputs, subject <deadPrefix>.<reason>. */
  dead: string;
  deadPrefix: string;
  /** Alerts the stock service publishes, subjects hr.v1.<prison>.<machine>.alert (optional). */
  alerts?: string;
  alertSubjects?: string[];
  /** Replicas of every stream created (3 on a 3-node cluster); 1 when unset. */
  replicas?: number;
  /** Days a message is kept in the events and dead-letter streams (0 or unset: for ever). */
  maxAgeDays?: number;
  /**
   * The caller owns `eventSubjects` (the gateway): an existing events stream whose subjects are
   * all among them gets the missing ones added (a kind added to the contract, e.g. alert_ack),
   * so its events are not refused by a stream created before. Never removes or replaces one.
   */
  addMissingEventSubjects?: boolean;
}

/**
 * The events stream takes one subject per contract kind rather than `hr.v1.>`, so the stock
 * service's alerts (`hr.v1.<prison>.<machine>.alert`) live in a stream of their own.
 */
export const DEFAULT_STREAMS: StreamNames = {
  events: "HR_EVENTS",
  eventSubjects: EVENT_KINDS.map((k) => `${SUBJECT_PREFIX}.*.*.${k}`),
  dead: "HR_DEAD_LETTERS",
  deadPrefix: "hr.dead",
  alerts: "HR_ALERTS",
  alertSubjects: [`${SUBJECT_PREFIX}.*.*.alert`],
};

// JetStream's dedup window on Nats-Msg-Id. Longer windows cost memory per key; duplicates
// beyond it are caught by the idempotent writes downstream (invariant 1).
const DUPLICATE_WINDOW_NS = 10 * 60 * 1_000_000_000;

/** Creates the streams if missing (idempotent); never changes an existing stream's data. */
export async function ensureStreams(jsm: JetStreamManager, names: StreamNames): Promise<void> {
  const maxAge = names.maxAgeDays ? { max_age: Math.round(names.maxAgeDays * 86_400) * 1_000_000_000 } : {};
  if (names.addMissingEventSubjects) await addMissingSubjects(jsm, names.events, names.eventSubjects);
  await ensure(jsm, {
    ...maxAge,
    name: names.events,
    subjects: names.eventSubjects,
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    duplicate_window: DUPLICATE_WINDOW_NS,
    num_replicas: names.replicas ?? 1,
  });
  if (names.alerts && names.alertSubjects) {
    await ensure(jsm, {
      name: names.alerts,
      subjects: names.alertSubjects,
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      duplicate_window: DUPLICATE_WINDOW_NS,
      num_replicas: names.replicas ?? 1,
    });
  }
  await ensure(jsm, {
    ...maxAge,
    name: names.dead,
    subjects: [`${names.deadPrefix}.>`],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    duplicate_window: DUPLICATE_WINDOW_NS,
    num_replicas: names.replicas ?? 1,
  });
}

/** See StreamNames.addMissingEventSubjects. */
async function addMissingSubjects(jsm: JetStreamManager, name: string, wanted: string[]): Promise<void> {
  let config: StreamConfig;
  try {
    config = (await jsm.streams.info(name)).config;
  } catch {
    return; // not there yet: ensure creates it with every subject
  }
  const have = config.subjects ?? [];
  const missing = wanted.filter((s) => !have.includes(s));
  if (missing.length === 0 || !have.every((s) => wanted.includes(s))) return;
  await jsm.streams.update(name, { ...config, subjects: [...have, ...missing] });
}

/**
 * A cluster that has just started (or lost a node) answers "JetStream not available" until its
 * nodes agree on a leader: creation is retried for up to a minute.
 */
async function ensure(
  jsm: JetStreamManager,
  config: Partial<StreamConfig> & { name: string },
): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await jsm.streams.info(config.name);
      return;
    } catch {
      try {
        await jsm.streams.add(config);
        return;
      } catch (err) {
        if (attempt >= 120) throw err;
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  }
}

/** Waits until a stream exists (another service creates it); services that only read use this. */
export async function waitForStream(
  jsm: JetStreamManager,
  name: string,
  log: (msg: string) => void,
): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await jsm.streams.info(name);
      return;
    } catch {
      if (attempt % 10 === 0) log(`waiting for stream ${name} (created by the gateway)`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

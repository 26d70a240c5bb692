import type { JetStreamManager } from "@nats-io/jetstream";
import type { Logger } from "pino";
import { type PlannerDeps, planRound } from "./planner";
import { type SenderDeps, sendRound } from "./sender";

export interface RoundsDeps {
  jsm: JetStreamManager;
  stream: string;
  consumer: string;
  /** Caught up: the consumer has at most this many messages to go. */
  liveLagMessages: number;
  tickSeconds: number;
  planner: PlannerDeps;
  sender: SenderDeps;
  log: Logger;
}

/**
 * The timer: every TICK_SECONDS, plan what is due (only when the consumer has caught up:
 * time-driven steps never run in a replay), then send what is due. A round never overlaps the
 * previous one; a failed round is retried by the next.
 */
export function startRounds(d: RoundsDeps): { stop: () => void } {
  const live = async (): Promise<boolean> => {
    const info = await d.jsm.consumers.info(d.stream, d.consumer);
    return info.num_pending + info.num_ack_pending <= d.liveLagMessages;
  };
  let ticking = false;
  const timer = setInterval(async () => {
    if (ticking) return;
    ticking = true;
    try {
      if (await live()) await planRound(d.planner, Date.now());
      await sendRound(d.sender, new Date());
    } catch (err) {
      d.log.warn({ err }, "notifier round failed; the next one retries");
    } finally {
      ticking = false;
    }
  }, d.tickSeconds * 1000);
  return { stop: () => clearInterval(timer) };
}

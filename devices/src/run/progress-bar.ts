import { SingleBar } from "cli-progress";
import type { RunProgress } from "./run-simulation";

/** A progress bar on stderr: simulated days, events, rate and outbox backlog. */
export class ProgressBar {
  private readonly bar: SingleBar;
  private started = false;
  private readonly wallStart = performance.now();

  constructor(label: string) {
    this.bar = new SingleBar(
      {
        format: `${label} |{bar}| {percentage}% | {sim} | day {day}/{days} | {events} events | {rate} ev/s | backlog {backlog}{phase}`,
        barsize: 24,
        hideCursor: true,
        stream: process.stderr,
        etaBuffer: 50,
      },
      undefined,
    );
  }

  update(p: RunProgress): void {
    const total = Math.max(1, Math.round((p.endTime - p.startTime) / 1000));
    const value = Math.min(total, Math.round((p.simTime - p.startTime) / 1000));
    const seconds = (performance.now() - this.wallStart) / 1000;
    const payload = {
      sim: new Date(p.simTime).toISOString().slice(0, 16).replace("T", " "),
      day: ((p.simTime - p.startTime) / 86_400_000).toFixed(1),
      days: ((p.endTime - p.startTime) / 86_400_000).toFixed(1),
      events: p.events,
      rate: seconds > 0 ? Math.round(p.events / seconds) : 0,
      backlog: p.backlog,
      phase: p.catchingUp ? " | resuming" : "",
    };
    if (!this.started) {
      this.bar.start(total, value, payload);
      this.started = true;
    } else this.bar.update(value, payload);
  }

  stop(): void {
    if (this.started) this.bar.stop();
  }
}

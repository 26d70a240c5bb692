export interface RecomputeSchedulerOptions {
  /** A prison is recomputed at most once per this many ms (0: as soon as it is marked). */
  intervalMs: number;
  /** Wait before retrying a prison whose recompute failed (the database may be down). */
  retryMs?: number;
  recompute(prisonId: string): Promise<void>;
  onError(prisonId: string, err: unknown): void;
  clock?: () => number;
}

/**
 * Throttles recomputes per prison: a prison marked dirty is recomputed at once if its last
 * recompute is at least `intervalMs` old, else when it will be (trailing edge: the last batch
 * is always planned for). One recompute at a time, prisons in id order. What it recomputes
 * depends only on the tables, so when it runs (wall time) never changes a figure.
 */
export class RecomputeScheduler {
  private readonly dirty = new Set<string>();
  private readonly notBefore = new Map<string, number>();
  private readonly clock: () => number;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(private readonly o: RecomputeSchedulerOptions) {
    this.clock = o.clock ?? Date.now;
  }

  markDirty(prisonIds: Iterable<string>): void {
    for (const id of prisonIds) this.dirty.add(id);
    this.kick();
  }

  /** Prisons waiting for a recompute. */
  get pending(): number {
    return this.dirty.size;
  }

  /** Resolves when nothing is running and nothing is due (for tests and draining). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  /** Finishes the recompute in hand; dirty prisons are recomputed at the next start anyway. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.idle();
  }

  private kick(): void {
    if (this.running || this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const now = this.clock();
    const due = [...this.dirty].filter((id) => (this.notBefore.get(id) ?? 0) <= now).sort();
    if (due.length === 0) {
      if (this.dirty.size > 0) {
        const next = Math.min(...[...this.dirty].map((id) => this.notBefore.get(id) ?? 0));
        this.timer = setTimeout(() => this.kick(), Math.max(1, next - now));
      }
      return;
    }
    this.running = (async () => {
      for (const id of due) {
        if (this.stopped) return;
        this.dirty.delete(id);
        this.notBefore.set(id, this.clock() + this.o.intervalMs);
        try {
          await this.o.recompute(id);
        } catch (err) {
          this.o.onError(id, err);
          this.dirty.add(id);
          this.notBefore.set(id, this.clock() + Math.max(this.o.intervalMs, this.o.retryMs ?? 2_000));
        }
      }
    })().finally(() => {
      this.running = undefined;
      this.kick();
    });
  }
}

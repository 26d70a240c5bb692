/**
 * The discrete-event simulation's agenda: a binary min-heap of actions by simulated time; ties
 * run in the order they were scheduled, so the run is deterministic.
 */
export class EventQueue {
  private times: number[] = [];
  private orders: number[] = [];
  private actions: (() => void)[] = [];
  private counter = 0;

  get size(): number {
    return this.times.length;
  }

  schedule(time: number, action: () => void): void {
    const i = this.times.length;
    this.times.push(time);
    this.orders.push(this.counter++);
    this.actions.push(action);
    this.up(i);
  }

  /** Time of the earliest action, or Infinity when empty. */
  peekTime(): number {
    return this.times.length > 0 ? (this.times[0] as number) : Number.POSITIVE_INFINITY;
  }

  /** Removes the earliest action and returns it with its time. */
  pop(): { time: number; action: () => void } | undefined {
    const n = this.times.length;
    if (n === 0) return undefined;
    const time = this.times[0] as number;
    const action = this.actions[0] as () => void;
    const last = n - 1;
    this.times[0] = this.times[last] as number;
    this.orders[0] = this.orders[last] as number;
    this.actions[0] = this.actions[last] as () => void;
    this.times.pop();
    this.orders.pop();
    this.actions.pop();
    if (last > 0) this.down(0);
    return { time, action };
  }

  private less(i: number, j: number): boolean {
    const ti = this.times[i] as number;
    const tj = this.times[j] as number;
    return ti < tj || (ti === tj && (this.orders[i] as number) < (this.orders[j] as number));
  }

  private swap(i: number, j: number): void {
    const t = this.times[i] as number;
    this.times[i] = this.times[j] as number;
    this.times[j] = t;
    const o = this.orders[i] as number;
    this.orders[i] = this.orders[j] as number;
    this.orders[j] = o;
    const a = this.actions[i] as () => void;
    this.actions[i] = this.actions[j] as () => void;
    this.actions[j] = a;
  }

  private up(i: number): void {
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(i, p)) break;
      this.swap(i, p);
      i = p;
    }
  }

  private down(i: number): void {
    const n = this.times.length;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < n && this.less(l, m)) m = l;
      if (r < n && this.less(r, m)) m = r;
      if (m === i) return;
      this.swap(i, m);
      i = m;
    }
  }
}

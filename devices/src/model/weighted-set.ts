/**
 * A set of members with integer weights supporting O(log n) add, remove and weighted sampling
 * (Fenwick tree). Card holders are drawn in proportion to their personal usage rate.
 * Integer weights keep the sums exact, so sampling is deterministic across long runs.
 */
export class WeightedSet<T> {
  private tree: number[] = [0];
  private weights: number[] = [];
  private members: (T | undefined)[] = [];
  private free: number[] = [];
  private total = 0;
  private count = 0;

  get totalWeight(): number {
    return this.total;
  }

  get size(): number {
    return this.count;
  }

  /** Adds a member and returns its handle for `remove`. */
  add(member: T, weight: number): number {
    if (!Number.isInteger(weight) || weight < 0)
      throw new RangeError("weight must be a non-negative integer");
    let slot = this.free.pop();
    if (slot === undefined) {
      slot = this.weights.length;
      this.weights.push(0);
      this.members.push(undefined);
      this.grow();
    }
    this.members[slot] = member;
    this.set(slot, weight);
    this.count++;
    return slot;
  }

  remove(handle: number): void {
    if (this.members[handle] === undefined) return;
    this.set(handle, 0);
    this.members[handle] = undefined;
    // Reuse the smallest handles first so the layout (and thus sampling) is deterministic.
    this.free.push(handle);
    this.free.sort((a, b) => b - a);
    this.count--;
  }

  /** The member whose cumulative weight interval contains `u` × total (0 ≤ u < 1). */
  sample(u: number): T | undefined {
    if (this.total <= 0) return undefined;
    let target = Math.floor(u * this.total);
    let pos = 0;
    let step = 1;
    while (step * 2 < this.tree.length) step *= 2;
    for (; step > 0; step >>= 1) {
      const next = pos + step;
      if (next < this.tree.length && (this.tree[next] as number) <= target) {
        pos = next;
        target -= this.tree[next] as number;
      }
    }
    return this.members[pos];
  }

  *values(): IterableIterator<T> {
    for (const m of this.members) if (m !== undefined) yield m;
  }

  private set(slot: number, weight: number): void {
    const delta = weight - (this.weights[slot] as number);
    this.weights[slot] = weight;
    this.total += delta;
    for (let i = slot + 1; i < this.tree.length; i += i & -i) this.tree[i] = (this.tree[i] as number) + delta;
  }

  private grow(): void {
    // Appending index n to a Fenwick tree: its node covers (n - lowbit(n), n].
    const n = this.tree.length;
    let sum = 0;
    const low = n & -n;
    for (let j = n - 1; j > n - low; j -= j & -j) sum += this.tree[j] as number;
    this.tree.push(sum);
  }
}

/**
 * The minimum of the last `size` values pushed, in amortised constant time (a monotonic queue):
 * the VAD asks for it on every frame of every call, over a 3 s window of 150 frames.
 *
 * The queue holds, oldest first, the values that can still become the minimum: each is smaller
 * than every value pushed after it. A push drops the newer values it undercuts from the back and
 * the value that left the window from the front, so each value is added and dropped once.
 */
export class SlidingMin {
  /** Ring of candidate values and the push count at which each came, `count` of them from `head`. */
  private readonly values: Float64Array;
  private readonly pushedAt: Float64Array;
  private head = 0;
  private count = 0;
  private pushes = 0;

  constructor(readonly size: number) {
    if (!(Number.isInteger(size) && size > 0)) throw new RangeError(`window size must be a positive integer, got ${size}`);
    this.values = new Float64Array(size);
    this.pushedAt = new Float64Array(size);
  }

  /** True once `size` values have been pushed since the last clear(). */
  get full(): boolean {
    return this.pushes >= this.size;
  }

  /** The smallest of the last `size` values (of all pushed, before that many); Infinity when empty. */
  get min(): number {
    return this.count === 0 ? Infinity : this.values[this.head];
  }

  push(value: number): void {
    const size = this.size;
    // Candidates no smaller than the new value can never be the minimum again.
    while (this.count > 0 && this.values[(this.head + this.count - 1) % size] >= value) this.count--;
    if (this.count > 0 && this.pushedAt[this.head] <= this.pushes - size) {
      this.head = (this.head + 1) % size;
      this.count--;
    }
    const at = (this.head + this.count) % size;
    this.values[at] = value;
    this.pushedAt[at] = this.pushes;
    this.count++;
    this.pushes++;
  }

  clear(): void {
    this.head = this.count = this.pushes = 0;
  }
}

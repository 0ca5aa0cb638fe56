/**
 * At most `max` tasks at once; the rest wait their turn, first come first served.
 *
 * The ARI client runs its requests through one: Asterisk's HTTP server serves at most
 * `sessionlimit` connections (http.conf, 100 by default, the events WebSocket included) and
 * closes any beyond that without an answer. Hundreds of calls ending together would otherwise
 * open a connection per cleanup request, and the ones over the limit fail, leaving channels and
 * bridges behind on the PBX (seen on Asterisk 22 with 300 calls hung up at once).
 */
export class ConcurrencyLimiter {
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(readonly max: number) {
    if (!(Number.isInteger(max) && max > 0)) throw new RangeError(`max must be a positive integer, got ${max}`);
  }

  /** Tasks running now. */
  get active(): number {
    return this.running;
  }

  /** Tasks waiting for a free slot. */
  get queued(): number {
    return this.waiting.length;
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.running >= this.max) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.running++;
    try {
      return await task();
    } finally {
      // The slot goes straight to the next waiter, so a task arriving meanwhile cannot take it.
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }
}

/**
 * Paces audio against a monotonic deadline (see STYLE.md #7): the next send time advances by
 * exactly one period per tick, so timer lateness never accumulates into drift. Nothing here
 * "sleeps 20 ms after a send".
 *
 * `Deadline` is the pure arithmetic (tested with plain numbers). `FrameTicker` drives any number
 * of listeners from one timer: at 500 calls one timer firing 50 times a second costs far less
 * than 500 timers, and every connection is served in the same pass.
 */

/** A monotonic millisecond clock and a one-shot timer, injectable so tests control time. */
export interface PacerClock {
  now(): number;
  setTimer(fn: () => void, ms: number): unknown;
  clearTimer(handle: unknown): void;
}

export const systemClock: PacerClock = {
  now: () => performance.now(),
  setTimer: (fn, ms) => setTimeout(fn, ms),
  clearTimer: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export interface DueTicks {
  /** Ticks to run now, each one period after the previous. */
  due: number;
  /** Ticks given up because the process stalled for longer than the catch-up allowance. */
  skipped: number;
}

/**
 * The deadline of the next tick. `take(now)` reports how many ticks are due and moves the
 * deadline forward by whole periods, keeping the phase. A short stall is caught up (several
 * frames go out at once, which Asterisk absorbs: trace s11); after a long stall (GC, blocked
 * loop) only `maxCatchUp` ticks run and the rest are skipped, so a stall does not turn into a
 * burst of seconds of audio.
 */
export class Deadline {
  readonly periodMs: number;
  readonly maxCatchUp: number;
  private nextAt: number;

  constructor(start: number, periodMs = 20, maxCatchUp = 5) {
    if (!(periodMs > 0)) throw new RangeError(`period must be positive, got ${periodMs}`);
    if (!(maxCatchUp >= 1)) throw new RangeError(`maxCatchUp must be at least 1, got ${maxCatchUp}`);
    this.periodMs = periodMs;
    this.maxCatchUp = Math.floor(maxCatchUp);
    this.nextAt = start + periodMs;
  }

  /** When the next tick is due. */
  get next(): number {
    return this.nextAt;
  }

  take(now: number): DueTicks {
    if (now < this.nextAt) return { due: 0, skipped: 0 };
    const behind = Math.floor((now - this.nextAt) / this.periodMs) + 1;
    this.nextAt += behind * this.periodMs;
    const due = Math.min(behind, this.maxCatchUp);
    return { due, skipped: behind - due };
  }

  msUntilNext(now: number): number {
    return Math.max(0, this.nextAt - now);
  }
}

export interface Tick {
  /** Sequence number of this tick since the ticker started, from 1. */
  seq: number;
  /** The deadline this tick stands for. */
  deadline: number;
  /** How late the pass that runs this tick started, in ms. */
  lateMs: number;
}

export type TickListener = (tick: Tick) => void;

export interface FrameTickerOptions {
  periodMs?: number;
  maxCatchUp?: number;
  clock?: PacerClock;
  /** A listener threw; the ticker goes on with the others. */
  onListenerError?: (err: unknown) => void;
}

export interface TickerStats {
  ticks: number;
  skipped: number;
  maxLateMs: number;
}

export class FrameTicker {
  readonly periodMs: number;
  private readonly maxCatchUp: number;
  private readonly clock: PacerClock;
  private readonly onListenerError: (err: unknown) => void;
  private readonly listeners = new Set<TickListener>();
  /** Snapshot of listeners for the tick loop; rebuilt when the set changes. */
  private snapshot: TickListener[] = [];
  private deadline: Deadline | undefined;
  private timer: unknown;
  private seq = 0;
  readonly stats: TickerStats = { ticks: 0, skipped: 0, maxLateMs: 0 };

  constructor(options: FrameTickerOptions = {}) {
    this.periodMs = options.periodMs ?? 20;
    this.maxCatchUp = options.maxCatchUp ?? 5;
    this.clock = options.clock ?? systemClock;
    this.onListenerError = options.onListenerError ?? (() => {});
  }

  get size(): number {
    return this.listeners.size;
  }

  get running(): boolean {
    return this.deadline !== undefined;
  }

  /** Adds a listener; the timer runs while there is at least one. Returns its remover. */
  add(listener: TickListener): () => void {
    this.listeners.add(listener);
    this.snapshot = [...this.listeners];
    if (this.deadline === undefined) {
      this.deadline = new Deadline(this.clock.now(), this.periodMs, this.maxCatchUp);
      this.schedule();
    }
    return () => this.remove(listener);
  }

  /** Removes every listener and stops the timer. */
  stop(): void {
    this.listeners.clear();
    this.snapshot = [];
    this.halt();
  }

  private remove(listener: TickListener): void {
    if (!this.listeners.delete(listener)) return;
    this.snapshot = [...this.listeners];
    if (this.listeners.size === 0) this.halt();
  }

  private halt(): void {
    if (this.timer !== undefined) this.clock.clearTimer(this.timer);
    this.timer = undefined;
    this.deadline = undefined;
  }

  private schedule(): void {
    const deadline = this.deadline;
    if (deadline === undefined) return;
    this.timer = this.clock.setTimer(() => this.run(), deadline.msUntilNext(this.clock.now()));
  }

  private run(): void {
    this.timer = undefined;
    const deadline = this.deadline;
    if (deadline === undefined) return;
    const now = this.clock.now();
    const firstDeadline = deadline.next;
    const { due, skipped } = deadline.take(now);
    const lateMs = Math.max(0, now - firstDeadline);
    if (lateMs > this.stats.maxLateMs) this.stats.maxLateMs = lateMs;
    this.stats.skipped += skipped;
    // The ticks that run are the latest ones: skipped ticks are the oldest.
    const lastDeadline = deadline.next - this.periodMs;
    for (let i = due - 1; i >= 0; i--) {
      this.seq++;
      this.stats.ticks++;
      const tick: Tick = { seq: this.seq, deadline: lastDeadline - i * this.periodMs, lateMs };
      for (const listener of this.snapshot) {
        try {
          listener(tick);
        } catch (err) {
          this.onListenerError(err);
        }
      }
      if (this.deadline !== deadline) return; // stopped by a listener
    }
    this.schedule();
  }
}

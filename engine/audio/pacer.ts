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
  /**
   * Evenly spaced phases the listeners are spread over (default 1). Each listener still ticks
   * once per period, always at the same phase, but a pass runs only one phase's share. Writing
   * 500 sockets in one pass takes several ms, and every listener late in that pass inherits
   * the pass's variation; four passes of 125 carry a quarter of it, and whoever reads the
   * frames gets them spread over the period instead of in one burst (Asterisk's channels are
   * not in step either: each has its own timing).
   */
  phases?: number;
  clock?: PacerClock;
  /** A listener threw; the ticker goes on with the others. */
  onListenerError?: (err: unknown) => void;
}

export interface TickerStats {
  /** Passes run (a period has `phases` of them). */
  ticks: number;
  /** Passes given up after a stall. */
  skipped: number;
  maxLateMs: number;
}

export class FrameTicker {
  readonly periodMs: number;
  readonly phases: number;
  private readonly maxCatchUp: number;
  private readonly clock: PacerClock;
  private readonly onListenerError: (err: unknown) => void;
  /** Each listener's phase. */
  private readonly phaseOf = new Map<TickListener, number>();
  /** Per phase, a snapshot of its listeners for the tick loop; rebuilt when the phase changes. */
  private readonly byPhase: TickListener[][];
  /** Deadline of the passes: one every periodMs / phases. */
  private deadline: Deadline | undefined;
  /** Passes due so far; pass n runs phase n % phases. */
  private pass = 0;
  private timer: unknown;
  readonly stats: TickerStats = { ticks: 0, skipped: 0, maxLateMs: 0 };

  constructor(options: FrameTickerOptions = {}) {
    this.periodMs = options.periodMs ?? 20;
    this.phases = Math.floor(options.phases ?? 1);
    if (!(this.phases >= 1)) throw new RangeError(`phases must be at least 1, got ${options.phases}`);
    this.maxCatchUp = options.maxCatchUp ?? 5;
    this.clock = options.clock ?? systemClock;
    this.onListenerError = options.onListenerError ?? (() => {});
    this.byPhase = Array.from({ length: this.phases }, () => []);
  }

  get size(): number {
    return this.phaseOf.size;
  }

  get running(): boolean {
    return this.deadline !== undefined;
  }

  /** Adds a listener to the least used phase; the timer runs while there is at least one. Returns its remover. */
  add(listener: TickListener): () => void {
    if (!this.phaseOf.has(listener)) {
      let phase = 0;
      for (let p = 1; p < this.phases; p++) if (this.byPhase[p].length < this.byPhase[phase].length) phase = p;
      this.phaseOf.set(listener, phase);
      this.byPhase[phase] = [...this.byPhase[phase], listener];
    }
    if (this.deadline === undefined) {
      this.deadline = new Deadline(this.clock.now(), this.periodMs / this.phases, this.maxCatchUp * this.phases);
      this.pass = 0;
      this.schedule();
    }
    return () => this.remove(listener);
  }

  /** Removes every listener and stops the timer. */
  stop(): void {
    this.phaseOf.clear();
    this.byPhase.fill([]);
    this.halt();
  }

  private remove(listener: TickListener): void {
    const phase = this.phaseOf.get(listener);
    if (phase === undefined) return;
    this.phaseOf.delete(listener);
    this.byPhase[phase] = this.byPhase[phase].filter((l) => l !== listener);
    if (this.phaseOf.size === 0) this.halt();
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
    // The passes that run are the latest ones: skipped passes are the oldest.
    this.pass += skipped;
    const lastDeadline = deadline.next - deadline.periodMs;
    for (let i = due - 1; i >= 0; i--) {
      const pass = this.pass++;
      this.stats.ticks++;
      const listeners = this.byPhase[pass % this.phases];
      if (listeners.length === 0) continue;
      const tick: Tick = { seq: Math.floor(pass / this.phases) + 1, deadline: lastDeadline - i * deadline.periodMs, lateMs };
      for (const listener of listeners) {
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

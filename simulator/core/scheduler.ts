/**
 * Every timer the simulated PBX uses goes through one Scheduler, so close() can cancel them all
 * and a thousand calls coming and going leave nothing behind.
 *
 * Media is clocked by ONE shared 20 ms ticker (engine/audio/pacer.ts FrameTicker) for all
 * playbacks, snoops, mixing bridges and MixMonitors, not a timer per channel. Its listeners are
 * spread over 8 phases 2.5 ms apart, as Asterisk's channels are not in step with each other
 * either: at 500 calls one pass writing every call's frame took 4-9 ms, and the calls late in
 * it inherited that variation (p99 frame-interval jitter 7-9 ms at 500 calls; 3 ms with phases,
 * see bench/sim-load.ts). Producers and consumers meet through queues (snoop, bridge,
 * MixMonitor), so a phase changes latency by under one period, never the frame count.
 */
import { FrameTicker, type TickListener } from '../../engine/audio/pacer.js';

export type Cancel = () => void;

export class Scheduler {
  private readonly ticker: FrameTicker;
  private readonly timers = new Set<NodeJS.Timeout>();
  private closed = false;

  constructor(onError: (err: unknown) => void) {
    this.ticker = new FrameTicker({ periodMs: 20, maxCatchUp: 5, phases: 8, onListenerError: onError });
  }

  /** Runs `fn` on every 20 ms tick until cancelled. */
  everyTick(fn: TickListener): Cancel {
    if (this.closed) return noop;
    return this.ticker.add(fn);
  }

  /** Runs `fn` once after `ms`; cancelling after it ran is harmless. */
  after(ms: number, fn: () => void): Cancel {
    if (this.closed) return noop;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      fn();
    }, Math.max(0, ms));
    this.timers.add(timer);
    return () => {
      if (this.timers.delete(timer)) clearTimeout(timer);
    };
  }

  /** Timers and tick listeners currently held (for leak tests). */
  get pending(): number {
    return this.timers.size + this.ticker.size;
  }

  get tickStats(): { ticks: number; skipped: number; maxLateMs: number } {
    return this.ticker.stats;
  }

  close(): void {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.ticker.stop();
  }
}

function noop(): void {}

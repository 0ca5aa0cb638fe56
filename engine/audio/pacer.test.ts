import { describe, expect, it } from 'vitest';
import { Deadline, FrameTicker, type PacerClock, type Tick } from './pacer.js';

/** A clock whose time moves only when the test says so; timers fire in deadline order. */
class FakeClock implements PacerClock {
  time = 1000;
  private timers = new Map<number, { at: number; fn: () => void }>();
  private nextId = 1;

  now(): number {
    return this.time;
  }
  setTimer(fn: () => void, ms: number): unknown {
    const id = this.nextId++;
    this.timers.set(id, { at: this.time + Math.max(1, ms), fn });
    return id;
  }
  clearTimer(handle: unknown): void {
    this.timers.delete(handle as number);
  }
  get pending(): number {
    return this.timers.size;
  }
  /** Moves time to `to`, firing timers on the way; `lateBy` delays every firing (a slow loop). */
  advanceTo(to: number, lateBy = 0): void {
    for (;;) {
      let first: [number, { at: number; fn: () => void }] | undefined;
      for (const entry of this.timers) if (!first || entry[1].at < first[1].at) first = entry;
      if (!first || first[1].at + lateBy > to) break;
      this.timers.delete(first[0]);
      this.time = first[1].at + lateBy;
      first[1].fn();
    }
    this.time = to;
  }
}

describe('Deadline', () => {
  it('is due exactly one period after the start, then every period', () => {
    const d = new Deadline(0, 20);
    expect(d.take(19.9)).toEqual({ due: 0, skipped: 0 });
    expect(d.take(20)).toEqual({ due: 1, skipped: 0 });
    expect(d.next).toBe(40);
    expect(d.take(39)).toEqual({ due: 0, skipped: 0 });
  });

  it('does not drift when each pass is late: the next deadline stays on the 20 ms grid', () => {
    const d = new Deadline(0, 20);
    let sent = 0;
    // Every pass runs 7 ms after its deadline; sleeping 20 ms after each send would drift 7 ms a frame.
    for (let i = 1; i <= 100; i++) {
      sent += d.take(i * 20 + 7).due;
      expect(d.next).toBe((i + 1) * 20);
    }
    expect(sent).toBe(100);
  });

  it('catches up a short stall with several ticks at once', () => {
    const d = new Deadline(0, 20, 5);
    expect(d.take(65)).toEqual({ due: 3, skipped: 0 });
    expect(d.next).toBe(80);
  });

  it('skips what is beyond the catch-up allowance and keeps the phase', () => {
    const d = new Deadline(0, 20, 5);
    expect(d.take(1005)).toEqual({ due: 5, skipped: 45 });
    expect(d.next).toBe(1020);
  });

  it('reports the wait until the next deadline', () => {
    const d = new Deadline(100, 20);
    expect(d.msUntilNext(105)).toBe(15);
    expect(d.msUntilNext(200)).toBe(0);
  });

  it('rejects a non-positive period', () => {
    expect(() => new Deadline(0, 0)).toThrow(RangeError);
  });
});

describe('FrameTicker', () => {
  it('ticks every listener once per period from one timer', () => {
    const clock = new FakeClock();
    const ticker = new FrameTicker({ clock });
    const a: Tick[] = [];
    const b: Tick[] = [];
    ticker.add((t) => a.push(t));
    ticker.add((t) => b.push(t));
    expect(clock.pending).toBe(1);
    clock.advanceTo(1000 + 200);
    expect(a.length).toBe(10);
    expect(b.length).toBe(10);
    expect(a.map((t) => t.deadline)).toEqual(Array.from({ length: 10 }, (_, i) => 1000 + 20 * (i + 1)));
    expect(clock.pending).toBe(1);
  });

  it('keeps 50 ticks a second even when every timer fires late', () => {
    const clock = new FakeClock();
    const ticker = new FrameTicker({ clock });
    let n = 0;
    ticker.add(() => n++);
    clock.advanceTo(1000 + 10_000, 6);
    // 500 deadlines in 10 s; at most the last one is still waiting for its late timer.
    expect(n).toBeGreaterThanOrEqual(499);
    expect(n).toBeLessThanOrEqual(500);
    expect(ticker.stats.skipped).toBe(0);
  });

  it('catches up after a stall and counts what it skipped', () => {
    const clock = new FakeClock();
    const ticker = new FrameTicker({ clock, maxCatchUp: 3 });
    const seen: Tick[] = [];
    ticker.add((t) => seen.push(t));
    clock.advanceTo(1000 + 170, 150); // the first timer fires 150 ms late: 8 deadlines due
    expect(seen.length).toBe(3);
    expect(ticker.stats.skipped).toBe(5);
    clock.advanceTo(1000 + 200); // back on time
    expect(seen.length + ticker.stats.skipped).toBe(10);
    const deadlines = seen.map((t) => t.deadline);
    expect([...deadlines].sort((x, y) => x - y)).toEqual(deadlines);
  });

  it('stops its timer when the last listener leaves, and restarts on a new one', () => {
    const clock = new FakeClock();
    const ticker = new FrameTicker({ clock });
    const remove = ticker.add(() => {});
    expect(ticker.running).toBe(true);
    remove();
    expect(ticker.running).toBe(false);
    expect(clock.pending).toBe(0);
    let n = 0;
    ticker.add(() => n++);
    clock.advanceTo(clock.time + 40);
    expect(n).toBe(2);
  });

  it('a throwing listener does not stop the others', () => {
    const clock = new FakeClock();
    const errors: unknown[] = [];
    const ticker = new FrameTicker({ clock, onListenerError: (e) => errors.push(e) });
    let n = 0;
    ticker.add(() => {
      throw new Error('boom');
    });
    ticker.add(() => n++);
    clock.advanceTo(clock.time + 60);
    expect(n).toBe(3);
    expect(errors.length).toBe(3);
  });

  it('a listener may remove itself during a tick', () => {
    const clock = new FakeClock();
    const ticker = new FrameTicker({ clock });
    let n = 0;
    const remove = ticker.add(() => {
      n++;
      remove();
    });
    clock.advanceTo(clock.time + 100);
    expect(n).toBe(1);
    expect(ticker.running).toBe(false);
  });

  it('spreads listeners over its phases: each still ticks once per period, always at its own phase', () => {
    const clock = new FakeClock();
    const ticker = new FrameTicker({ clock, phases: 4 });
    const seen: number[][] = [[], [], [], [], [], [], [], []];
    seen.forEach((times) => ticker.add(() => times.push(clock.time)));
    clock.advanceTo(1000 + 200);
    for (const times of seen) {
      expect(times.length).toBe(10);
      // Exactly one period apart: the phase never moves.
      for (let i = 1; i < times.length; i++) expect(times[i] - times[i - 1]).toBe(20);
    }
    // Two listeners per phase, phases 5 ms apart.
    const firsts = seen.map((t) => t[0] - 1000).sort((a, b) => a - b);
    expect(firsts).toEqual([5, 5, 10, 10, 15, 15, 20, 20]);
  });

  it('puts a new listener on the least used phase, also after others left', () => {
    const clock = new FakeClock();
    const ticker = new FrameTicker({ clock, phases: 2 });
    const removers = [0, 1, 2, 3].map(() => ticker.add(() => {}));
    removers[0]();
    removers[2](); // phase 0 is now empty
    let at = 0;
    ticker.add(() => (at = clock.time));
    clock.advanceTo(clock.time + 20);
    expect((at - 1000) % 20).toBe(10); // phase 0 of 2: half a period after the start
  });

  it('with phases, catches up each listener after a stall as a one-phase ticker would', () => {
    const clock = new FakeClock();
    const ticker = new FrameTicker({ clock, phases: 4, maxCatchUp: 3 });
    const counts = [0, 0, 0, 0];
    counts.forEach((_, i) => ticker.add(() => counts[i]++));
    clock.advanceTo(1000 + 170, 150);
    // 8 periods were due; each listener got its allowance of 3, the rest were skipped.
    expect(counts).toEqual([3, 3, 3, 3]);
    clock.advanceTo(1000 + 400);
    for (const n of counts) expect(n).toBeGreaterThanOrEqual(3 + 10);
  });

  it('rejects fewer than one phase', () => {
    expect(() => new FrameTicker({ phases: 0 })).toThrow(RangeError);
  });

  it('runs on the real clock at about 20 ms', async () => {
    const ticker = new FrameTicker();
    let n = 0;
    ticker.add(() => n++);
    await new Promise((r) => setTimeout(r, 300));
    ticker.stop();
    // 15 deadlines in 300 ms; generous bounds for a loaded machine.
    expect(n).toBeGreaterThanOrEqual(8);
    expect(n).toBeLessThanOrEqual(17);
  });
});

import { describe, expect, it } from 'vitest';
import { SlidingMin } from './sliding-min.js';

describe('SlidingMin', () => {
  it('is the minimum of the last `size` values, checked against a scan on random input', () => {
    let seed = 3;
    const random = (): number => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    for (const size of [1, 2, 5, 150]) {
      const window = new SlidingMin(size);
      const pushed: number[] = [];
      for (let i = 0; i < 2000; i++) {
        // Few distinct values, so ties and runs of equal values come up often.
        const value = i % 300 < 100 ? Math.floor(random() * 8) : -80 + random() * 40;
        window.push(value);
        pushed.push(value);
        expect(window.min).toBe(Math.min(...pushed.slice(-size)));
        expect(window.full).toBe(pushed.length >= size);
      }
    }
  });

  it('follows a falling then rising series, where every value is a candidate in turn', () => {
    const window = new SlidingMin(3);
    const mins: number[] = [];
    for (const v of [5, 4, 3, 2, 1, 2, 3, 4, 5]) {
      window.push(v);
      mins.push(window.min);
    }
    expect(mins).toEqual([5, 4, 3, 2, 1, 1, 1, 2, 3]);
  });

  it('starts over on clear()', () => {
    const window = new SlidingMin(4);
    expect(window.min).toBe(Infinity);
    window.push(-3);
    window.push(7);
    window.clear();
    expect(window.min).toBe(Infinity);
    expect(window.full).toBe(false);
    window.push(7);
    expect(window.min).toBe(7);
  });

  it('refuses a size that is not a positive integer', () => {
    expect(() => new SlidingMin(0)).toThrow(/positive integer/);
    expect(() => new SlidingMin(2.5)).toThrow(/positive integer/);
  });
});

import { describe, expect, it } from 'vitest';
import { backoffCeiling, backoffDelay } from './backoff.js';

describe('backoff', () => {
  it('doubles the ceiling from min up to the cap', () => {
    const ceilings = [1, 2, 3, 4, 5, 6, 7].map((n) => backoffCeiling(n, 500, 10_000));
    expect(ceilings).toEqual([500, 1000, 2000, 4000, 8000, 10_000, 10_000]);
    expect(backoffCeiling(1000, 500, 10_000)).toBe(10_000);
  });

  it('draws the delay uniformly below the ceiling (full jitter)', () => {
    expect(backoffDelay(3, { minMs: 500, maxMs: 10_000, random: () => 0 })).toBe(0);
    expect(backoffDelay(3, { minMs: 500, maxMs: 10_000, random: () => 0.5 })).toBe(1000);
    expect(backoffDelay(3, { minMs: 500, maxMs: 10_000, random: () => 0.999999 })).toBe(1999);
  });

  it('never exceeds the cap with the real random source', () => {
    for (let n = 1; n < 50; n++) {
      const d = backoffDelay(n, { minMs: 100, maxMs: 3000 });
      expect(d).toBeGreaterThanOrEqual(0);
      expect(d).toBeLessThan(3000);
    }
  });
});

import { describe, expect, it } from 'vitest';
import { ConcurrencyLimiter } from './limiter.js';

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('ConcurrencyLimiter', () => {
  it('runs at most `max` tasks at once and the rest in the order they came', async () => {
    const limiter = new ConcurrencyLimiter(3);
    const release: Array<() => void> = [];
    const started: number[] = [];
    let peak = 0;
    const results = Array.from({ length: 10 }, (_, i) =>
      limiter.run(async () => {
        started.push(i);
        peak = Math.max(peak, limiter.active);
        await new Promise<void>((r) => release.push(r));
        return i * 10;
      }),
    );
    await tick();
    expect(started).toEqual([0, 1, 2]);
    expect(limiter.queued).toBe(7);
    while (started.length < 10 || release.length > 0) {
      release.shift()?.();
      await tick();
    }
    expect(await Promise.all(results)).toEqual([0, 10, 20, 30, 40, 50, 60, 70, 80, 90]);
    expect(started).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(peak).toBe(3);
    expect(limiter.active).toBe(0);
  });

  it('frees the slot of a task that fails', async () => {
    const limiter = new ConcurrencyLimiter(1);
    await expect(limiter.run(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await limiter.run(async () => 'next')).toBe('next');
    expect(limiter.active).toBe(0);
  });

  it('refuses a max that is not a positive integer', () => {
    expect(() => new ConcurrencyLimiter(0)).toThrow(/positive integer/);
  });
});

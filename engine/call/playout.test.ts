import { describe, expect, it } from 'vitest';
import { AgentPlayout } from './playout.js';

function sine(rate: number, ms: number, amp: number): Buffer {
  const n = (rate * ms) / 1000;
  const b = Buffer.alloc(n * 2);
  for (let i = 0; i < n; i++) b.writeInt16LE(Math.round(amp * Math.sin((2 * Math.PI * 440 * i) / rate)), i * 2);
  return b;
}

describe('agent playout', () => {
  it('reports the level of what plays at a moment and silence around it', () => {
    const p = new AgentPlayout();
    const loud = sine(8000, 1000, 3277); // -10 dBFS peak → about -23 dBFS RMS
    p.schedule(500, loud, 8000);
    expect(p.levelAt(499)).toBe(-Infinity);
    expect(p.levelAt(700)).toBeCloseTo(20 * Math.log10(3277 / Math.SQRT2 / 32768), 0);
    expect(p.levelAt(1500)).toBe(-Infinity);
    expect(p.endMs).toBe(1500);
  });

  it('follows consecutive segments, prunes finished ones and clears on barge-in', () => {
    const p = new AgentPlayout();
    p.schedule(0, sine(16000, 500, 1000), 16000);
    p.schedule(500, sine(16000, 500, 10000), 16000);
    expect(p.levelAt(250)).toBeLessThan(p.levelAt(750));
    p.prune(600);
    expect(p.levelAt(250)).toBe(-Infinity);
    p.clear();
    expect(p.endMs).toBe(-Infinity);
  });

  it('reports scheduled silence as -Infinity dBFS', () => {
    const p = new AgentPlayout();
    p.schedule(0, Buffer.alloc(320), 8000);
    expect(p.levelAt(5)).toBe(-Infinity);
  });
});

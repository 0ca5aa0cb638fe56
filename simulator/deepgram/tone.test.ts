import { describe, expect, it } from 'vitest';
import { levelDbfs } from './energy-turn-detector.js';
import { toneLinear16 } from './tone.js';

/** Frequency from zero crossings: enough to tell 440 Hz from 880 Hz (a 2x rate mix-up). */
function frequency(pcm: Buffer, rate: number): number {
  let crossings = 0;
  for (let i = 1; i < pcm.length / 2; i++) {
    if (pcm.readInt16LE((i - 1) * 2) < 0 !== pcm.readInt16LE(i * 2) < 0) crossings++;
  }
  return crossings / 2 / (pcm.length / 2 / rate);
}

describe('toneLinear16', () => {
  it.each([8000, 16000, 24000])('has the asked length, level and frequency at %i Hz', (rate) => {
    const pcm = toneLinear16({ sampleRate: rate, frequencyHz: 440, durationMs: 500, levelDbfs: -12, rampMs: 0 });
    expect(pcm.length).toBe(rate);
    expect(levelDbfs(pcm)).toBeCloseTo(-12, 0);
    expect(frequency(pcm, rate)).toBeGreaterThan(430);
    expect(frequency(pcm, rate)).toBeLessThan(450);
  });

  it('fades in and out', () => {
    const pcm = toneLinear16({ sampleRate: 8000, frequencyHz: 440, durationMs: 100, rampMs: 10 });
    expect(pcm.readInt16LE(0)).toBe(0);
    expect(Math.abs(pcm.readInt16LE(2))).toBeLessThan(1000);
  });
});

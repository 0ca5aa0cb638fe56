import { describe, expect, it } from 'vitest';
import { concat, dbfs, durationMs, mix, silence } from './pcm.js';
import { ToneGenerator, dominantFrequency, dualTone, goertzelDbfs, goertzelPower, tone } from './tone.js';

describe('tone', () => {
  it('has the requested length and level', () => {
    const t = tone(1000, 500, 8000, 0.5);
    expect(durationMs(t, 8000)).toBe(500);
    expect(dbfs(t)).toBeCloseTo(20 * Math.log10(0.5 / Math.SQRT2), 1);
  });
  it('rejects an amplitude outside [0, 1]', () => {
    expect(() => tone(1000, 20, 8000, 16000)).toThrow(RangeError);
  });
  it('comes out the same when generated piecewise', () => {
    const gen = new ToneGenerator(440, 8000, 0.3);
    const pieces = concat([gen.next(20), gen.next(20), gen.next(60)]);
    expect(pieces.equals(tone(440, 100, 8000, 0.3))).toBe(true);
  });
});

describe('goertzelPower', () => {
  it('reads a sine at its frequency as its mean square', () => {
    const t = tone(1000, 200, 8000, 0.5);
    const expected = (0.5 * 32767) ** 2 / 2;
    expect(goertzelPower(t, 8000, 1000) / expected).toBeCloseTo(1, 2);
    expect(goertzelDbfs(t, 8000, 1000)).toBeCloseTo(dbfs(t), 1);
  });
  it('sees little of a sine at another frequency', () => {
    const t = tone(1000, 200, 8000, 0.5);
    expect(goertzelDbfs(t, 8000, 1500)).toBeLessThan(dbfs(t) - 40);
  });
  it('finds both components of a dual tone', () => {
    const d = dualTone(697, 1209, 100, 8000, 0.5);
    const each = goertzelDbfs(d, 8000, 697);
    expect(goertzelDbfs(d, 8000, 1209)).toBeCloseTo(each, 0);
    expect(goertzelDbfs(d, 8000, 1336)).toBeLessThan(each - 15);
  });
  it('is 0 for empty input', () => {
    expect(goertzelPower(Buffer.alloc(0), 8000, 1000)).toBe(0);
    expect(goertzelDbfs(silence(8000, 20), 8000, 1000)).toBe(-Infinity);
  });
});

describe('dominantFrequency', () => {
  it.each([
    [440, 8000],
    [1000, 8000],
    [3000, 8000],
    [1234.5, 16000],
    [7000, 48000],
  ])('finds %d Hz at %d Hz within 2 Hz', (freq, rate) => {
    expect(Math.abs(dominantFrequency(tone(freq, 300, rate), rate)! - freq)).toBeLessThan(2);
  });
  it('picks the louder of two tones', () => {
    const pair = mix(tone(500, 300, 8000, 0.2), tone(2000, 300, 8000, 0.4));
    expect(Math.abs(dominantFrequency(pair, 8000)! - 2000)).toBeLessThan(2);
  });
  it('is undefined for silence', () => {
    expect(dominantFrequency(silence(8000, 100), 8000)).toBeUndefined();
    expect(dominantFrequency(Buffer.alloc(0), 8000)).toBeUndefined();
  });
});

import { describe, expect, it } from 'vitest';
import { concat, dbfs, samples } from './pcm.js';
import { StreamingResampler, resample, resampledLength } from './resample.js';
import { dominantFrequency, goertzelDbfs, tone } from './tone.js';

/** The middle of a buffer, away from the filter's start and end transients. */
function middle(pcm: Buffer, rate: number, skipMs = 50): Buffer {
  const skip = Math.round((rate * skipMs) / 1000) * 2;
  return pcm.subarray(skip, pcm.length - skip);
}

const RATES = [8000, 16000, 24000, 48000];

describe('resample', () => {
  for (const from of RATES) {
    for (const to of RATES) {
      if (from === to) continue;
      it(`keeps a 1 kHz tone's frequency and level, ${from} → ${to}`, () => {
        const input = tone(1000, 500, from, 0.5);
        const out = resample(input, from, to);
        expect(out.length / 2).toBe(resampledLength(input.length / 2, from, to));
        const body = middle(out, to);
        expect(Math.abs(dominantFrequency(body, to)! - 1000)).toBeLessThan(2);
        expect(Math.abs(dbfs(body) - dbfs(middle(input, from)))).toBeLessThan(0.5);
      });
    }
  }

  it('keeps 3 kHz within 0.5 dB at 8k → 16k → 8k (telephone band)', () => {
    const input = tone(3000, 300, 8000, 0.5);
    const back = resample(resample(input, 8000, 16000), 16000, 8000);
    expect(Math.abs(dbfs(middle(back, 8000)) - dbfs(middle(input, 8000)))).toBeLessThan(0.5);
  });

  it('removes a 6 kHz tone going 16k → 8k instead of aliasing it to 2 kHz', () => {
    const input = tone(6000, 300, 16000, 0.5);
    const out = middle(resample(input, 16000, 8000), 8000);
    expect(dbfs(out)).toBeLessThan(dbfs(input) - 50);
    expect(goertzelDbfs(out, 8000, 2000)).toBeLessThan(dbfs(input) - 50);
  });

  it('adds no image going 8k → 16k', () => {
    const out = middle(resample(tone(1000, 300, 8000, 0.5), 8000, 16000), 16000);
    // A zero-order hold would put an image at 8000 - 1000 = 7000 Hz.
    expect(goertzelDbfs(out, 16000, 7000)).toBeLessThan(dbfs(out) - 60);
  });

  it('handles 44.1 kHz ↔ 8 kHz', () => {
    const out = resample(tone(1000, 300, 44100), 44100, 8000);
    expect(Math.abs(dominantFrequency(middle(out, 8000), 8000)! - 1000)).toBeLessThan(2);
  });

  it('copies when the rates are equal and rejects bad rates', () => {
    const input = tone(1000, 20, 8000);
    const out = resample(input, 8000, 8000);
    expect(out.equals(input)).toBe(true);
    expect(out).not.toBe(input);
    expect(() => resample(input, 0, 8000)).toThrow(RangeError);
    expect(() => resample(input, 8000, 11025.5)).toThrow(RangeError);
  });
});

describe('StreamingResampler', () => {
  const cases: Array<[number, number]> = [
    [8000, 16000],
    [16000, 8000],
    [24000, 8000],
    [8000, 48000],
    [48000, 16000],
    [16000, 24000],
  ];
  for (const [from, to] of cases) {
    it(`matches the one-shot result, delayed, when fed 20 ms frames, ${from} → ${to}`, () => {
      const input = concat([tone(440, 330, from, 0.4), tone(2500, 290, from, 0.3)]);
      const expected = resample(input, from, to);
      const r = new StreamingResampler(from, to);
      const frame = (from / 50) * 2;
      const outputs: Buffer[] = [];
      for (let at = 0; at < input.length; at += frame) {
        const out = r.push(input.subarray(at, at + frame));
        // 20 ms in, 20 ms out, from the first frame on.
        if (at + frame <= input.length) expect(out.length).toBe((to / 50) * 2);
        outputs.push(out);
      }
      outputs.push(r.flush());
      const streamed = concat(outputs);
      expect(streamed.length / 2).toBe(r.delaySamples + expected.length / 2);
      const aligned = samples(streamed.subarray(r.delaySamples * 2));
      const reference = samples(expected);
      let worst = 0;
      for (let i = 0; i < reference.length; i++) worst = Math.max(worst, Math.abs(aligned[i] - reference[i]));
      expect(worst).toBeLessThanOrEqual(1);
    });
  }

  it('gives the same output for any split of the input, odd bytes included', () => {
    const input = tone(1000, 200, 16000, 0.5);
    const whole = new StreamingResampler(16000, 8000);
    const reference = concat([whole.push(input), whole.flush()]);
    const pieces = new StreamingResampler(16000, 8000);
    const outputs: Buffer[] = [];
    for (let at = 0, n = 1; at < input.length; at += n, n = (n * 7 + 3) % 97) {
      outputs.push(pieces.push(input.subarray(at, at + n)));
    }
    outputs.push(pieces.flush());
    expect(concat(outputs).equals(reference)).toBe(true);
  });

  it('has a small fixed delay', () => {
    for (const [from, to] of cases) expect(new StreamingResampler(from, to).delayMs).toBeLessThan(10);
  });

  it('passes audio through unchanged at equal rates', () => {
    const r = new StreamingResampler(8000, 8000);
    const input = tone(1000, 20, 8000);
    expect(r.push(input).equals(input)).toBe(true);
    expect(r.delaySamples).toBe(0);
  });

  it('starts over after reset', () => {
    const r = new StreamingResampler(8000, 16000);
    const first = r.push(tone(1000, 20, 8000));
    r.push(tone(300, 40, 8000));
    r.reset();
    expect(r.push(tone(1000, 20, 8000)).equals(first)).toBe(true);
  });
});

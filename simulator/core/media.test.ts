import { describe, expect, it } from 'vitest';
import { rms } from '../../engine/audio/pcm.js';
import { dominantFrequency, ToneGenerator } from '../../engine/audio/tone.js';
import { convertRate, frameRms, framesOf, mixFrames, scaleFrame, silenceFrame, type MediaFrame } from './media.js';

function frame(rate: number, values: number[]): MediaFrame {
  const pcm = Buffer.alloc(values.length * 2);
  values.forEach((v, i) => pcm.writeInt16LE(v, i * 2));
  return { rate, pcm };
}

function values(f: MediaFrame): number[] {
  return Array.from({ length: f.pcm.length / 2 }, (_, i) => f.pcm.readInt16LE(i * 2));
}

describe('media frames', () => {
  it('converts 8 kHz to 16 kHz and back keeping length, tone and level', () => {
    const gen = new ToneGenerator(440, 8000, 0.3);
    const input: MediaFrame = { rate: 8000, pcm: gen.next(200) };
    const up = convertRate(input, 16000);
    expect(up.rate).toBe(16000);
    expect(up.pcm.length).toBe(input.pcm.length * 2);
    expect(dominantFrequency(up.pcm, 16000)).toBeCloseTo(440, -1);
    expect(rms(up.pcm) / rms(input.pcm)).toBeGreaterThan(0.97);
    const down = convertRate(up, 8000);
    expect(down.pcm.length).toBe(input.pcm.length);
    expect(rms(down.pcm) / rms(input.pcm)).toBeGreaterThan(0.95);
    expect(convertRate(input, 8000)).toBe(input);
  });

  it('interpolates between samples when doubling the rate', () => {
    expect(values(convertRate(frame(8000, [0, 100, -100]), 16000))).toEqual([0, 50, 100, 0, -100, -100]);
    expect(values(convertRate(frame(16000, [0, 100, 200, 300]), 8000))).toEqual([50, 250]);
  });

  it('converts other ratios by interpolation, with the expected length', () => {
    const f = convertRate({ rate: 48000, pcm: new ToneGenerator(1000, 48000, 0.3).next(20) }, 8000);
    expect(f.pcm.length).toBe(320);
    expect(dominantFrequency(f.pcm, 8000)).toBeCloseTo(1000, -1);
  });

  it('mixes with saturation and treats short frames as silence past their end', () => {
    const a = frame(8000, [30000, 1000, -30000]);
    const b = frame(8000, [10000, 1000]);
    expect(values(mixFrames([a, b], 8000)).slice(0, 3)).toEqual([32767, 2000, -30000]);
    const mixed = mixFrames([frame(8000, [100, 100]), frame(16000, [100, 100, 100, 100])], 8000);
    expect(values(mixed).slice(0, 2)).toEqual([200, 200]);
  });

  it('scales, measures, cuts into frames, shares silence', () => {
    expect(values(scaleFrame(frame(8000, [1000, -1000, 30000]), 0.5))).toEqual([500, -500, 15000]);
    expect(frameRms(frame(8000, [3, -3, 3, -3]))).toBe(3);
    const frames = framesOf(Buffer.alloc(700), 8000);
    expect(frames.map((f) => f.pcm.length)).toEqual([320, 320, 60]);
    expect(framesOf(Buffer.alloc(321), 8000).map((f) => f.pcm.length)).toEqual([320]);
    expect(silenceFrame(16000)).toBe(silenceFrame(16000));
    expect(silenceFrame(16000).pcm.length).toBe(640);
  });
});

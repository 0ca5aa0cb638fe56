import { describe, expect, it } from 'vitest';
import {
  applyGainDb,
  bytesForMs,
  concat,
  dbfs,
  durationMs,
  fromAccumulator,
  fromSamples,
  mix,
  mixInto,
  rms,
  samples,
  silence,
} from './pcm.js';

const pcmOf = (...values: number[]): Buffer => fromSamples(Int16Array.from(values));
const valuesOf = (pcm: Buffer): number[] => Array.from(samples(pcm));

describe('silence and duration', () => {
  it('makes 20 ms of silence as 320 bytes at 8 kHz and 640 at 16 kHz', () => {
    expect(silence(8000, 20)).toEqual(Buffer.alloc(320));
    expect(silence(16000, 20).length).toBe(640);
    expect(bytesForMs(48000, 20)).toBe(1920);
  });
  it('measures duration from the sample count', () => {
    expect(durationMs(silence(8000, 1500), 8000)).toBe(1500);
    expect(durationMs(Buffer.alloc(3), 8000)).toBe(0.125);
  });
  it('rejects a negative duration', () => {
    expect(() => silence(8000, -1)).toThrow(RangeError);
  });
});

describe('samples', () => {
  it('reads little-endian samples, also from an odd byte offset', () => {
    const bytes = Buffer.from([0xff, 0x01, 0x80, 0xff, 0x7f, 0x00]);
    expect(valuesOf(bytes.subarray(1, 5))).toEqual([-32767, 32767]);
    expect(valuesOf(bytes.subarray(0, 4))).toEqual([0x01ff, -128]);
  });
});

describe('levels', () => {
  it('computes rms and dBFS of a square wave', () => {
    const square = pcmOf(16384, -16384, 16384, -16384);
    expect(rms(square)).toBe(16384);
    expect(dbfs(square)).toBeCloseTo(-6.0206, 3);
  });
  it('reads a full-scale sine as about -3 dBFS', () => {
    const sine = new Int16Array(8000).map((_, i) => Math.round(32767 * Math.sin((2 * Math.PI * 1000 * i) / 8000)));
    expect(dbfs(fromSamples(sine))).toBeCloseTo(-3.01, 1);
  });
  it('gives -Infinity for silence and empty input', () => {
    expect(dbfs(silence(8000, 20))).toBe(-Infinity);
    expect(dbfs(Buffer.alloc(0))).toBe(-Infinity);
    expect(rms(Buffer.alloc(0))).toBe(0);
  });
});

describe('applyGainDb', () => {
  it('scales by the dB factor', () => {
    expect(valuesOf(applyGainDb(pcmOf(1000, -2000), -6.0206))).toEqual([500, -1000]);
    expect(dbfs(applyGainDb(pcmOf(1000, -1000), 10)) - dbfs(pcmOf(1000, -1000))).toBeCloseTo(10, 2);
  });
  it('saturates instead of wrapping', () => {
    expect(valuesOf(applyGainDb(pcmOf(20000, -20000, 100), 12))).toEqual([32767, -32768, 398]);
  });
  it('does not change its input', () => {
    const input = pcmOf(1, 2, 3);
    applyGainDb(input, 20);
    expect(valuesOf(input)).toEqual([1, 2, 3]);
  });
});

describe('mixing', () => {
  it('adds two buffers, saturating, as long as the longer', () => {
    expect(valuesOf(mix(pcmOf(30000, -30000, 5), pcmOf(10000, -10000)))).toEqual([32767, -32768, 5]);
  });
  it('accumulates several sources before one clamp', () => {
    const acc = new Int32Array(3);
    mixInto(acc, pcmOf(30000, 30000, 1));
    mixInto(acc, pcmOf(30000, 30000, 1));
    mixInto(acc, pcmOf(-30000, -40, 1));
    expect(Array.from(acc)).toEqual([30000, 59960, 3]);
    expect(valuesOf(fromAccumulator(acc))).toEqual([30000, 32767, 3]);
  });
  it('mixes at an offset and drops what falls outside', () => {
    const acc = new Int32Array(3);
    mixInto(acc, pcmOf(1, 2, 3), 2);
    mixInto(acc, pcmOf(10, 20, 30), -1);
    expect(Array.from(acc)).toEqual([20, 30, 1]);
  });
});

describe('concat', () => {
  it('joins buffers in order', () => {
    expect(valuesOf(concat([pcmOf(1), pcmOf(2, 3), Buffer.alloc(0)]))).toEqual([1, 2, 3]);
    expect(concat([]).length).toBe(0);
  });
});

import { describe, expect, it } from 'vitest';
import { fromSamples, samples } from './pcm.js';
import {
  alawDecode,
  alawDecodeSample,
  alawEncode,
  alawEncodeSample,
  ulawDecode,
  ulawDecodeSample,
  ulawEncode,
  ulawEncodeSample,
} from './ulaw.js';

/**
 * Independent μ-law encoder for non-negative samples, in the classic segment-search form (Sun
 * g711.c): for x ≥ 0 the ITU reference and this one must agree exactly.
 */
function sunLinearToUlaw(x: number): number {
  const v = Math.min(x, 32635) + 0x84;
  const segEnd = [0xff, 0x1ff, 0x3ff, 0x7ff, 0xfff, 0x1fff, 0x3fff, 0x7fff];
  const seg = segEnd.findIndex((end) => v <= end);
  return ((seg << 4) | ((v >> (seg + 3)) & 0x0f)) ^ 0xff;
}

describe('μ-law', () => {
  it('decodes the known end points', () => {
    expect(ulawDecodeSample(0xff)).toBe(0);
    expect(ulawDecodeSample(0x7f)).toBe(0);
    expect(ulawDecodeSample(0x80)).toBe(32124);
    expect(ulawDecodeSample(0x00)).toBe(-32124);
    expect(ulawDecodeSample(0xfe)).toBe(8);
    expect(ulawDecodeSample(0xef)).toBe(132);
    expect(ulawDecodeSample(0x6f)).toBe(-132);
  });
  it('encodes the known end points', () => {
    expect(ulawEncodeSample(0)).toBe(0xff);
    expect(ulawEncodeSample(-1)).toBe(0x7f); // G.191: one's complement magnitude
    expect(ulawEncodeSample(32767)).toBe(0x80);
    expect(ulawEncodeSample(-32768)).toBe(0x00);
  });
  it('matches an independent encoder for every non-negative sample', () => {
    for (let x = 0; x <= 32767; x++) {
      if (ulawEncodeSample(x) !== sunLinearToUlaw(x)) throw new Error(`mismatch at ${x}`);
    }
  });
  it('is odd-symmetric in the decoder', () => {
    for (let c = 0; c < 128; c++) expect(ulawDecodeSample(c) + ulawDecodeSample(c | 0x80)).toBe(0);
  });
  it('round-trips every code except negative zero', () => {
    for (let c = 0; c < 256; c++) {
      expect(ulawEncodeSample(ulawDecodeSample(c))).toBe(c === 0x7f ? 0xff : c);
    }
  });
  it('keeps the quantisation error within half a step', () => {
    for (let x = -32768; x <= 32767; x += 7) {
      const y = ulawDecodeSample(ulawEncodeSample(x));
      const clipped = Math.max(-32124, Math.min(32124, x));
      // Steps are 8 … 1024 wide; half a step relative to the level is at most ~3.2 % + 4.
      expect(Math.abs(y - clipped)).toBeLessThanOrEqual(Math.abs(clipped) * 0.032 + 8);
    }
  });
  it('converts whole buffers', () => {
    const pcm = fromSamples(Int16Array.from([0, 32767, -32768, 1000]));
    const codes = ulawEncode(pcm);
    expect(codes.length).toBe(4);
    expect([...codes.subarray(0, 3)]).toEqual([0xff, 0x80, 0x00]);
    expect(Array.from(samples(ulawDecode(codes)))).toEqual([0, 32124, -32124, ulawDecodeSample(codes[3])]);
  });
});

describe('A-law', () => {
  it('decodes and encodes the known end points', () => {
    expect(alawDecodeSample(0xd5)).toBe(8);
    expect(alawDecodeSample(0x55)).toBe(-8);
    expect(alawDecodeSample(0xaa)).toBe(32256);
    expect(alawDecodeSample(0x2a)).toBe(-32256);
    expect(alawEncodeSample(0)).toBe(0xd5);
    expect(alawEncodeSample(-1)).toBe(0x55);
    expect(alawEncodeSample(32767)).toBe(0xaa);
    expect(alawEncodeSample(-32768)).toBe(0x2a);
  });
  it('round-trips every code', () => {
    for (let c = 0; c < 256; c++) expect(alawEncodeSample(alawDecodeSample(c))).toBe(c);
  });
  it('has the A-law segment steps (16 in the two lowest segments, doubling above)', () => {
    const positives = Array.from({ length: 128 }, (_, i) => alawDecodeSample((i ^ 0x55) | 0x80)).sort((a, b) => a - b);
    expect(positives[1] - positives[0]).toBe(16);
    expect(positives[31] - positives[30]).toBe(16);
    expect(positives[33] - positives[32]).toBe(32);
    expect(positives[127] - positives[126]).toBe(1024);
  });
  it('converts whole buffers', () => {
    const pcm = fromSamples(Int16Array.from([0, -32768, 500]));
    const back = Array.from(samples(alawDecode(alawEncode(pcm))));
    expect(back[0]).toBe(8);
    expect(back[1]).toBe(-32256);
    expect(Math.abs(back[2] - 500)).toBeLessThanOrEqual(8);
  });
});

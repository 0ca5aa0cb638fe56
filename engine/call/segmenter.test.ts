import { describe, expect, it } from 'vitest';
import { ResponseSegmenter } from './segmenter.js';

const rate = 16000;
const ms = (n: number) => Buffer.alloc((rate * 2 * n) / 1000, 1);

describe('response segmenter', () => {
  it('emits a short first segment, then longer ones, then the remainder on flush', () => {
    const s = new ResponseSegmenter({ sampleRate: rate, firstSegmentMs: 500, segmentMs: 2000 });
    const lengths: number[] = [];
    // 5.3 s arriving in 100 ms chunks, like a TTS stream.
    for (let i = 0; i < 53; i++) lengths.push(...s.push(ms(100)).map((b) => b.length / 32));
    const rest = s.flush();
    expect(lengths).toEqual([500, 2000, 2000]);
    expect(rest!.length / 32).toBe(800);
    expect(s.flush()).toBeNull();
  });

  it('keeps the bytes in order across chunk boundaries', () => {
    const s = new ResponseSegmenter({ sampleRate: 8000, firstSegmentMs: 20, segmentMs: 20 });
    const input = Buffer.from(Array.from({ length: 1000 }, (_, i) => i % 251));
    const out: Buffer[] = [];
    for (let i = 0; i < input.length; i += 37) out.push(...s.push(input.subarray(i, i + 37)));
    const rest = s.flush();
    expect(Buffer.concat([...out, ...(rest ? [rest] : [])])).toEqual(input);
    expect(out.every((b) => b.length === 320)).toBe(true);
  });

  it('reset drops the response and the next one starts with a short segment again', () => {
    const s = new ResponseSegmenter({ sampleRate: rate, firstSegmentMs: 500, segmentMs: 2000 });
    s.push(ms(700));
    s.reset();
    expect(s.flush()).toBeNull();
    expect(s.push(ms(500)).map((b) => b.length / 32)).toEqual([500]);
  });

  it('drains what is buffered once the first segment is out, and only then', () => {
    const s = new ResponseSegmenter({ sampleRate: rate, firstSegmentMs: 200, segmentMs: 2000 });
    expect(s.push(ms(100))).toEqual([]);
    expect(s.drain()).toBeNull();
    expect(s.push(ms(300)).map((b) => b.length / 32)).toEqual([200]);
    expect(s.drain()!.length / 32).toBe(200);
    expect(s.drain()).toBeNull();
    // Later cuts are full segments again.
    expect(s.push(ms(2100)).map((b) => b.length / 32)).toEqual([2000]);
  });
});

import { describe, expect, it } from 'vitest';
import { concat } from './pcm.js';
import { FrameAssembler, chunkFrames, frameBytes } from './frames.js';

/** Bytes 0, 1, 2, … (mod 256) so that any reordering or loss shows. */
const ramp = (n: number): Buffer => Buffer.from(Array.from({ length: n }, (_, i) => i % 256));

describe('frameBytes', () => {
  it('is 320 bytes for 20 ms at 8 kHz and 640 at 16 kHz', () => {
    expect(frameBytes(8000)).toBe(320);
    expect(frameBytes(16000)).toBe(640);
    expect(frameBytes(8000, 10)).toBe(160);
  });
  it('rejects durations that are not whole samples', () => {
    expect(() => frameBytes(44100, 20.01)).toThrow(RangeError);
    expect(() => frameBytes(8000, 0)).toThrow(RangeError);
  });
});

describe('chunkFrames', () => {
  it('cuts into exact frames and pads the last with silence', () => {
    const frames = chunkFrames(ramp(700), 8000);
    expect(frames.map((f) => f.length)).toEqual([320, 320, 320]);
    expect(concat(frames).subarray(0, 700).equals(ramp(700))).toBe(true);
    expect(frames[2].subarray(60).equals(Buffer.alloc(260))).toBe(true);
  });
  it('gives no frames for empty input and no padding for whole frames', () => {
    expect(chunkFrames(Buffer.alloc(0), 8000)).toEqual([]);
    expect(chunkFrames(ramp(1280), 16000).length).toBe(2);
  });
  it('returns copies', () => {
    const input = ramp(320);
    const [frame] = chunkFrames(input, 8000);
    input.fill(0);
    expect(frame.equals(ramp(320))).toBe(true);
  });
});

describe('FrameAssembler', () => {
  it('turns chunks of any size, odd included, into the same exact frames', () => {
    const input = ramp(320 * 25 + 17);
    for (const step of [1, 3, 7, 160, 319, 321, 1000, input.length]) {
      const fa = new FrameAssembler(8000);
      const frames: Buffer[] = [];
      for (let at = 0; at < input.length; at += step) frames.push(...fa.push(input.subarray(at, at + step)));
      expect(frames.length).toBe(25);
      expect(frames.every((f) => f.length === 320)).toBe(true);
      expect(concat(frames).equals(input.subarray(0, 320 * 25))).toBe(true);
      expect(fa.bufferedBytes).toBe(17);
      const last = fa.flush()!;
      expect(last.subarray(0, 17).equals(input.subarray(320 * 25))).toBe(true);
      expect(last.subarray(17).equals(Buffer.alloc(303))).toBe(true);
      expect(fa.flush()).toBeUndefined();
    }
  });
  it('does not keep references to the caller’s buffers', () => {
    const fa = new FrameAssembler(8000);
    const chunk = ramp(400);
    const [frame] = fa.push(chunk);
    chunk.fill(0);
    expect(frame.equals(ramp(320))).toBe(true);
    expect(fa.flush()!.subarray(0, 80).equals(ramp(400).subarray(320))).toBe(true);
  });
  it('drops its buffer on reset and ignores empty chunks', () => {
    const fa = new FrameAssembler(16000);
    expect(fa.push(Buffer.alloc(0))).toEqual([]);
    fa.push(ramp(100));
    fa.reset();
    expect(fa.bufferedBytes).toBe(0);
    expect(fa.push(ramp(640))[0].equals(ramp(640))).toBe(true);
  });
});

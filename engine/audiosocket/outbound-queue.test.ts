import { describe, expect, it } from 'vitest';
import { OutboundAudioQueue } from './outbound-queue.js';

function ramp(samples: number, start = 1): Buffer {
  const b = Buffer.alloc(samples * 2);
  for (let i = 0; i < samples; i++) b.writeInt16LE((start + i) % 32000, i * 2);
  return b;
}

describe('OutboundAudioQueue', () => {
  it('is empty at first: the caller sends silence', () => {
    const q = new OutboundAudioQueue(8000);
    expect(q.nextFrame()).toBeUndefined();
    expect(q.queuedMs).toBe(0);
  });

  it('cuts queued audio into 20 ms frames at the rate it was written', () => {
    const q = new OutboundAudioQueue(16000);
    const pcm = ramp(16000 / 10); // 100 ms
    q.push(pcm);
    expect(q.queuedMs).toBe(100);
    const frames = [];
    for (let f = q.nextFrame(); f; f = q.nextFrame()) frames.push(f);
    expect(frames.length).toBe(5);
    expect(frames.every((f) => f.rate === 16000 && f.pcm.length === 640)).toBe(true);
    expect(Buffer.concat(frames.map((f) => f.pcm))).toEqual(pcm);
    expect(q.queuedMs).toBe(0);
  });

  it('joins small writes into whole frames, keeping byte order', () => {
    const q = new OutboundAudioQueue(8000);
    const pcm = ramp(480); // 60 ms written in odd-sized pieces
    for (let off = 0; off < pcm.length; off += 94) q.push(pcm.subarray(off, Math.min(off + 94, pcm.length)));
    const out = [q.nextFrame(), q.nextFrame(), q.nextFrame()];
    expect(out.every((f) => f?.pcm.length === 320)).toBe(true);
    expect(Buffer.concat(out.map((f) => f!.pcm))).toEqual(pcm);
    expect(q.nextFrame()).toBeUndefined();
  });

  it('pads the tail of an utterance with silence', () => {
    const q = new OutboundAudioQueue(8000);
    q.push(ramp(100)); // 12.5 ms
    const f = q.nextFrame()!;
    expect(f.pcm.length).toBe(320);
    expect(f.pcm.subarray(0, 200)).toEqual(ramp(100));
    expect(f.pcm.subarray(200).every((b) => b === 0)).toBe(true);
    expect(q.nextFrame()).toBeUndefined();
  });

  it('never mixes rates in one frame', () => {
    const q = new OutboundAudioQueue(8000);
    q.push(ramp(80), 8000); // 10 ms at 8 kHz
    q.push(ramp(320), 16000); // 20 ms at 16 kHz
    const a = q.nextFrame()!;
    const b = q.nextFrame()!;
    expect([a.rate, a.pcm.length]).toEqual([8000, 320]);
    expect([b.rate, b.pcm.length]).toEqual([16000, 640]);
    expect(q.nextFrame()).toBeUndefined();
  });

  it('clear() drops everything and says how much', () => {
    const q = new OutboundAudioQueue(16000);
    q.push(ramp(16000)); // 1 s
    q.nextFrame();
    expect(q.clear()).toBe(980);
    expect(q.queuedMs).toBe(0);
    expect(q.bytes).toBe(0);
    expect(q.nextFrame()).toBeUndefined();
  });

  it('refuses PCM that is not whole samples', () => {
    expect(() => new OutboundAudioQueue(8000).push(Buffer.alloc(3))).toThrow(RangeError);
  });
});

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { sendPaced, splitPcm } from './paced-chunks.js';

describe('splitPcm', () => {
  it('cuts 16 kHz audio into 200 ms chunks with a shorter tail, losing no sample', () => {
    const pcm = Buffer.alloc(16000 * 2 * 0.5); // 500 ms
    for (let i = 0; i < pcm.length / 2; i++) pcm.writeInt16LE(i % 30000, i * 2);
    const chunks = splitPcm(pcm, 16000, 200);
    expect(chunks.map((c) => c.length)).toEqual([6400, 6400, 3200]);
    expect(Buffer.concat(chunks).equals(pcm)).toBe(true);
  });

  it('drops an odd trailing byte and returns nothing for empty audio', () => {
    expect(splitPcm(Buffer.alloc(0), 8000, 200)).toEqual([]);
    const chunks = splitPcm(Buffer.alloc(3201), 8000, 200);
    expect(chunks.map((c) => c.length)).toEqual([3200]);
  });
});

describe('sendPaced', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  const chunks = [Buffer.from([1, 0]), Buffer.from([2, 0]), Buffer.from([3, 0]), Buffer.from([4, 0])];

  it('sends the first chunk at once and the others on their deadlines, then onDone', () => {
    const sent: number[] = [];
    const done = vi.fn();
    sendPaced({ chunks, intervalMs: 50, onChunk: (c) => sent.push(c[0]), onDone: done, now: () => Date.now() });
    expect(sent).toEqual([1]);
    vi.advanceTimersByTime(50);
    expect(sent).toEqual([1, 2]);
    vi.advanceTimersByTime(100);
    expect(sent).toEqual([1, 2, 3, 4]);
    expect(done).toHaveBeenCalledTimes(1);
  });

  it('catches up after a late timer instead of drifting', () => {
    const sent: number[] = [];
    let clock = 0;
    sendPaced({ chunks, intervalMs: 50, onChunk: (c) => sent.push(c[0]), onDone: () => {}, now: () => clock });
    clock = 160; // the event loop was blocked: chunks 2, 3 and 4 (due at 50, 100, 150) are all late
    vi.advanceTimersByTime(50);
    expect(sent).toEqual([1, 2, 3, 4]);
  });

  it('sends everything at once when the interval is 0', () => {
    const sent: number[] = [];
    const done = vi.fn();
    sendPaced({ chunks, intervalMs: 0, onChunk: (c) => sent.push(c[0]), onDone: done });
    expect(sent).toEqual([1, 2, 3, 4]);
    expect(done).toHaveBeenCalledTimes(1);
  });

  it('cancel stops the remaining chunks and onDone', () => {
    const sent: number[] = [];
    const done = vi.fn();
    const send = sendPaced({ chunks, intervalMs: 50, onChunk: (c) => sent.push(c[0]), onDone: done, now: () => Date.now() });
    vi.advanceTimersByTime(50);
    send.cancel();
    send.cancel();
    vi.advanceTimersByTime(1000);
    expect(sent).toEqual([1, 2]);
    expect(done).not.toHaveBeenCalled();
    expect(send.active).toBe(false);
  });

  it('cancel from inside onChunk stops the chunks still due in the same pump', () => {
    const sent: number[] = [];
    let clock = 0;
    const holder: { send?: ReturnType<typeof sendPaced> } = {};
    holder.send = sendPaced({
      chunks,
      intervalMs: 50,
      onChunk: (c) => {
        sent.push(c[0]);
        if (c[0] === 2) holder.send?.cancel();
      },
      onDone: () => {},
      now: () => clock,
    });
    clock = 200; // chunks 2, 3 and 4 are all due in the next pump
    vi.advanceTimersByTime(50);
    expect(sent).toEqual([1, 2]);
  });
});

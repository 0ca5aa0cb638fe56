import { describe, expect, it } from 'vitest';
import { dominantFrequency, tone } from '../audio/tone.js';
import { dbfs } from '../audio/pcm.js';
import { ProviderFeed } from './provider-feed.js';

function feed(callRate: number, providerRate: number, chunkMs: number, input: Buffer, frameMs = 20): Buffer[] {
  const out: Buffer[] = [];
  const f = new ProviderFeed({ callRate, providerRate, chunkMs, deliver: (b) => out.push(Buffer.from(b)) });
  const frame = (callRate * frameMs * 2) / 1000;
  for (let o = 0; o + frame <= input.length; o += frame) f.push(input.subarray(o, o + frame));
  return out;
}

describe('provider feed', () => {
  it('passes 20 ms frames straight through when rates and chunk match', () => {
    const pcm = tone(440, 200, 8000, 0.3);
    const out = feed(8000, 8000, 20, pcm);
    expect(out).toHaveLength(10);
    expect(Buffer.concat(out)).toEqual(pcm);
  });

  it('groups frames into chunks of chunk_duration_ms', () => {
    const out = feed(16000, 16000, 100, tone(440, 1000, 16000, 0.3));
    expect(out.map((b) => b.length)).toEqual(Array(10).fill(3200));
  });

  it('converts an 8 kHz call to a 16 kHz provider keeping frequency and level', () => {
    const out = Buffer.concat(feed(8000, 16000, 20, tone(1000, 1000, 8000, 0.3)));
    expect(out.length).toBeGreaterThan(16000 * 2 * 0.95);
    const steady = out.subarray(3200, out.length - 3200);
    expect(dominantFrequency(steady, 16000)).toBeCloseTo(1000, -1);
    expect(dbfs(steady)).toBeCloseTo(dbfs(tone(1000, 500, 16000, 0.3)), 0);
  });
});

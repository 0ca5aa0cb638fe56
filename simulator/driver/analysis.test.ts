import { describe, expect, it } from 'vitest';
import { silence } from '../../engine/audio/pcm.js';
import { tone } from '../../engine/audio/tone.js';
import { encodeWav } from '../../engine/audio/wav.js';
import { analyzeCall, soundSegments } from './analysis.js';

const rate = 8000;
/** A track built from [ms, amplitude] pieces (0 = silence). */
function track(pieces: Array<[number, number]>): Buffer {
  return Buffer.concat(pieces.map(([ms, amp]) => (amp === 0 ? silence(rate, ms) : tone(440, ms, rate, amp))));
}

describe('call analysis from the caller side', () => {
  it('finds stretches of sound, bridging short gaps and dropping clicks', () => {
    const pcm = track([[500, 0], [1000, 0.1], [200, 0], [800, 0.1], [1000, 0], [40, 0.5], [500, 0]]);
    expect(soundSegments(pcm, rate)).toEqual([{ startMs: 500, endMs: 2500 }]);
    expect(soundSegments(pcm, rate, { bridgeMs: 100 })).toEqual([
      { startMs: 500, endMs: 1500 },
      { startMs: 1700, endMs: 2500 },
    ]);
  });

  it('ignores sound below the threshold (line noise)', () => {
    expect(soundSegments(track([[1000, 0.002]]), rate)).toEqual([]);
  });

  it('measures response times and barge-in stop latency', () => {
    // greeting 0-1500; caller 2000-3000; answer 3600-8000 but cut: caller talks at 5000, agent stops 5200.
    const heard = track([[1500, 0.1], [2100, 0], [1600, 0.1], [2800, 0]]);
    const said = track([[2000, 0], [1000, 0.1], [2000, 0], [1000, 0.1], [2000, 0]]);
    const a = analyzeCall(encodeWav(heard, rate), encodeWav(said, rate));
    expect(a.heard).toEqual([
      { startMs: 0, endMs: 1500 },
      { startMs: 3600, endMs: 5200 },
    ]);
    expect(a.said).toEqual([
      { startMs: 2000, endMs: 3000 },
      { startMs: 5000, endMs: 6000 },
    ]);
    expect(a.responses).toEqual([{ saidEndMs: 3000, heardStartMs: 3600, responseMs: 600 }]);
    expect(a.bargeIns).toEqual([{ saidStartMs: 5000, agentStopMs: 5200, stopLatencyMs: 200 }]);
  });
});

import { describe, expect, it } from 'vitest';
import { EnergyTurnDetector, levelDbfs, type TurnEvent } from './energy-turn-detector.js';
import { toneLinear16 } from './tone.js';

const silence = (rate: number, ms: number): Buffer => Buffer.alloc(Math.round((rate * ms) / 1000) * 2);
const speech = (rate: number, ms: number, levelDbfs = -20): Buffer =>
  toneLinear16({ sampleRate: rate, frequencyHz: 300, durationMs: ms, levelDbfs, rampMs: 0 });

describe('levelDbfs', () => {
  it('measures the RMS level of a tone and -Infinity for digital silence', () => {
    expect(levelDbfs(speech(8000, 100, -20))).toBeCloseTo(-20, 0);
    expect(levelDbfs(speech(16000, 100, -6))).toBeCloseTo(-6, 0);
    expect(levelDbfs(silence(8000, 20))).toBe(-Infinity);
    expect(levelDbfs(Buffer.alloc(0))).toBe(-Infinity);
  });
});

describe('EnergyTurnDetector', () => {
  it.each([8000, 16000])('finds one turn with its onset and end in audio time (%i Hz)', (rate) => {
    const d = new EnergyTurnDetector({ sampleRate: rate });
    const audio = Buffer.concat([silence(rate, 200), speech(rate, 600), silence(rate, 600)]);
    expect(d.push(audio)).toEqual([
      { type: 'speech_start', atMs: 200 },
      { type: 'speech_end', atMs: 800 },
    ]);
    expect(d.inSpeech).toBe(false);
    expect(d.audioMs).toBe(1400);
  });

  it('gives the same events whatever the push sizes, odd byte splits included', () => {
    const rate = 8000;
    const audio = Buffer.concat([silence(rate, 100), speech(rate, 300), silence(rate, 500), speech(rate, 200), silence(rate, 500)]);
    const whole = new EnergyTurnDetector({ sampleRate: rate }).push(audio);
    for (const step of [1, 3, 7, 159, 161, 1001]) {
      const d = new EnergyTurnDetector({ sampleRate: rate });
      const events: TurnEvent[] = [];
      for (let i = 0; i < audio.length; i += step) events.push(...d.push(audio.subarray(i, i + step)));
      expect(events).toEqual(whole);
    }
    expect(whole.map((e) => e.type)).toEqual(['speech_start', 'speech_end', 'speech_start', 'speech_end']);
  });

  it('ignores a click shorter than the onset and quiet line noise', () => {
    const rate = 8000;
    const d = new EnergyTurnDetector({ sampleRate: rate });
    expect(d.push(Buffer.concat([speech(rate, 40), silence(rate, 500), speech(rate, 1000, -50)]))).toEqual([]);
  });

  it('does not split a turn at a pause shorter than the hangover', () => {
    const rate = 8000;
    const d = new EnergyTurnDetector({ sampleRate: rate, hangoverMs: 400 });
    const events = d.push(Buffer.concat([speech(rate, 300), silence(rate, 300), speech(rate, 300), silence(rate, 400)]));
    expect(events).toEqual([
      { type: 'speech_start', atMs: 0 },
      { type: 'speech_end', atMs: 900 },
    ]);
  });

  it('ends an open turn on flush, at its last voiced frame', () => {
    const rate = 16000;
    const d = new EnergyTurnDetector({ sampleRate: rate });
    expect(d.push(Buffer.concat([silence(rate, 100), speech(rate, 300)]))).toEqual([{ type: 'speech_start', atMs: 100 }]);
    expect(d.inSpeech).toBe(true);
    expect(d.flush()).toEqual([{ type: 'speech_end', atMs: 400 }]);
    expect(d.flush()).toEqual([]);
  });
});

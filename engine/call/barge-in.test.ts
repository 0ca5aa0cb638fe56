import { describe, expect, it } from 'vitest';
import { BargeInDetector, DEFAULT_BARGE_IN, type BargeInSettings } from './barge-in.js';

const settings: BargeInSettings = { ...DEFAULT_BARGE_IN, minSpeechMs: 200, protectionWindowMs: 300, cooldownMs: 1000 };

/** Feeds 20 ms frames from t0 for ms, with the agent playing at agentDbfs; returns the first barge-in. */
function feed(d: BargeInDetector, t0: number, ms: number, callerDbfs: number, voiced: boolean, agentDbfs?: number) {
  for (let t = t0; t < t0 + ms; t += 20) {
    if (agentDbfs !== undefined) d.agentLevel(t, agentDbfs);
    const b = d.callerFrame(t, 20, callerDbfs, voiced);
    if (b) return b;
  }
  return null;
}

describe('barge-in detector', () => {
  it('cuts the agent after minSpeechMs of caller speech and reports the onset', () => {
    const d = new BargeInDetector(settings);
    d.agentStarted(0, { greeting: false });
    expect(feed(d, 0, 500, -60, false, -20)).toBeNull();
    const b = feed(d, 500, 1000, -18, true, -20);
    expect(b).toEqual({ onsetMs: 500, atMs: 700 });
    expect(d.agentSpeaking).toBe(false);
  });

  it('never fires on the agent’s own echo, even when voiced and loud', () => {
    const d = new BargeInDetector(settings);
    d.agentStarted(0, { greeting: false });
    // Echo 10 dB under the agent's playout: voiced (it is speech) and well above the floor.
    expect(feed(d, 0, 5000, -30, true, -20)).toBeNull();
  });

  it('ignores speech inside the protection window at the start of a response', () => {
    const d = new BargeInDetector(settings);
    d.agentStarted(1000, { greeting: false });
    expect(feed(d, 1000, 300, -15, true, -20)).toBeNull();
    // The run restarts after the window: 200 ms more are needed.
    expect(feed(d, 1300, 400, -15, true, -20)).toEqual({ onsetMs: 1300, atMs: 1500 });
  });

  it('protects the greeting when configured', () => {
    const d = new BargeInDetector({ ...settings, protectGreeting: true });
    d.agentStarted(0, { greeting: true });
    expect(feed(d, 0, 3000, -10, true, -20)).toBeNull();
    d.agentStarted(3000, { greeting: false });
    expect(feed(d, 3400, 400, -10, true, -20)).not.toBeNull();
  });

  it('needs continuous speech: a click or a short word does not cut the agent', () => {
    const d = new BargeInDetector(settings);
    d.agentStarted(0, { greeting: false });
    for (let t = 400; t < 3000; t += 200) {
      expect(feed(d, t, 100, -15, true, -25)).toBeNull();
      expect(feed(d, t + 100, 100, -70, false, -25)).toBeNull();
    }
  });

  it('ignores quiet voiced frames below the energy threshold and unvoiced loud noise', () => {
    const d = new BargeInDetector(settings);
    d.agentStarted(0, { greeting: false });
    expect(feed(d, 400, 2000, -45, true)).toBeNull();
    expect(feed(d, 2400, 2000, -10, false)).toBeNull();
  });

  it('holds off for the cooldown after a barge-in', () => {
    const d = new BargeInDetector(settings);
    d.agentStarted(0, { greeting: false });
    const first = feed(d, 400, 400, -15, true);
    expect(first?.atMs).toBe(600);
    d.agentStarted(700, { greeting: false });
    expect(feed(d, 1000, 580, -15, true)).toBeNull();
    expect(feed(d, 1600, 400, -15, true)).toEqual({ onsetMs: 1600, atMs: 1800 });
  });

  it('does nothing while the agent is silent or when disabled', () => {
    const d = new BargeInDetector(settings);
    expect(feed(d, 0, 2000, -10, true)).toBeNull();
    const off = new BargeInDetector({ ...settings, enabled: false });
    off.agentStarted(0, { greeting: false });
    expect(feed(off, 400, 2000, -10, true)).toBeNull();
  });

  it('tells echo from speech by level against the agent’s recent playout', () => {
    const d = new BargeInDetector(settings);
    expect(d.isEcho(0, -30)).toBe(false); // the agent has not been heard: nothing is echo
    d.agentLevel(1000, -20);
    expect(d.isEcho(1100, -30)).toBe(true); // 10 dB under the agent: its echo
    expect(d.isEcho(1100, -15)).toBe(false); // louder than the agent: the caller
    expect(d.isEcho(1500, -30)).toBe(false); // the agent fell silent longer than the echo window ago
  });

  it('measures the caller’s level only when the answer depends on it', () => {
    const d = new BargeInDetector(settings);
    let measured = 0;
    const level = (db: number) => () => (measured++, db);
    // Agent never heard, or heard longer than the echo window ago: no echo, whatever the level.
    expect(d.isEcho(0, level(-30))).toBe(false);
    d.agentLevel(1000, -20);
    expect(d.isEcho(1500, level(-30))).toBe(false);
    // Agent not speaking: no barge-in, whatever the level.
    expect(d.callerFrame(1500, 20, level(-10), true)).toBeNull();
    expect(measured).toBe(0);
    // Heard lately: measured, and echo when under the agent's level.
    expect(d.isEcho(1100, level(-30))).toBe(true);
    expect(measured).toBe(1);
    // Speaking: an unvoiced frame is not measured, a voiced one is.
    d.agentStarted(2000, { greeting: false });
    expect(d.callerFrame(3000, 20, level(-10), false)).toBeNull();
    expect(measured).toBe(1);
    d.callerFrame(3020, 20, level(-10), true);
    expect(measured).toBe(2);
    // Barge-in off: never measured for it.
    const off = new BargeInDetector({ ...settings, enabled: false });
    off.agentStarted(0, { greeting: false });
    expect(off.callerFrame(3000, 20, level(-10), true)).toBeNull();
    expect(measured).toBe(2);
  });

  it('the agent’s silent frames neither extend nor cut short the echo window', () => {
    const d = new BargeInDetector(settings);
    d.agentLevel(1000, -20);
    for (let t = 1020; t <= 1600; t += 20) {
      d.agentLevel(t, Number.NEGATIVE_INFINITY);
      // Echo for 400 ms after the last audible frame, whatever silence was reported since.
      expect(d.isEcho(t, -30)).toBe(t <= 1400);
    }
  });
});

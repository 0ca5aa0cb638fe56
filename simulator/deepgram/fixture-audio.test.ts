import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeWav } from '../../engine/audio/wav.js';
import { fixtureAgentAudio } from './fixture-audio.js';
import { toneLinear16 } from './tone.js';

const dir = mkdtempSync(join(tmpdir(), 'fake-dg-audio-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const greeting8k = toneLinear16({ sampleRate: 8000, frequencyHz: 500, durationMs: 300 });
const reply1 = toneLinear16({ sampleRate: 16000, frequencyHz: 700, durationMs: 200 });
const reply2 = toneLinear16({ sampleRate: 16000, frequencyHz: 900, durationMs: 100 });
writeFileSync(join(dir, 'agent-greeting-8k.wav'), encodeWav(greeting8k, 8000));
writeFileSync(join(dir, 'agent-reply-1-16k.wav'), encodeWav(reply1, 16000));
writeFileSync(join(dir, 'agent-reply-2-16k.wav'), encodeWav(reply2, 16000));

describe('fixtureAgentAudio', () => {
  it('uses the recording at the asked rate, cycling through replies', () => {
    const audio = fixtureAgentAudio(dir);
    expect(audio('hi', 8000, 'greeting')).toEqual(greeting8k);
    expect(audio('a', 16000, 'reply')).toEqual(reply1);
    expect(audio('b', 16000, 'reply')).toEqual(reply2);
    expect(audio('c', 16000, 'reply')).toEqual(reply1);
  });

  it('resamples the nearest recording to another rate', () => {
    expect(fixtureAgentAudio(dir)('hi', 16000, 'greeting').length).toBe(greeting8k.length * 2);
  });

  it('falls back to a tone without recordings', () => {
    expect(fixtureAgentAudio(join(dir, 'missing'))('hi', 8000, 'greeting').length).toBe(8000 * 2 * 0.4);
  });

  it.runIf(existsSync(join(import.meta.dirname, '../../fixtures/audio/agent-greeting-8k.wav')))('reads the repository fixtures', () => {
    expect(fixtureAgentAudio()('hi', 8000, 'greeting').length).toBeGreaterThan(8000);
  });
});

/**
 * Checks the committed audio fixtures (made by scripts/make-fixtures.sh) are what
 * fixtures/audio/README.md says, so a regenerated set that drifts is caught here.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { dbfs, durationMs } from './pcm.js';
import { dominantFrequency, goertzelDbfs } from './tone.js';
import { parseWav } from './wav.js';

const AUDIO = fileURLToPath(new URL('../../fixtures/audio/', import.meta.url));
const load = (name: string) => parseWav(readFileSync(AUDIO + name));

describe('speech fixtures', () => {
  const speech = readdirSync(AUDIO).filter((f) => /^(caller|agent)-.*-(8k|16k)\.wav$/.test(f));

  it('include callers and agent prompts at both rates', () => {
    const names = ['caller-hello', 'caller-question', 'caller-interrupt', 'agent-greeting', 'agent-reply-1'];
    for (const name of [...names, 'agent-reply-2', 'agent-long-answer']) {
      expect(speech).toContain(`${name}-8k.wav`);
      expect(speech).toContain(`${name}-16k.wav`);
    }
  });

  it.each(speech)('%s is mono s16le at its rate, at telephone level, with a transcript', (file) => {
    const wav = load(file);
    const rate = file.includes('-16k') ? 16000 : 8000;
    expect(wav).toMatchObject({ channels: 1, bitsPerSample: 16, encoding: 'pcm', rate });
    // Levelled to -20 dBFS over the speech; the 300 ms pads lower the file's mean a little.
    expect(dbfs(wav.pcm)).toBeGreaterThan(-23);
    expect(dbfs(wav.pcm)).toBeLessThan(-19);
    const transcript = AUDIO + file.replace(/\.wav$/, '.txt');
    expect(existsSync(transcript)).toBe(true);
    expect(readFileSync(transcript, 'utf8').trim().length).toBeGreaterThan(5);
    const seconds = durationMs(wav.pcm, wav.rate) / 1000;
    if (file.startsWith('caller-')) expect(seconds - 0.6).toBeGreaterThanOrEqual(1);
    if (file.startsWith('caller-')) expect(seconds - 0.6).toBeLessThanOrEqual(2.5);
    if (file.startsWith('agent-long-answer')) expect(seconds).toBeGreaterThan(7.5);
  });
});

describe('signal fixtures', () => {
  it('silence-3s-8k is 3 s of zeros', () => {
    const wav = load('silence-3s-8k.wav');
    expect(durationMs(wav.pcm, 8000)).toBe(3000);
    expect(wav.pcm.every((b) => b === 0)).toBe(true);
  });

  it('noise-pink-8k is -45 dBFS and pink (more energy low than high)', () => {
    const wav = load('noise-pink-8k.wav');
    expect(dbfs(wav.pcm)).toBeCloseTo(-45, 0);
    expect(goertzelDbfs(wav.pcm, 8000, 200)).toBeGreaterThan(goertzelDbfs(wav.pcm, 8000, 3200) + 6);
  });

  it('tone-1khz-8k is 1 kHz at -9 dBFS', () => {
    const wav = load('tone-1khz-8k.wav');
    expect(Math.abs(dominantFrequency(wav.pcm, 8000)! - 1000)).toBeLessThan(1);
    expect(dbfs(wav.pcm)).toBeCloseTo(-9, 0);
  });

  it('dtmf-123-8k holds the digits 1, 2, 3 in order (Q.23 pairs)', () => {
    const pcm = load('dtmf-123-8k.wav').pcm;
    const slice = (startMs: number) => pcm.subarray(startMs * 16, (startMs + 80) * 16);
    const high = [1209, 1336, 1477];
    [210, 410, 610].forEach((startMs, digit) => {
      const part = slice(startMs);
      expect(goertzelDbfs(part, 8000, 697)).toBeGreaterThan(-25);
      for (const [i, f] of high.entries()) {
        if (i === digit) expect(goertzelDbfs(part, 8000, f)).toBeGreaterThan(-25);
        else expect(goertzelDbfs(part, 8000, f)).toBeLessThan(-40);
      }
    });
    expect(dbfs(pcm.subarray(0, 150 * 16))).toBe(-Infinity);
  });
});

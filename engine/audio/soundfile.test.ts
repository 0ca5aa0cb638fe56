import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dominantFrequency, tone } from './tone.js';
import { alawEncode, ulawEncode } from './ulaw.js';
import { encodeWav } from './wav.js';
import { SoundFileError, decodeSoundFile, findSound, loadSoundFile } from './soundfile.js';

const SOUNDS = fileURLToPath(new URL('../../fixtures/sounds/', import.meta.url));
const EN = join(SOUNDS, 'en');

describe('decodeSoundFile', () => {
  const pcm = tone(1000, 100, 8000);
  it('reads raw formats by extension, with their rates', () => {
    expect(decodeSoundFile(pcm, 'x.sln')).toEqual({ rate: 8000, pcm });
    expect(decodeSoundFile(pcm, 'x.sln16').rate).toBe(16000);
    expect(decodeSoundFile(pcm, 'x.sln24').rate).toBe(24000);
    expect(decodeSoundFile(pcm, 'x.sln48').rate).toBe(48000);
    expect(decodeSoundFile(pcm, 'x.raw').rate).toBe(8000);
    const ulaw = decodeSoundFile(ulawEncode(pcm), 'dir/x.ulaw');
    expect(ulaw.rate).toBe(8000);
    expect(ulaw.pcm.length).toBe(pcm.length);
    expect(Math.abs(dominantFrequency(ulaw.pcm, 8000)! - 1000)).toBeLessThan(2);
    expect(decodeSoundFile(alawEncode(pcm), 'x.alaw').pcm.length).toBe(pcm.length);
  });
  it('reads WAV with the rate from its header', () => {
    expect(decodeSoundFile(encodeWav(tone(500, 50, 16000), 16000), 'x.wav').rate).toBe(16000);
  });
  it('rejects an unknown extension', () => {
    expect(() => decodeSoundFile(pcm, 'x.gsm')).toThrow(SoundFileError);
    expect(() => decodeSoundFile(pcm, 'noext')).toThrow(/unknown sound file extension/);
  });
});

describe('loadSoundFile on the committed sound fixtures', () => {
  it.each([
    ['ai-tone-ulaw.ulaw', 8000, 600],
    ['ai-tone-sln.sln', 8000, 800],
    ['ai-tone-sln16.sln16', 16000, 1200],
    ['ai-test-tone.wav', 8000, 440],
  ])('%s is %d Hz and holds its tone', async (file, rate, freq) => {
    const sound = await loadSoundFile(join(EN, file));
    expect(sound.rate).toBe(rate);
    expect(Math.abs(dominantFrequency(sound.pcm, sound.rate)! - freq)).toBeLessThan(3);
  });
});

describe('findSound', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sounds-'));
    await mkdir(join(dir, 'digits'));
    await writeFile(join(dir, 'digits', '1.ulaw'), Buffer.alloc(8));
    await writeFile(join(dir, 'x.wav'), encodeWav(Buffer.alloc(2), 8000));
    await mkdir(join(dir, 'folder.sln16')); // a directory is not a sound
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('resolves a name without extension to a file in a known format', () => {
    expect(findSound([EN], 'ai-test-tone')).toBe(join(EN, 'ai-test-tone.wav'));
    expect(findSound([EN], 'ai-tone-sln16')).toBe(join(EN, 'ai-tone-sln16.sln16'));
    expect(findSound([dir], 'digits/1')).toBe(join(dir, 'digits', '1.ulaw'));
  });

  it('fails a name that carries an extension, as Asterisk does', () => {
    expect(findSound([EN], 'ai-test-tone.wav')).toBeUndefined();
    expect(findSound([dir], 'x.wav')).toBeUndefined();
    expect(findSound([EN], 'ai-tone-ulaw.ulaw')).toBeUndefined();
  });

  it('is undefined for a missing sound or a directory', () => {
    expect(findSound([EN, SOUNDS], 'no-such-sound')).toBeUndefined();
    expect(findSound([dir], 'folder')).toBeUndefined();
    expect(findSound([], 'ai-test-tone')).toBeUndefined();
    expect(findSound([EN], '')).toBeUndefined();
  });

  it('tries directories in order (language folder, then the root)', () => {
    expect(findSound([EN, SOUNDS], 'ai-fallback')).toBe(join(SOUNDS, 'ai-fallback.wav'));
    expect(findSound([dir, EN], 'ai-beep')).toBe(join(EN, 'ai-beep.sln'));
  });

  it('prefers 8 kHz lossless, then the format matching a requested rate', () => {
    expect(findSound([EN], 'ai-beep')).toBe(join(EN, 'ai-beep.sln'));
    expect(findSound([EN], 'ai-beep', { rate: 8000 })).toBe(join(EN, 'ai-beep.sln'));
    expect(findSound([EN], 'ai-beep', { rate: 16000 })).toBe(join(EN, 'ai-beep.sln16'));
    // No 48 kHz file: the nearest lossless one.
    expect(findSound([EN], 'ai-beep', { rate: 48000 })).toBe(join(EN, 'ai-beep.sln16'));
  });

  it('takes an absolute name as is', () => {
    expect(findSound(['/nowhere'], join(EN, 'ai-silence'))).toBe(join(EN, 'ai-silence.wav'));
  });
});

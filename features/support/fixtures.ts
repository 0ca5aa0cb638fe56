/**
 * The speech fixtures a caller plays (fixtures/audio), staged where the PBX finds them.
 *
 * They are copied as headerless `.sln` (8 kHz) and `.sln16` (16 kHz): formats every Asterisk
 * reads without guessing from a WAV header, so the same staged folder works for the simulator,
 * a Docker Asterisk and an external one. Played as `sound:<prefix>/<name>` (never with an
 * extension, trace s7).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseWav } from '../../engine/audio/wav.js';
import { REPO_ROOT } from './paths.js';

export const FIXTURES_DIR = join(REPO_ROOT, 'fixtures', 'audio');

/** Copies every fixture WAV into `dir` as .sln/.sln16; returns the names staged. */
export function stageFixtures(dir: string): string[] {
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  const staged: string[] = [];
  for (const file of readdirSync(FIXTURES_DIR)) {
    if (!file.endsWith('.wav')) continue;
    const name = file.slice(0, -4);
    const wav = parseWav(readFileSync(join(FIXTURES_DIR, file)));
    const ext = wav.rate === 8000 ? 'sln' : wav.rate === 16000 ? 'sln16' : null;
    if (ext === null) continue;
    writeFileSync(join(dir, `${name}.${ext}`), wav.pcm, { mode: 0o644 });
    staged.push(name);
  }
  return staged;
}

/** The fixture for an utterance at a call's rate: `caller-hello` at 8 kHz is `caller-hello-8k`. */
export function fixtureName(utterance: string, rate: number): string {
  if (/-(8|16)k$/.test(utterance)) return utterance;
  return `${utterance}-${rate === 8000 ? '8k' : '16k'}`;
}

/** What a fixture says (its .txt sidecar), for the scripted provider's transcript hint. */
export function fixtureTranscript(name: string): string | undefined {
  const path = join(FIXTURES_DIR, `${name}.txt`);
  return existsSync(path) ? readFileSync(path, 'utf8').trim() : undefined;
}

/** Length of a fixture in ms (they carry 300 ms of silence at each end). */
export function fixtureDurationMs(name: string): number {
  const wav = parseWav(readFileSync(join(FIXTURES_DIR, `${name}.wav`)));
  return Math.round((wav.pcm.length / 2 / wav.rate) * 1000);
}

/** Audio the scenarios need beyond fixtures/audio: cut-down clips, and WAV durations. */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeWav, parseWav } from '../../engine/audio/wav.js';
import { REPO_ROOT } from './children.js';

export function fixture(name: string): string {
  return join(REPO_ROOT, 'fixtures', 'audio', `${name}.wav`);
}

export function wavDurationMs(path: string): number {
  const w = parseWav(readFileSync(path));
  return (w.pcm.length / 2 / w.rate) * 1000;
}

/** Writes the first `ms` of a fixture, then `padMs` of silence, as `<dir>/<name>.wav`. */
export function writeClip(fixtureName: string, ms: number, padMs: number, dir: string, name: string): string {
  const w = parseWav(readFileSync(fixture(fixtureName)));
  const bytes = Math.round((w.rate * ms) / 1000) * 2;
  const pad = Buffer.alloc(Math.round((w.rate * padMs) / 1000) * 2);
  const path = join(dir, `${name}.wav`);
  writeFileSync(path, encodeWav(Buffer.concat([w.pcm.subarray(0, bytes), pad]), w.rate));
  return path;
}

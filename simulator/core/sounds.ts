/**
 * Sound lookup for Playback() and ARI `sound:` URIs: a name without extension, searched in the
 * language folder then the top of each sound directory, in any known format (WAV 8/16 kHz, .ulaw,
 * .sln, .sln16 …: engine/audio/soundfile.ts). A name with an extension is not found, as in
 * Asterisk (s7). Absolute names are Asterisk paths, rewritten by the path map.
 *
 * Decoded files are cached (by path and modification time) so a thousand calls playing the same
 * prompt decode it once. Files above 16 kHz are brought to 16 kHz once, with the shared
 * high-quality resampler, so the per-frame path never handles them.
 */
import { statSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { resample } from '../../engine/audio/resample.js';
import { findSound, loadSoundFile } from '../../engine/audio/soundfile.js';
import { framesOf, type MediaFrame } from './media.js';
import type { PathMap } from './paths.js';

const MAX_RATE = 16000;
const CACHE_LIMIT = 64;

interface Cached {
  mtimeMs: number;
  frames: MediaFrame[];
}

export class SoundLibrary {
  private readonly cache = new Map<string, Cached>();

  constructor(
    private readonly dirs: readonly string[],
    private readonly paths: PathMap,
  ) {}

  /** The file for a sound name, or undefined ("does not exist in any format"). */
  find(name: string, language: string, rate?: number): string | undefined {
    if (name === '') return undefined;
    if (isAbsolute(name)) return findSound([], this.paths.toLocal(name), { rate });
    const byLanguage = language ? findSound(this.dirs, `${language}/${name}`, { rate }) : undefined;
    return byLanguage ?? findSound(this.dirs, name, { rate });
  }

  /** The file cut into 20 ms frames. */
  async frames(path: string): Promise<MediaFrame[]> {
    const mtimeMs = statSync(path).mtimeMs;
    const hit = this.cache.get(path);
    if (hit && hit.mtimeMs === mtimeMs) return hit.frames;
    const sound = await loadSoundFile(path);
    let { pcm, rate } = sound;
    if (rate > MAX_RATE) {
      pcm = resample(pcm, rate, MAX_RATE);
      rate = MAX_RATE;
    }
    const frames = framesOf(pcm, rate);
    this.cache.set(path, { mtimeMs, frames });
    if (this.cache.size > CACHE_LIMIT) this.cache.delete(this.cache.keys().next().value!);
    return frames;
  }
}

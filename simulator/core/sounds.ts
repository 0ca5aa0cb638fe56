/**
 * Sound lookup for Playback() and ARI `sound:` URIs: a name without extension, searched folder by
 * folder (language subfolder first, then the top of the folder), in any known format (WAV 8/16 kHz, .ulaw,
 * .sln, .sln16 …: engine/audio/soundfile.ts). A name with an extension is not found, as in
 * Asterisk (s7). Absolute names are Asterisk paths, rewritten by the path map.
 *
 * Decoded files are cached (by path and modification time) so a thousand calls playing the same
 * prompt decode it once. A file enters the cache on its second play: the files an engine writes
 * for one call and plays once would otherwise churn it, each decoded file pushing out a shared
 * prompt and living just long enough to be promoted to the old generation before it is dropped.
 * Files above 16 kHz are brought to 16 kHz once, with the shared high-quality resampler, so the
 * per-frame path never handles them.
 */
import { statSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { resample } from '../../engine/audio/resample.js';
import { findSound, loadSoundFile } from '../../engine/audio/soundfile.js';
import { framesOf, type MediaFrame } from './media.js';
import type { PathMap } from './paths.js';

const MAX_RATE = 16000;
const CACHE_LIMIT = 64;
/** Files played once, remembered (path and modification time) so their second play is cached. */
const SEEN_LIMIT = 1024;

interface Cached {
  mtimeMs: number;
  /** In flight or done: concurrent plays of the same file share one decode. */
  frames: Promise<MediaFrame[]>;
}

export class SoundLibrary {
  private readonly cache = new Map<string, Cached>();
  private readonly seen = new Map<string, number>();

  constructor(
    private readonly dirs: readonly string[],
    private readonly paths: PathMap,
  ) {}

  /** The file for a sound name, or undefined ("does not exist in any format"). */
  find(name: string, language: string, rate?: number): string | undefined {
    if (name === '') return undefined;
    if (isAbsolute(name)) return findSound([], this.paths.toLocal(name), { rate });
    // Folder by folder (the first folder wins), language subfolder first within each.
    for (const dir of this.dirs) {
      const found = (language ? findSound([dir], `${language}/${name}`, { rate }) : undefined) ?? findSound([dir], name, { rate });
      if (found) return found;
    }
    return undefined;
  }

  /** The file cut into 20 ms frames. */
  frames(path: string): Promise<MediaFrame[]> {
    const mtimeMs = statSync(path).mtimeMs;
    const hit = this.cache.get(path);
    if (hit && hit.mtimeMs === mtimeMs) return hit.frames;
    const frames = decode(path);
    if (this.seen.get(path) !== mtimeMs) {
      this.seen.delete(path);
      this.seen.set(path, mtimeMs);
      if (this.seen.size > SEEN_LIMIT) this.seen.delete(this.seen.keys().next().value!);
      return frames;
    }
    this.seen.delete(path);
    this.cache.set(path, { mtimeMs, frames });
    frames.catch(() => this.cache.delete(path));
    if (this.cache.size > CACHE_LIMIT) this.cache.delete(this.cache.keys().next().value!);
    return frames;
  }
}

async function decode(path: string): Promise<MediaFrame[]> {
  const sound = await loadSoundFile(path);
  let { pcm, rate } = sound;
  if (rate > MAX_RATE) {
    pcm = resample(pcm, rate, MAX_RATE);
    rate = MAX_RATE;
  }
  return framesOf(pcm, rate);
}

/**
 * The media dir the engine writes agent audio into and Asterisk plays from.
 *
 * Files are written in a format Asterisk plays without trouble for the call (8 kHz μ-law, or
 * slin16 for 16 kHz), atomically (write a dot-file, then rename) so Asterisk never opens a
 * half-written file, and named `aiav-<owner>-<callId>-<seq>` so the restart sweep can tell ours
 * apart, from operators' files and from other engines' sharing the dir (owner: the engine's tag,
 * see call/owner.ts).
 * They are played as `sound:<soundPrefix>/<name>`: never with an extension, which Asterisk
 * refuses (trace s7).
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { resample } from '../audio/resample.js';
import { ulawEncode } from '../audio/ulaw.js';
import { OWN_PREFIX } from '../call/owner.js';

/** What every file name starts with: the mark of the engine's ids (call/owner.ts), without its dash. */
export const FILE_PREFIX = OWN_PREFIX.slice(0, -1);

export interface StoredMedia {
  /** File name without extension, as used in the sound: URI. */
  name: string;
  path: string;
  uri: string;
  durationMs: number;
}

export interface MediaStoreOptions {
  dir: string;
  /** The folder under Asterisk's sounds dir where `dir` is visible, e.g. "ai-generated". */
  soundPrefix: string;
  /** Whose files these are (the engine's owner tag); names start `aiav-<owner>-`. None: `aiav-`. */
  owner?: string;
}

export class MediaStore {
  readonly dir: string;
  private readonly soundPrefix: string;
  /** What every file name of this store starts with, before `-<callId>-<seq>`. */
  private readonly base: string;

  constructor(opts: MediaStoreOptions) {
    this.dir = opts.dir;
    this.soundPrefix = opts.soundPrefix.replace(/\/+$/, '');
    this.base = opts.owner === undefined ? FILE_PREFIX : `${FILE_PREFIX}-${safe(opts.owner)}`;
  }

  async init(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
  }

  /** Writes one segment of linear16 audio and returns what to play. */
  async write(callId: string, seq: number, pcm: Buffer, sampleRate: number): Promise<StoredMedia> {
    const { ext, bytes } = encodeForAsterisk(pcm, sampleRate);
    const name = `${this.base}-${safe(callId)}-${seq}`;
    const path = join(this.dir, `${name}.${ext}`);
    const tmp = join(this.dir, `.${name}.${randomBytes(4).toString('hex')}.tmp`);
    await writeFile(tmp, bytes);
    await rename(tmp, path);
    return { name, path, uri: `sound:${this.soundPrefix}/${name}`, durationMs: (pcm.length / 2 / sampleRate) * 1000 };
  }

  /** Deletes a played segment; one already gone is fine. */
  async remove(media: StoredMedia): Promise<void> {
    await unlinkIfThere(media.path);
  }

  /** Files of one call (or of every call of this owner) still on disk. */
  async list(callId?: string): Promise<string[]> {
    const prefix = callId === undefined ? `${this.base}-` : `${this.base}-${safe(callId)}-`;
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch {
      return [];
    }
    return names.filter((n) => n.startsWith(prefix) || n.startsWith(`.${prefix}`)).map((n) => join(this.dir, n));
  }

  /** Deletes what an earlier run left behind (at start-up, when no call of ours is live). */
  async sweep(callId?: string): Promise<number> {
    const files = await this.list(callId);
    await Promise.all(files.map(unlinkIfThere));
    return files.length;
  }
}

/**
 * unlink, not rm({ force }): rm stats the path first, a second file-system call on every segment
 * of every turn (about 2% of the engine's CPU with 300 talking callers). Gone already is fine.
 */
async function unlinkIfThere(path: string): Promise<void> {
  try {
    await unlink(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

function safe(id: string): string {
  return id.replace(/[^A-Za-z0-9_-]/g, '_');
}

/** 8 kHz goes out as μ-law, everything else as slin16 (resampled when needed). */
export function encodeForAsterisk(pcm: Buffer, sampleRate: number): { ext: string; bytes: Buffer; rate: number } {
  if (sampleRate === 8000) return { ext: 'ulaw', bytes: ulawEncode(pcm), rate: 8000 };
  const pcm16 = sampleRate === 16000 ? pcm : resample(pcm, sampleRate, 16000);
  return { ext: 'sln16', bytes: pcm16, rate: 16000 };
}

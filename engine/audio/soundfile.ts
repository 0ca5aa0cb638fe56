/**
 * Sound files as Asterisk keeps them: a name without extension under one or more sound
 * directories, stored in one or more formats told apart by the file extension.
 *
 * Lookup follows Asterisk: the name is never stripped of an extension; each known format's
 * extension is appended. So `hello` finds `hello.wav` or `hello.sln16`, while `hello.wav` looks
 * for `hello.wav.wav`, `hello.wav.sln`… and fails, which is what Asterisk 22 does for
 * `sound:hello.wav` ("does not exist in any format", fixtures/traces README s7).
 */
import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { extname, isAbsolute, join } from 'node:path';
import { alawDecode, ulawDecode } from './ulaw.js';
import { parseWav } from './wav.js';

export interface SoundFile {
  rate: number;
  /** s16le mono. */
  pcm: Buffer;
}

interface SoundFormat {
  ext: string;
  /** Native rate; undefined for WAV, whose header says. */
  rate: number | undefined;
  lossy: boolean;
  decode: (bytes: Buffer) => Buffer;
}

const raw = (bytes: Buffer): Buffer => Buffer.from(bytes.subarray(0, bytes.length - (bytes.length % 2)));
const sln = (ext: string, rate: number): SoundFormat => ({ ext, rate, lossy: false, decode: raw });

/** Formats in Asterisk's order of preference when no rate is asked for. */
const FORMATS: readonly SoundFormat[] = [
  { ext: 'wav', rate: 8000, lossy: false, decode: raw }, // decode is not used for WAV (see decodeSoundFile)
  sln('sln', 8000),
  { ext: 'ulaw', rate: 8000, lossy: true, decode: ulawDecode },
  { ext: 'alaw', rate: 8000, lossy: true, decode: alawDecode },
  { ext: 'wav16', rate: 16000, lossy: false, decode: raw },
  sln('sln12', 12000),
  sln('sln16', 16000),
  sln('sln24', 24000),
  sln('sln32', 32000),
  sln('sln44', 44100),
  sln('sln48', 48000),
  sln('sln96', 96000),
  sln('sln192', 192000),
];

/** Extra extensions Asterisk's format modules also read (format_pcm, format_sln). */
const ALIASES: Readonly<Record<string, string>> = {
  ul: 'ulaw',
  mu: 'ulaw',
  ulw: 'ulaw',
  pcm: 'ulaw',
  al: 'alaw',
  alw: 'alaw',
  raw: 'sln',
};

function formatForExtension(ext: string): SoundFormat | undefined {
  const name = ALIASES[ext.toLowerCase()] ?? ext.toLowerCase();
  return FORMATS.find((f) => f.ext === name);
}

export class SoundFileError extends Error {
  readonly code = 'SOUND_ERR_UNKNOWN_FORMAT';
  constructor(message: string) {
    super(message);
    this.name = 'SoundFileError';
  }
}

/**
 * Decodes the bytes of a sound file whose format is given by the extension of `path` (.wav,
 * .wav16, .ulaw, .alaw, .sln = 8 kHz, .sln16, .sln24, .sln48, …). Throws SoundFileError for an
 * unknown extension and WavError for a bad WAV.
 */
export function decodeSoundFile(bytes: Buffer, path: string): SoundFile {
  const ext = extname(path).slice(1);
  const format = formatForExtension(ext);
  if (!format) throw new SoundFileError(`unknown sound file extension ".${ext}" (${path})`);
  if (format.ext === 'wav' || format.ext === 'wav16') {
    const wav = parseWav(bytes);
    return { rate: wav.rate, pcm: wav.pcm };
  }
  return { rate: format.rate!, pcm: format.decode(bytes) };
}

/** Reads and decodes a sound file (see decodeSoundFile). */
export async function loadSoundFile(path: string): Promise<SoundFile> {
  return decodeSoundFile(await readFile(path), path);
}

export interface FindSoundOptions {
  /** Preferred sample rate, e.g. the channel's: a file already at that rate wins. */
  rate?: number;
}

/** Ranks formats: exact rate first, then lossless before G.711, then nearest rate, then table order. */
function preference(rate: number | undefined): readonly SoundFormat[] {
  if (rate === undefined) return FORMATS;
  const score = (f: SoundFormat): number[] => [
    f.rate === rate ? 0 : 1,
    f.lossy ? 1 : 0,
    Math.abs((f.rate ?? 0) - rate),
  ];
  return [...FORMATS].sort((a, b) => {
    const sa = score(a);
    const sb = score(b);
    for (let i = 0; i < sa.length; i++) if (sa[i] !== sb[i]) return sa[i] - sb[i];
    return FORMATS.indexOf(a) - FORMATS.indexOf(b);
  });
}

function isFile(path: string): boolean {
  try {
    return existsSync(path) && statSync(path).isFile();
  } catch {
    return false;
  }
}

/**
 * The path of the sound `name` (no extension, may contain subfolders such as `digits/1`):
 * the first directory in `dirs` holding it in any format wins, and within a directory the
 * preferred format (see FindSoundOptions.rate). An absolute name ignores `dirs`. undefined when
 * no file exists, including for a name that carries an extension (as Asterisk).
 */
export function findSound(dirs: readonly string[], name: string, opts: FindSoundOptions = {}): string | undefined {
  if (name === '' || name.includes('\0')) return undefined;
  const bases = isAbsolute(name) ? [name] : dirs.map((dir) => join(dir, name));
  const formats = preference(opts.rate);
  for (const base of bases) {
    for (const format of formats) {
      const candidate = `${base}.${format.ext}`;
      if (isFile(candidate)) return candidate;
    }
  }
  return undefined;
}

/**
 * Audio files the PBX writes (ARI recordings, MixMonitor), in the formats Asterisk's loaded
 * format modules write: wav (8 kHz 16-bit), wav16 (16 kHz), sln/raw (8 kHz raw), sln16,
 * ulaw/alaw (raw G.711). Writes never block the media path: they are queued and the file is
 * finished (WAV sizes patched) on close.
 */
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';
import { alawEncode, ulawEncode } from '../../engine/audio/ulaw.js';
import { WavFileWriter } from '../../engine/audio/wav.js';
import { convertRate, type MediaFrame } from './media.js';

interface FileFormat {
  rate: number;
  kind: 'wav' | 'raw' | 'ulaw' | 'alaw';
  contentType: string;
}

const FORMATS: ReadonlyMap<string, FileFormat> = new Map([
  ['wav', { rate: 8000, kind: 'wav', contentType: 'audio/wav' }],
  ['wav16', { rate: 16000, kind: 'wav', contentType: 'audio/wav' }],
  ['sln', { rate: 8000, kind: 'raw', contentType: 'audio/x-raw' }],
  ['raw', { rate: 8000, kind: 'raw', contentType: 'audio/x-raw' }],
  ['sln16', { rate: 16000, kind: 'raw', contentType: 'audio/x-raw' }],
  ['ulaw', { rate: 8000, kind: 'ulaw', contentType: 'audio/basic' }],
  ['ul', { rate: 8000, kind: 'ulaw', contentType: 'audio/basic' }],
  ['pcm', { rate: 8000, kind: 'ulaw', contentType: 'audio/basic' }],
  ['alaw', { rate: 8000, kind: 'alaw', contentType: 'audio/x-alaw-basic' }],
  ['al', { rate: 8000, kind: 'alaw', contentType: 'audio/x-alaw-basic' }],
]);

/** The format for a file extension, or undefined when Asterisk has no module for it. */
export function fileFormat(ext: string): FileFormat | undefined {
  return FORMATS.get(ext.toLowerCase());
}

export class RecordingFile {
  readonly path: string;
  readonly format: FileFormat;
  private samples = 0;
  private wav: Promise<WavFileWriter> | undefined;
  private raw: WriteStream | undefined;
  private closing: Promise<void> | undefined;
  private failure: Error | undefined;

  constructor(path: string, ext: string, prefix?: Buffer) {
    const format = fileFormat(ext);
    if (!format) throw new Error(`no file format for extension '${ext}'`);
    this.path = path;
    this.format = format;
    mkdirSync(dirname(path), { recursive: true });
    if (format.kind === 'wav') {
      this.wav = WavFileWriter.create(path, format.rate);
      this.wav.catch((err: Error) => (this.failure = err));
    } else {
      this.raw = createWriteStream(path);
      this.raw.on('error', (err) => (this.failure = err));
    }
    if (prefix && prefix.length > 0) this.writePcm(prefix);
  }

  /** Milliseconds of audio written. */
  get durationMs(): number {
    return (this.samples * 1000) / this.format.rate;
  }

  write(frame: MediaFrame): void {
    this.writePcm(convertRate(frame, this.format.rate).pcm);
  }

  private writePcm(pcm: Buffer): void {
    if (this.closing || this.failure) return;
    this.samples += pcm.length >> 1;
    if (this.wav) {
      const copy = Buffer.from(pcm);
      void this.wav.then((w) => w.write(copy), () => undefined);
    } else if (this.raw) {
      const body = this.format.kind === 'ulaw' ? ulawEncode(pcm) : this.format.kind === 'alaw' ? alawEncode(pcm) : Buffer.from(pcm);
      this.raw.write(body);
    }
  }

  /** Finishes the file; safe to call twice. Never rejects (a failure is only logged by callers). */
  close(): Promise<void> {
    this.closing ??= (async () => {
      try {
        if (this.wav) await (await this.wav).close();
        else if (this.raw) await new Promise<void>((resolve) => this.raw!.end(() => resolve()));
      } catch (err) {
        this.failure ??= err as Error;
      }
    })();
    return this.closing;
  }

  get error(): Error | undefined {
    return this.failure;
  }
}

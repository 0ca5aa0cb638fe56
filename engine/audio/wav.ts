/**
 * RIFF/WAVE reading and writing, by hand (the format is small and the `wav` package is a stream
 * API without types).
 *
 * parseWav accepts integer PCM of 8/16/24/32 bits, G.711 μ-law and A-law, WAVE_FORMAT_EXTENSIBLE
 * wrapping any of those, and any channel count (downmixed to mono by averaging); it always returns
 * s16le mono. It tolerates what real recorders leave behind: a data size of 0 or 0xFFFFFFFF from
 * a writer that never closed, a data chunk cut short, odd-sized chunks with their pad byte.
 * Anything else fails with a WavError carrying a stable code.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { alawDecode, ulawDecode, ulawEncode } from './ulaw.js';
import { clampSample, fromSamples } from './pcm.js';

export type WavEncoding = 'pcm' | 'ulaw' | 'alaw';

export interface ParsedWav {
  rate: number;
  channels: number;
  bitsPerSample: number;
  encoding: WavEncoding;
  /** s16le mono: decoded from G.711 or other widths, downmixed when the file has channels > 1. */
  pcm: Buffer;
}

export type WavErrorCode =
  | 'WAV_ERR_NOT_RIFF'
  | 'WAV_ERR_NOT_WAVE'
  | 'WAV_ERR_NO_FMT'
  | 'WAV_ERR_BAD_FMT'
  | 'WAV_ERR_UNSUPPORTED_FORMAT'
  | 'WAV_ERR_NO_DATA';

export class WavError extends Error {
  readonly code: WavErrorCode;
  constructor(code: WavErrorCode, message: string) {
    super(message);
    this.name = 'WavError';
    this.code = code;
  }
}

const FORMAT_PCM = 0x0001;
const FORMAT_ALAW = 0x0006;
const FORMAT_MULAW = 0x0007;
const FORMAT_EXTENSIBLE = 0xfffe;

interface Fmt {
  format: number;
  channels: number;
  rate: number;
  blockAlign: number;
  bitsPerSample: number;
}

function readFmt(body: Buffer): Fmt {
  if (body.length < 16) throw new WavError('WAV_ERR_BAD_FMT', `fmt chunk is ${body.length} bytes, need at least 16`);
  let format = body.readUInt16LE(0);
  if (format === FORMAT_EXTENSIBLE) {
    // cbSize(2) validBits(2) channelMask(4) then the sub-format GUID whose first 2 bytes are the tag.
    if (body.length < 26) throw new WavError('WAV_ERR_BAD_FMT', 'WAVE_FORMAT_EXTENSIBLE fmt chunk too short');
    format = body.readUInt16LE(24);
  }
  const fmt: Fmt = {
    format,
    channels: body.readUInt16LE(2),
    rate: body.readUInt32LE(4),
    blockAlign: body.readUInt16LE(12),
    bitsPerSample: body.readUInt16LE(14),
  };
  if (fmt.channels < 1) throw new WavError('WAV_ERR_BAD_FMT', 'fmt chunk says 0 channels');
  if (fmt.rate < 1) throw new WavError('WAV_ERR_BAD_FMT', 'fmt chunk says sample rate 0');
  return fmt;
}

function encodingOf(fmt: Fmt): WavEncoding {
  if (fmt.format === FORMAT_PCM && [8, 16, 24, 32].includes(fmt.bitsPerSample)) return 'pcm';
  if (fmt.format === FORMAT_MULAW && fmt.bitsPerSample === 8) return 'ulaw';
  if (fmt.format === FORMAT_ALAW && fmt.bitsPerSample === 8) return 'alaw';
  throw new WavError(
    'WAV_ERR_UNSUPPORTED_FORMAT',
    `unsupported WAV format tag 0x${fmt.format.toString(16)} with ${fmt.bitsPerSample} bits per sample ` +
      '(supported: integer PCM 8/16/24/32-bit, μ-law, A-law)',
  );
}

/** Interleaved samples of any supported encoding, as numbers on the 16-bit scale. */
function decodeInterleaved(data: Buffer, fmt: Fmt, encoding: WavEncoding): Float64Array {
  if (encoding !== 'pcm') {
    const decoded = encoding === 'ulaw' ? ulawDecode(data) : alawDecode(data);
    const out = new Float64Array(data.length);
    for (let i = 0; i < out.length; i++) out[i] = decoded.readInt16LE(i * 2);
    return out;
  }
  const width = fmt.bitsPerSample / 8;
  const out = new Float64Array(Math.floor(data.length / width));
  for (let i = 0; i < out.length; i++) {
    const at = i * width;
    switch (width) {
      case 1:
        out[i] = (data[at] - 128) * 256; // 8-bit WAV is unsigned
        break;
      case 2:
        out[i] = data.readInt16LE(at);
        break;
      case 3:
        out[i] = data.readIntLE(at, 3) / 256;
        break;
      default:
        out[i] = data.readInt32LE(at) / 65536;
    }
  }
  return out;
}

function downmix(interleaved: Float64Array, channels: number): Buffer {
  const frames = Math.floor(interleaved.length / channels);
  const out = new Int16Array(frames);
  for (let f = 0; f < frames; f++) {
    let sum = 0;
    for (let c = 0; c < channels; c++) sum += interleaved[f * channels + c];
    out[f] = clampSample(sum / channels);
  }
  return fromSamples(out);
}

/** Parses a WAV file held in memory. Throws WavError. */
export function parseWav(buf: Buffer): ParsedWav {
  if (buf.length < 12 || buf.toString('latin1', 0, 4) !== 'RIFF') {
    throw new WavError('WAV_ERR_NOT_RIFF', 'not a RIFF file (no "RIFF" at offset 0)');
  }
  if (buf.toString('latin1', 8, 12) !== 'WAVE') {
    throw new WavError('WAV_ERR_NOT_WAVE', 'RIFF file is not WAVE (no "WAVE" at offset 8)');
  }
  let fmt: Fmt | undefined;
  let data: Buffer | undefined;
  let at = 12;
  while (at + 8 <= buf.length) {
    const id = buf.toString('latin1', at, at + 4);
    const size = buf.readUInt32LE(at + 4);
    const bodyStart = at + 8;
    const available = buf.length - bodyStart;
    if (id === 'data') {
      // 0 and 0xFFFFFFFF are what a writer leaves when it never patched the size.
      const unpatched = size === 0 || size === 0xffffffff;
      data = buf.subarray(bodyStart, bodyStart + (unpatched ? available : Math.min(size, available)));
      if (fmt) break;
    } else if (id === 'fmt ') {
      fmt = readFmt(buf.subarray(bodyStart, bodyStart + Math.min(size, available)));
      if (data) break;
    }
    at = bodyStart + size + (size % 2);
  }
  if (!fmt) throw new WavError('WAV_ERR_NO_FMT', 'WAV file has no fmt chunk before its end');
  if (!data) throw new WavError('WAV_ERR_NO_DATA', 'WAV file has no data chunk');
  const encoding = encodingOf(fmt);
  return {
    rate: fmt.rate,
    channels: fmt.channels,
    bitsPerSample: fmt.bitsPerSample,
    encoding,
    pcm: downmix(decodeInterleaved(data, fmt, encoding), fmt.channels),
  };
}

export interface WavWriteOptions {
  /** Stored encoding; 'pcm' (16-bit) by default. */
  encoding?: 'pcm' | 'ulaw';
}

/** The 44-byte (PCM) or 58-byte (μ-law, with fact chunk) header for `dataBytes` of mono audio. */
export function wavHeader(rate: number, dataBytes: number, encoding: 'pcm' | 'ulaw' = 'pcm'): Buffer {
  const ulaw = encoding === 'ulaw';
  const fmtSize = ulaw ? 18 : 16;
  const factSize = ulaw ? 12 : 0;
  const header = Buffer.alloc(12 + 8 + fmtSize + factSize + 8);
  const bytesPerSample = ulaw ? 1 : 2;
  let at = 0;
  at = header.write('RIFF', at, 'latin1');
  at = header.writeUInt32LE(Math.min(0xffffffff, header.length - 8 + dataBytes), at);
  at += header.write('WAVE', at, 'latin1');
  at += header.write('fmt ', at, 'latin1');
  at = header.writeUInt32LE(fmtSize, at);
  at = header.writeUInt16LE(ulaw ? FORMAT_MULAW : FORMAT_PCM, at);
  at = header.writeUInt16LE(1, at);
  at = header.writeUInt32LE(rate, at);
  at = header.writeUInt32LE(rate * bytesPerSample, at);
  at = header.writeUInt16LE(bytesPerSample, at);
  at = header.writeUInt16LE(bytesPerSample * 8, at);
  if (ulaw) {
    at = header.writeUInt16LE(0, at); // cbSize
    // Non-PCM formats carry a fact chunk with the sample count.
    at += header.write('fact', at, 'latin1');
    at = header.writeUInt32LE(4, at);
    at = header.writeUInt32LE(dataBytes, at);
  }
  at += header.write('data', at, 'latin1');
  header.writeUInt32LE(Math.min(0xffffffff, dataBytes), at);
  return header;
}

/** A complete mono WAV file for s16le PCM, stored as 16-bit PCM or μ-law. */
export function encodeWav(pcm: Buffer, rate: number, opts: WavWriteOptions = {}): Buffer {
  const encoding = opts.encoding ?? 'pcm';
  const body = encoding === 'ulaw' ? ulawEncode(pcm) : pcm.subarray(0, pcm.length - (pcm.length % 2));
  const pad = body.length % 2 === 1 ? Buffer.alloc(1) : Buffer.alloc(0);
  return Buffer.concat([wavHeader(rate, body.length, encoding), body, pad]);
}

/**
 * Streams a mono WAV file to disk (used for call recordings). `write` queues audio and returns at
 * once; `close` waits for the writes, then patches the RIFF and data sizes so the file is valid.
 * A file that was never closed still parses (parseWav takes the rest of the file as data).
 * An I/O error is kept and rethrown by `close`.
 */
export class WavFileWriter {
  readonly path: string;
  readonly rate: number;
  readonly encoding: 'pcm' | 'ulaw';
  private dataBytes = 0;
  private samplesWritten = 0;
  private chain: Promise<void>;
  private failure: Error | undefined;
  private closing: Promise<void> | undefined;
  private readonly file: Promise<FileHandle>;

  private constructor(path: string, rate: number, encoding: 'pcm' | 'ulaw') {
    this.path = path;
    this.rate = rate;
    this.encoding = encoding;
    this.file = open(path, 'w');
    this.chain = this.file.then((fh) => fh.write(wavHeader(rate, 0, encoding)).then(() => undefined));
    this.chain.catch((err: Error) => this.fail(err));
  }

  /** Creates (or truncates) the file and writes a provisional header. */
  static async create(path: string, rate: number, opts: WavWriteOptions = {}): Promise<WavFileWriter> {
    const writer = new WavFileWriter(path, rate, opts.encoding ?? 'pcm');
    await writer.chain;
    if (writer.failure) throw writer.failure;
    return writer;
  }

  /** Duration written so far, in milliseconds. */
  get durationMs(): number {
    return (this.samplesWritten * 1000) / this.rate;
  }

  /** Queues s16le mono PCM (copied, so the caller may reuse its buffer). Ignored after close. */
  write(pcm: Buffer): void {
    if (this.closing || this.failure) return;
    const even = pcm.subarray(0, pcm.length - (pcm.length % 2));
    const body = this.encoding === 'ulaw' ? ulawEncode(even) : Buffer.from(even);
    this.dataBytes += body.length;
    this.samplesWritten += even.length / 2;
    this.chain = this.chain
      .then(() => this.file)
      .then((fh) => fh.write(body))
      .then(
        () => undefined,
        (err: Error) => this.fail(err),
      );
  }

  /** Resolves once every write queued so far has reached the file (the header is still provisional). */
  async drain(): Promise<void> {
    await this.chain;
  }

  /** Finishes the file; safe to call more than once. Rejects with the first I/O error, if any. */
  close(): Promise<void> {
    this.closing ??= this.finish();
    return this.closing;
  }

  private async finish(): Promise<void> {
    await this.chain;
    const fh = await this.file.catch(() => undefined);
    try {
      if (fh && !this.failure) {
        const header = wavHeader(this.rate, this.dataBytes, this.encoding);
        if (this.dataBytes % 2 === 1) await fh.write(Buffer.alloc(1), 0, 1, header.length + this.dataBytes);
        await fh.write(header, 0, header.length, 0);
      }
    } catch (err) {
      this.fail(err as Error);
    } finally {
      await fh?.close().catch((err: Error) => this.fail(err));
    }
    if (this.failure) throw this.failure;
  }

  private fail(err: Error): void {
    this.failure ??= err;
  }
}

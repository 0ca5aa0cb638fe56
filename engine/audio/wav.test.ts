import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { concat, fromSamples, samples } from './pcm.js';
import { tone } from './tone.js';
import { alawEncode, ulawDecode } from './ulaw.js';
import { WavError, WavFileWriter, encodeWav, parseWav, wavHeader } from './wav.js';

const FIXTURES = new URL('../../fixtures/audio/', import.meta.url);

/** A WAV file built field by field, so the parser is not only checked against our own writer. */
function handMadeWav(opts: {
  format: number;
  channels: number;
  rate: number;
  bits: number;
  data: Buffer;
  extraChunks?: Buffer;
  dataSize?: number;
}): Buffer {
  const blockAlign = (opts.channels * opts.bits) / 8;
  const fmt = Buffer.alloc(24);
  fmt.write('fmt ', 0, 'latin1');
  fmt.writeUInt32LE(16, 4);
  fmt.writeUInt16LE(opts.format, 8);
  fmt.writeUInt16LE(opts.channels, 10);
  fmt.writeUInt32LE(opts.rate, 12);
  fmt.writeUInt32LE(opts.rate * blockAlign, 16);
  fmt.writeUInt16LE(blockAlign, 20);
  fmt.writeUInt16LE(opts.bits, 22);
  const dataHeader = Buffer.alloc(8);
  dataHeader.write('data', 0, 'latin1');
  dataHeader.writeUInt32LE(opts.dataSize ?? opts.data.length, 4);
  const body = concat([Buffer.from('WAVE', 'latin1'), opts.extraChunks ?? Buffer.alloc(0), fmt, dataHeader, opts.data]);
  const riff = Buffer.alloc(8);
  riff.write('RIFF', 0, 'latin1');
  riff.writeUInt32LE(body.length, 4);
  return concat([riff, body]);
}

/** A mono hand-made WAV. */
type Extra = { extraChunks?: Buffer; dataSize?: number };
function mono(format: number, rate: number, bits: number, data: Buffer, extra: Extra = {}): Buffer {
  return handMadeWav({ format, channels: 1, rate, bits, data, ...extra });
}

const pcmOf = (...values: number[]): Buffer => fromSamples(Int16Array.from(values));
const valuesOf = (pcm: Buffer): number[] => Array.from(samples(pcm));

describe('parseWav', () => {
  it('reads 16-bit mono PCM', () => {
    const wav = parseWav(handMadeWav({ format: 1, channels: 1, rate: 8000, bits: 16, data: pcmOf(1, -2, 32767) }));
    expect(wav).toMatchObject({ rate: 8000, channels: 1, bitsPerSample: 16, encoding: 'pcm' });
    expect(valuesOf(wav.pcm)).toEqual([1, -2, 32767]);
  });

  it('downmixes stereo by averaging', () => {
    const data = pcmOf(100, 300, -32768, -32768);
    const wav = parseWav(handMadeWav({ format: 1, channels: 2, rate: 16000, bits: 16, data }));
    expect(wav.channels).toBe(2);
    expect(valuesOf(wav.pcm)).toEqual([200, -32768]);
  });

  it('decodes μ-law and A-law', () => {
    const ulaw = parseWav(mono(7, 8000, 8, Buffer.from([0xff, 0x80, 0x00])));
    expect(ulaw.encoding).toBe('ulaw');
    expect(valuesOf(ulaw.pcm)).toEqual([0, 32124, -32124]);
    const alaw = parseWav(mono(6, 8000, 8, alawEncode(pcmOf(0, 32767))));
    expect(alaw.encoding).toBe('alaw');
    expect(valuesOf(alaw.pcm)).toEqual([8, 32256]);
  });

  it('reads 8-bit unsigned and 24-bit PCM on the 16-bit scale', () => {
    const eight = parseWav(mono(1, 8000, 8, Buffer.from([128, 255, 0])));
    expect(valuesOf(eight.pcm)).toEqual([0, 32512, -32768]);
    const b24 = Buffer.alloc(6);
    b24.writeIntLE(0x123456, 0, 3);
    b24.writeIntLE(-0x800000, 3, 3);
    const wide = parseWav(handMadeWav({ format: 1, channels: 1, rate: 48000, bits: 24, data: b24 }));
    expect(valuesOf(wide.pcm)).toEqual([0x1234, -32768]); // 0x123456 / 256 rounds down
  });

  it('skips unknown chunks, including odd-sized ones with their pad byte', () => {
    const list = Buffer.from('LIST\x03\0\0\0abc\0', 'latin1');
    const wav = parseWav(mono(1, 8000, 16, pcmOf(7, 8), { extraChunks: list }));
    expect(valuesOf(wav.pcm)).toEqual([7, 8]);
  });

  it('takes the rest of the file when the data size was never patched or is too large', () => {
    for (const dataSize of [0, 0xffffffff, 1000]) {
      const wav = parseWav(mono(1, 8000, 16, pcmOf(5, 6, 7), { dataSize }));
      expect(valuesOf(wav.pcm)).toEqual([5, 6, 7]);
    }
  });

  it('fails with a stable code for bad files', () => {
    const code = (buf: Buffer): string | undefined => {
      try {
        parseWav(buf);
      } catch (err) {
        expect(err).toBeInstanceOf(WavError);
        return (err as WavError).code;
      }
      return undefined;
    };
    expect(code(Buffer.from('hello world, not a wav'))).toBe('WAV_ERR_NOT_RIFF');
    expect(code(Buffer.from('RIFF\x04\0\0\0AVI ', 'latin1'))).toBe('WAV_ERR_NOT_WAVE');
    expect(code(Buffer.from('RIFF\x04\0\0\0WAVE', 'latin1'))).toBe('WAV_ERR_NO_FMT');
    const good = handMadeWav({ format: 1, channels: 1, rate: 8000, bits: 16, data: pcmOf(1) });
    expect(code(good.subarray(0, 36))).toBe('WAV_ERR_NO_DATA');
    expect(code(handMadeWav({ format: 3, channels: 1, rate: 8000, bits: 32, data: Buffer.alloc(8) }))).toBe(
      'WAV_ERR_UNSUPPORTED_FORMAT',
    );
    const noChannels = handMadeWav({ format: 1, channels: 0, rate: 8000, bits: 16, data: Buffer.alloc(2) });
    expect(code(noChannels)).toBe('WAV_ERR_BAD_FMT');
  });

  it('reads the committed fixtures as 16-bit mono at their rates', async () => {
    const wav = parseWav(await readFile(new URL('caller-hello-16k.wav', FIXTURES)));
    expect(wav).toMatchObject({ rate: 16000, channels: 1, bitsPerSample: 16, encoding: 'pcm' });
    expect(wav.pcm.length / 2 / wav.rate).toBeGreaterThan(1);
  });
});

describe('encodeWav', () => {
  it('writes a standard 44-byte PCM header that parses back', () => {
    const pcm = tone(1000, 100, 8000);
    const file = encodeWav(pcm, 8000);
    expect(file.length).toBe(44 + pcm.length);
    expect(file.toString('latin1', 0, 4)).toBe('RIFF');
    expect(file.readUInt32LE(4)).toBe(36 + pcm.length);
    expect(file.readUInt32LE(24)).toBe(8000);
    expect(file.readUInt32LE(28)).toBe(16000); // byte rate
    expect(file.readUInt32LE(40)).toBe(pcm.length);
    const back = parseWav(file);
    expect(back.rate).toBe(8000);
    expect(back.pcm.equals(pcm)).toBe(true);
  });

  it('writes μ-law with a fact chunk and pads an odd data chunk', () => {
    const pcm = pcmOf(0, 1000, -1000);
    const file = encodeWav(pcm, 8000, { encoding: 'ulaw' });
    expect(file.length % 2).toBe(0);
    expect(file.readUInt16LE(20)).toBe(7);
    expect(file.indexOf('fact', 0, 'latin1')).toBeGreaterThan(0);
    const back = parseWav(file);
    expect(back.encoding).toBe('ulaw');
    expect(back.bitsPerSample).toBe(8);
    expect(valuesOf(back.pcm)).toEqual(valuesOf(ulawDecode(file.subarray(file.length - 4, file.length - 1))));
  });
});

describe('WavFileWriter', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wav-writer-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('streams frames to a valid file and fixes the sizes on close', async () => {
    const path = join(dir, 'rec.wav');
    const writer = await WavFileWriter.create(path, 16000);
    const frames = [tone(440, 20, 16000), tone(440, 20, 16000), tone(880, 20, 16000)];
    for (const f of frames) writer.write(f);
    expect(writer.durationMs).toBe(60);
    await writer.close();
    await writer.close(); // twice is fine
    const file = await readFile(path);
    expect(file.readUInt32LE(4)).toBe(file.length - 8);
    expect(file.readUInt32LE(40)).toBe(3 * 640);
    const wav = parseWav(file);
    expect(wav.rate).toBe(16000);
    expect(wav.pcm.equals(concat(frames))).toBe(true);
  });

  it('keeps its own copy of each frame', async () => {
    const path = join(dir, 'copy.wav');
    const writer = await WavFileWriter.create(path, 8000);
    const frame = tone(440, 20, 8000);
    const original = Buffer.from(frame);
    writer.write(frame);
    frame.fill(0);
    await writer.close();
    expect(parseWav(await readFile(path)).pcm.equals(original)).toBe(true);
  });

  it('records μ-law when asked', async () => {
    const path = join(dir, 'rec-ulaw.wav');
    const writer = await WavFileWriter.create(path, 8000, { encoding: 'ulaw' });
    writer.write(tone(1000, 20, 8000));
    writer.write(tone(1000, 20, 8000).subarray(0, 2 * 101)); // odd number of μ-law bytes
    await writer.close();
    const file = await readFile(path);
    expect(file.length % 2).toBe(0);
    const wav = parseWav(file);
    expect(wav.encoding).toBe('ulaw');
    expect(wav.pcm.length).toBe(2 * 261);
  });

  it('leaves a readable file even if never closed, and ignores writes after close', async () => {
    const path = join(dir, 'unclosed.wav');
    const writer = await WavFileWriter.create(path, 8000);
    writer.write(pcmOf(1, 2, 3));
    await writer.drain();
    expect(valuesOf(parseWav(await readFile(path)).pcm)).toEqual([1, 2, 3]);
    await writer.close();
    writer.write(pcmOf(4));
    expect(valuesOf(parseWav(await readFile(path)).pcm)).toEqual([1, 2, 3]);
  });

  it('rejects when the file cannot be created', async () => {
    await writeFile(join(dir, 'plain-file'), 'x');
    await expect(WavFileWriter.create(join(dir, 'plain-file', 'sub.wav'), 8000)).rejects.toThrow();
  });

  it('writes the same header as wavHeader', async () => {
    expect(wavHeader(8000, 0).length).toBe(44);
    expect(wavHeader(8000, 0, 'ulaw').length).toBe(58);
  });
});

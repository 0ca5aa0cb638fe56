import { describe, expect, it } from 'vitest';
import {
  AudioSocketParser,
  encodeAudio,
  encodeDtmf,
  encodeError,
  encodeHangup,
  encodeUuid,
  frameBytes,
  rateForAudioKind,
  type AudioSocketFrame,
  type AudioSocketProtocolError,
} from './codec.js';

function parseAll(chunks: Buffer[], maxPayloadBytes?: number) {
  const frames: AudioSocketFrame[] = [];
  const errors: AudioSocketProtocolError[] = [];
  const p = new AudioSocketParser({ onFrame: (f) => frames.push(f), onError: (e) => errors.push(e) }, { maxPayloadBytes });
  for (const c of chunks) p.push(c);
  return { frames, errors, parser: p };
}

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

// Golden bytes from fixtures/traces: s2 (UUID frame, DTMF 1/2/#, the 0x00 hangup frame sent by
// the server), s10 (the error frame the server sent), s9 (slin16 kind and 640-byte frames).
const S2_UUID = '82c0fad4-bbe8-47a5-9736-470e787b0a1c';
const S2_UUID_FRAME = hex('01 0010 82c0fad4bbe847a59736470e787b0a1c');
const S2_DTMF = [hex('03 0001 31'), hex('03 0001 32'), hex('03 0001 23')];
const S2_HANGUP = hex('000000');
const S10_ERROR = hex('ff000101');

describe('AudioSocket parser: golden frames from the traces', () => {
  it('decodes the UUID frame Asterisk sent in s2', () => {
    const { frames, errors } = parseAll([S2_UUID_FRAME]);
    expect(errors).toEqual([]);
    expect(frames).toEqual([{ type: 'uuid', uuid: S2_UUID }]);
    expect(encodeUuid(S2_UUID)).toEqual(S2_UUID_FRAME);
  });

  it('decodes the DTMF frames 1, 2, # of s2 and re-encodes them byte for byte', () => {
    const { frames } = parseAll(S2_DTMF);
    expect(frames).toEqual([
      { type: 'dtmf', digit: '1' },
      { type: 'dtmf', digit: '2' },
      { type: 'dtmf', digit: '#' },
    ]);
    expect(['1', '2', '#'].map(encodeDtmf)).toEqual(S2_DTMF);
  });

  it('serializes the hangup frame of s2 and the error frame of s10', () => {
    expect(encodeHangup()).toEqual(S2_HANGUP);
    expect(encodeError(1)).toEqual(S10_ERROR);
    expect(parseAll([S10_ERROR]).frames).toEqual([{ type: 'error', code: 1, payload: hex('01') }]);
    expect(parseAll([S2_HANGUP]).frames).toEqual([{ type: 'hangup' }]);
  });

  it('knows every multi-rate kind, 0x12 being the 640-byte slin16 frames of s9', () => {
    const rates = [0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18].map(rateForAudioKind);
    expect(rates).toEqual([8000, 12000, 16000, 24000, 32000, 44100, 48000, 96000, 192000]);
    expect(frameBytes(16000)).toBe(640);
    expect(frameBytes(8000)).toBe(320);
    const pcm = Buffer.alloc(640, 7);
    const wire = encodeAudio(16000, pcm);
    expect(wire.subarray(0, 3)).toEqual(hex('12 0280'));
    const { frames } = parseAll([wire]);
    expect(frames).toEqual([{ type: 'audio', kind: 0x12, rate: 16000, payload: pcm }]);
  });
});

describe('AudioSocket parser: any split of the stream', () => {
  const audio8 = Buffer.alloc(320);
  for (let i = 0; i < 160; i++) audio8.writeInt16LE(Math.round(8000 * Math.sin(i / 3)), i * 2);
  const stream = Buffer.concat([S2_UUID_FRAME, encodeAudio(8000, audio8), ...S2_DTMF, encodeAudio(48000, Buffer.alloc(1920, 1)), S2_HANGUP]);
  const expected = parseAll([stream]).frames;
  // Buffers compared as hex: vitest's deep equality on Buffers is slow over thousands of splits.
  const sig = (fs: AudioSocketFrame[]) => fs.map((f) => ('payload' in f ? { ...f, payload: f.payload.toString('hex') } : f));

  it('parses the same frames when split at every byte boundary', () => {
    expect(expected.map((f) => f.type)).toEqual(['uuid', 'audio', 'dtmf', 'dtmf', 'dtmf', 'audio', 'hangup']);
    for (let cut = 1; cut < stream.length; cut++) {
      const { frames, errors } = parseAll([stream.subarray(0, cut), stream.subarray(cut)]);
      expect(errors).toEqual([]);
      expect(sig(frames)).toEqual(sig(expected));
    }
  });

  it('parses the same frames when split at random into up to 12 pieces', () => {
    // Headers and payloads start mid-chunk, end mid-chunk and straddle several chunks.
    let seed = 7;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (let round = 0; round < 2000; round++) {
      const cuts = [...new Set(Array.from({ length: 1 + rnd(11) }, () => 1 + rnd(stream.length - 1)))].sort((a, b) => a - b);
      const pieces = [0, ...cuts].map((from, i) => stream.subarray(from, cuts[i] ?? stream.length));
      const { frames, errors, parser } = parseAll(pieces);
      expect(errors).toEqual([]);
      expect(sig(frames)).toEqual(sig(expected));
      expect(parser.bufferedBytes).toBe(0);
    }
  });

  it('parses the stream fed one byte at a time', () => {
    const bytes = [...stream].map((b) => Buffer.from([b]));
    const { frames, parser } = parseAll(bytes);
    expect(frames).toEqual(expected);
    expect(parser.bufferedBytes).toBe(0);
  });

  it('parses 5,000 frames in one chunk', () => {
    const frame = encodeAudio(8000, audio8);
    const { frames, errors } = parseAll([Buffer.concat(Array.from({ length: 5000 }, () => frame))]);
    expect(errors).toEqual([]);
    expect(frames).toHaveLength(5000);
    expect((frames[4999] as { payload: Buffer }).payload).toEqual(audio8);
  });

  it('holds a partial header and payload until the rest arrives', () => {
    const frame = encodeAudio(8000, audio8);
    const { frames, parser } = parseAll([frame.subarray(0, 2)]);
    expect(frames).toEqual([]);
    expect(parser.bufferedBytes).toBe(2);
    parser.push(frame.subarray(2, 100));
    expect(frames).toEqual([]);
    parser.push(frame.subarray(100));
    expect(frames).toHaveLength(1);
  });
});

describe('AudioSocket parser: bad input is reported with a stable code, never thrown', () => {
  const cases: Array<[string, Buffer, string]> = [
    ['unknown kind', hex('02 0000'), 'AS_ERR_UNKNOWN_KIND'],
    ['unknown kind 0x19', hex('19 0002 0000'), 'AS_ERR_UNKNOWN_KIND'],
    ['UUID of 15 bytes', hex('01 000f' + '00'.repeat(15)), 'AS_ERR_BAD_UUID'],
    ['UUID of 17 bytes', hex('01 0011' + '00'.repeat(17)), 'AS_ERR_BAD_UUID'],
    ['zero-length audio', hex('10 0000'), 'AS_ERR_EMPTY_AUDIO'],
    ['odd-length audio', hex('10 0003 000000'), 'AS_ERR_ODD_AUDIO'],
    ['DTMF of two bytes', hex('03 0002 3132'), 'AS_ERR_BAD_DTMF'],
    ['DTMF that is not a digit', hex('03 0001 7a'), 'AS_ERR_BAD_DTMF'],
    ['length over the cap', hex('10 ffff'), 'AS_ERR_FRAME_TOO_LARGE'],
  ];
  for (const [name, bytes, code] of cases) {
    it(`${name} → ${code}`, () => {
      const { frames, errors, parser } = parseAll([bytes]);
      expect(frames).toEqual([]);
      expect(errors.map((e) => e.code)).toEqual([code]);
      expect(parser.failed).toBe(true);
    });
  }

  it('rejects an oversized frame from its header, before buffering the payload', () => {
    const { errors, parser } = parseAll([hex('10 2000')], 4096);
    expect(errors[0].code).toBe('AS_ERR_FRAME_TOO_LARGE');
    expect(errors[0].message).toBe('payload of 8192 bytes exceeds the cap of 4096');
    expect(parser.bufferedBytes).toBe(0);
  });

  it('delivers the frames before an error and nothing after it', () => {
    const { frames, errors, parser } = parseAll([Buffer.concat([S2_UUID_FRAME, hex('02 0000'), S2_DTMF[0]])]);
    expect(frames.map((f) => f.type)).toEqual(['uuid']);
    expect(errors).toHaveLength(1);
    parser.push(S2_DTMF[1]);
    expect(frames).toHaveLength(1);
    expect(errors).toHaveLength(1);
  });

  it('refuses to serialize what the wire cannot carry', () => {
    expect(() => encodeAudio(11025, Buffer.alloc(320))).toThrow(RangeError);
    expect(() => encodeAudio(8000, Buffer.alloc(0))).toThrow(RangeError);
    expect(() => encodeUuid('1795678833.1')).toThrow(TypeError);
    expect(() => encodeDtmf('x')).toThrow(TypeError);
  });
});

/**
 * AudioSocket wire format, shared by the engine (server side) and the simulator (Asterisk side).
 *
 * A frame is 1 byte kind, 2 bytes payload length (big-endian), then the payload. Kinds and
 * payloads are those of Asterisk 22's res_audiosocket (see fixtures/traces/README.md).
 *
 * The parser is a small state machine over buffered chunks, in the manner of ws's Receiver: it
 * accepts any split of the byte stream, reports malformed input through a callback with a stable
 * error code, and never throws into the socket's event handler. After an error it ignores further
 * input: the connection is to be closed.
 */

export const FrameKind = {
  Hangup: 0x00,
  Uuid: 0x01,
  Dtmf: 0x03,
  Slin8: 0x10,
  Slin12: 0x11,
  Slin16: 0x12,
  Slin24: 0x13,
  Slin32: 0x14,
  Slin44: 0x15,
  Slin48: 0x16,
  Slin96: 0x17,
  Slin192: 0x18,
  Error: 0xff,
} as const;

export type SampleRate = 8000 | 12000 | 16000 | 24000 | 32000 | 44100 | 48000 | 96000 | 192000;

const RATE_BY_KIND: ReadonlyMap<number, SampleRate> = new Map([
  [0x10, 8000],
  [0x11, 12000],
  [0x12, 16000],
  [0x13, 24000],
  [0x14, 32000],
  [0x15, 44100],
  [0x16, 48000],
  [0x17, 96000],
  [0x18, 192000],
]);

const KIND_BY_RATE: ReadonlyMap<number, number> = new Map([...RATE_BY_KIND].map(([k, r]) => [r, k]));

/** The audio kind byte for a sample rate, or undefined for a rate AudioSocket cannot carry. */
export function audioKindForRate(rate: number): number | undefined {
  return KIND_BY_RATE.get(rate);
}

/** The sample rate of an audio kind byte, or undefined when the kind is not audio. */
export function rateForAudioKind(kind: number): SampleRate | undefined {
  return RATE_BY_KIND.get(kind);
}

export type AudioSocketFrame =
  | { type: 'hangup' }
  | { type: 'uuid'; uuid: string }
  | { type: 'dtmf'; digit: string }
  | { type: 'audio'; kind: number; rate: SampleRate; payload: Buffer }
  | { type: 'error'; code: number | null; payload: Buffer };

/** Stable codes for malformed input, for logs, metrics and tests. */
export type AudioSocketErrorCode =
  | 'AS_ERR_UNKNOWN_KIND'
  | 'AS_ERR_BAD_UUID'
  | 'AS_ERR_BAD_DTMF'
  | 'AS_ERR_EMPTY_AUDIO'
  | 'AS_ERR_ODD_AUDIO'
  | 'AS_ERR_FRAME_TOO_LARGE';

export class AudioSocketProtocolError extends Error {
  readonly code: AudioSocketErrorCode;
  readonly kind: number;
  readonly length: number;
  constructor(code: AudioSocketErrorCode, message: string, kind: number, length: number) {
    super(message);
    this.name = 'AudioSocketProtocolError';
    this.code = code;
    this.kind = kind;
    this.length = length;
  }
}

export const HEADER_BYTES = 3;
/** Largest payload the wire can express. */
export const MAX_WIRE_PAYLOAD = 0xffff;
/**
 * Default cap on a payload. 20 ms at 48 kHz is 1,920 bytes; Asterisk sends at most a few
 * kilobytes. 8 KiB leaves room for 40 ms at 96 kHz without letting a peer make us buffer 64 KiB.
 */
export const DEFAULT_MAX_PAYLOAD = 8192;

export interface ParserOptions {
  /** Frames with a longer payload are rejected with AS_ERR_FRAME_TOO_LARGE. */
  maxPayloadBytes?: number;
}

export interface ParserHandlers {
  onFrame(frame: AudioSocketFrame): void;
  onError(err: AudioSocketProtocolError): void;
}

const AWAIT_HEADER = 0;
const AWAIT_PAYLOAD = 1;
const FAILED = 2;

export class AudioSocketParser {
  private readonly maxPayload: number;
  private readonly handlers: ParserHandlers;
  private chunks: Buffer[] = [];
  /** Where the unread bytes of chunks[0] start (no re-slicing per frame). */
  private offset = 0;
  private buffered = 0;
  private state = AWAIT_HEADER;
  private kind = 0;
  private length = 0;
  /** Frames parsed so far; useful to tell "first frame" apart. */
  framesParsed = 0;

  constructor(handlers: ParserHandlers, options: ParserOptions = {}) {
    this.handlers = handlers;
    this.maxPayload = Math.min(options.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD, MAX_WIRE_PAYLOAD);
  }

  get failed(): boolean {
    return this.state === FAILED;
  }

  /** Bytes held waiting for the rest of a frame. */
  get bufferedBytes(): number {
    return this.buffered;
  }

  push(chunk: Buffer): void {
    if (this.state === FAILED || chunk.length === 0) return;
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    while (this.state !== FAILED) {
      if (this.state === AWAIT_HEADER) {
        if (this.buffered < HEADER_BYTES) return;
        this.readHeader();
        if (!this.checkHeader()) return;
        this.state = AWAIT_PAYLOAD;
      }
      if (this.buffered < this.length) return;
      const payload = this.length === 0 ? EMPTY : this.consume(this.length);
      this.state = AWAIT_HEADER;
      const frame = this.decodePayload(payload);
      if (frame === undefined) return;
      this.framesParsed++;
      this.handlers.onFrame(frame);
    }
  }

  /** Reads kind and length off the front, in place when the first chunk holds all three bytes. */
  private readHeader(): void {
    const first = this.chunks[0];
    const at = this.offset;
    if (first.length - at >= HEADER_BYTES) {
      this.kind = first[at];
      this.length = (first[at + 1] << 8) | first[at + 2];
      this.skip(HEADER_BYTES);
      return;
    }
    const header = this.consume(HEADER_BYTES);
    this.kind = header[0];
    this.length = header.readUInt16BE(1);
  }

  private checkHeader(): boolean {
    const { kind, length } = this;
    if (length > this.maxPayload) {
      return this.fail('AS_ERR_FRAME_TOO_LARGE', `payload of ${length} bytes exceeds the cap of ${this.maxPayload}`);
    }
    if (kind === FrameKind.Uuid && length !== 16) {
      return this.fail('AS_ERR_BAD_UUID', `UUID payload must be 16 bytes, got ${length}`);
    }
    if (kind === FrameKind.Dtmf && length !== 1) {
      return this.fail('AS_ERR_BAD_DTMF', `DTMF payload must be 1 byte, got ${length}`);
    }
    if (RATE_BY_KIND.has(kind)) {
      if (length === 0) return this.fail('AS_ERR_EMPTY_AUDIO', `audio frame of kind 0x${hex(kind)} has no payload`);
      if (length % 2 !== 0) return this.fail('AS_ERR_ODD_AUDIO', `audio payload of ${length} bytes is not whole 16-bit samples`);
      return true;
    }
    if (kind === FrameKind.Hangup || kind === FrameKind.Uuid || kind === FrameKind.Dtmf || kind === FrameKind.Error) {
      return true;
    }
    return this.fail('AS_ERR_UNKNOWN_KIND', `unknown frame kind 0x${hex(kind)}`);
  }

  private decodePayload(payload: Buffer): AudioSocketFrame | undefined {
    const kind = this.kind;
    const rate = RATE_BY_KIND.get(kind);
    if (rate !== undefined) return { type: 'audio', kind, rate, payload };
    switch (kind) {
      case FrameKind.Hangup:
        return { type: 'hangup' };
      case FrameKind.Uuid:
        return { type: 'uuid', uuid: uuidFromBytes(payload) };
      case FrameKind.Dtmf: {
        const digit = String.fromCharCode(payload[0]);
        if (!/^[0-9A-D*#]$/.test(digit)) {
          this.fail('AS_ERR_BAD_DTMF', `DTMF payload 0x${hex(payload[0])} is not a DTMF digit`);
          return undefined;
        }
        return { type: 'dtmf', digit };
      }
      default:
        return { type: 'error', code: payload.length > 0 ? payload[0] : null, payload };
    }
  }

  private fail(code: AudioSocketErrorCode, message: string): false {
    const err = new AudioSocketProtocolError(code, message, this.kind, this.length);
    this.state = FAILED;
    this.chunks = [];
    this.offset = 0;
    this.buffered = 0;
    this.handlers.onError(err);
    return false;
  }

  /** Drops n bytes that the first chunk holds. */
  private skip(n: number): void {
    this.buffered -= n;
    this.offset += n;
    if (this.offset === this.chunks[0].length) {
      this.chunks.shift();
      this.offset = 0;
    }
  }

  /** Takes n bytes off the front: a view when one chunk holds them, a copy across chunks. */
  private consume(n: number): Buffer {
    const first = this.chunks[0];
    const at = this.offset;
    if (first.length - at >= n) {
      const view = at === 0 && n === first.length ? first : first.subarray(at, at + n);
      this.skip(n);
      return view;
    }
    this.buffered -= n;
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    while (filled < n) {
      const chunk = this.chunks[0];
      const take = Math.min(chunk.length - this.offset, n - filled);
      chunk.copy(out, filled, this.offset, this.offset + take);
      filled += take;
      if (this.offset + take === chunk.length) {
        this.chunks.shift();
        this.offset = 0;
      } else this.offset += take;
    }
    return out;
  }
}

const EMPTY = Buffer.alloc(0);

function hex(n: number): string {
  return n.toString(16).padStart(2, '0');
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** True for the dashed 36-character form Asterisk's AudioSocket accepts. */
export function isUuid(s: string): boolean {
  return UUID_RE.test(s);
}

export function uuidFromBytes(b: Buffer): string {
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

export function uuidToBytes(uuid: string): Buffer {
  if (!isUuid(uuid)) throw new TypeError(`not a UUID: ${JSON.stringify(uuid)}`);
  return Buffer.from(uuid.replace(/-/g, ''), 'hex');
}

function header(kind: number, length: number): Buffer {
  const b = Buffer.allocUnsafe(HEADER_BYTES + length);
  b[0] = kind;
  b.writeUInt16BE(length, 1);
  return b;
}

export function encodeHangup(): Buffer {
  return header(FrameKind.Hangup, 0);
}

export function encodeUuid(uuid: string): Buffer {
  const b = header(FrameKind.Uuid, 16);
  uuidToBytes(uuid).copy(b, HEADER_BYTES);
  return b;
}

export function encodeDtmf(digit: string): Buffer {
  if (!/^[0-9A-D*#]$/.test(digit)) throw new TypeError(`not a DTMF digit: ${JSON.stringify(digit)}`);
  const b = header(FrameKind.Dtmf, 1);
  b[HEADER_BYTES] = digit.charCodeAt(0);
  return b;
}

/** An audio frame of signed 16-bit little-endian PCM at the given rate. */
export function encodeAudio(rate: number, pcm: Buffer): Buffer {
  const kind = KIND_BY_RATE.get(rate);
  if (kind === undefined) throw new RangeError(`AudioSocket has no audio kind for ${rate} Hz`);
  if (pcm.length === 0 || pcm.length > MAX_WIRE_PAYLOAD || pcm.length % 2 !== 0) {
    throw new RangeError(`audio payload of ${pcm.length} bytes cannot be framed`);
  }
  const b = header(kind, pcm.length);
  pcm.copy(b, HEADER_BYTES);
  return b;
}

export function encodeError(code = 0): Buffer {
  const b = header(FrameKind.Error, 1);
  b[HEADER_BYTES] = code;
  return b;
}

export function encodeFrame(frame: AudioSocketFrame): Buffer {
  switch (frame.type) {
    case 'hangup':
      return encodeHangup();
    case 'uuid':
      return encodeUuid(frame.uuid);
    case 'dtmf':
      return encodeDtmf(frame.digit);
    case 'audio':
      return encodeAudio(frame.rate, frame.payload);
    case 'error': {
      const b = header(FrameKind.Error, frame.payload.length);
      frame.payload.copy(b, HEADER_BYTES);
      return b;
    }
  }
}

/** Bytes of one 20 ms frame of 16-bit mono PCM at a rate. */
export function frameBytes(rate: number, ms = 20): number {
  return Math.round((rate * ms) / 1000) * 2;
}

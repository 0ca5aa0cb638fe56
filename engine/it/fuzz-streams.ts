/**
 * Byte streams for fuzzing the AudioSocket server: random bytes, and valid streams (a UUID frame,
 * then audio, DTMF, hangup frames) mutated: corrupted length fields and kinds, flipped bytes,
 * truncations, huge lengths, split into many tiny writes. Pure and seeded, so a failing seed can
 * be replayed.
 */
import { encodeAudio, encodeDtmf, encodeHangup, encodeUuid } from '../audiosocket/codec.js';

/** mulberry32: small, fast, good enough to drive a fuzzer. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface FuzzStream {
  kind: string;
  /** Each chunk is written separately. */
  chunks: Buffer[];
  /**
   * Whether the client half-closes after writing (a scanner that sends and leaves). When false it
   * keeps its side open and the engine must close the connection on its own (refusal or the UUID
   * timeout).
   */
  end: boolean;
}

const AUDIO_KINDS = [0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18];

export class StreamFactory {
  private readonly r: () => number;
  /** A UUID that is bound to a live call: some streams present it (must be refused, not taken). */
  liveUuid: string | undefined;

  constructor(seed: number) {
    this.r = rng(seed);
  }

  private int(n: number): number {
    return Math.floor(this.r() * n);
  }

  private pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)];
  }

  private bytes(n: number): Buffer {
    const b = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) b[i] = this.int(256);
    return b;
  }

  private uuid(): string {
    const h = this.bytes(16).toString('hex');
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
  }

  /** A stream Asterisk could have sent: UUID, then audio with the odd DTMF, maybe a hangup. */
  private valid(uuid = this.uuid()): Buffer {
    const parts = [encodeUuid(uuid)];
    const rate = this.pick([8000, 16000]);
    for (let i = 0, n = this.int(6); i < n; i++) {
      const roll = this.r();
      if (roll < 0.8) parts.push(encodeAudio(rate, this.bytes((rate / 50) * 2)));
      else if (roll < 0.95) parts.push(encodeDtmf(this.pick(['1', '2', '#', '*', 'A'])));
      else parts.push(encodeHangup());
    }
    return Buffer.concat(parts);
  }

  private mutate(buf: Buffer): Buffer {
    const b = Buffer.from(buf);
    for (let i = 0, n = 1 + this.int(4); i < n && b.length > 0; i++) {
      const at = this.int(b.length);
      switch (this.int(6)) {
        case 0: // flip a byte
          b[at] ^= 1 + this.int(255);
          break;
        case 1: // a frame kind somewhere
          b[at] = this.pick([0x00, 0x01, 0x02, 0x03, 0x0f, 0x19, 0x20, 0x7f, 0xfe, 0xff, ...AUDIO_KINDS]);
          break;
        case 2: {
          // a length field: zero, odd, off by one, huge
          const p = Math.min(at, b.length - 2);
          if (p >= 0) b.writeUInt16BE(this.pick([0, 1, 15, 17, 319, 321, 8193, 0x7fff, 0xffff, this.int(0x10000)]), p);
          break;
        }
        case 3: // truncate
          return b.subarray(0, at);
        case 4: // duplicate a slice
          return Buffer.concat([b.subarray(0, at), b.subarray(this.int(b.length)), b.subarray(at)]);
        default: // insert random bytes
          return Buffer.concat([b.subarray(0, at), this.bytes(1 + this.int(8)), b.subarray(at)]);
      }
    }
    return b;
  }

  /** Splits a buffer into writes of 1-3 bytes (at most 200 of them, the rest in one). */
  private tiny(buf: Buffer): Buffer[] {
    const out: Buffer[] = [];
    let at = 0;
    while (at < buf.length && out.length < 200) {
      const n = 1 + this.int(3);
      out.push(buf.subarray(at, at + n));
      at += n;
    }
    if (at < buf.length) out.push(buf.subarray(at));
    return out;
  }

  next(): FuzzStream {
    const roll = this.int(100);
    // Most clients send and go; a few hold their side open so the engine must close it.
    const end = this.r() > 0.002;
    if (roll < 20) return { kind: 'random', chunks: [this.bytes(this.int(600))], end };
    if (roll < 55) return { kind: 'mutated', chunks: [this.mutate(this.valid())], end };
    if (roll < 65) return { kind: 'tiny-chunks', chunks: this.tiny(this.r() < 0.5 ? this.valid() : this.mutate(this.valid())), end };
    if (roll < 72) {
      // A header announcing up to 64 KiB, then part of it (or a lot of it).
      const header = Buffer.from([this.pick([0x01, 0x03, 0x10, 0x12, 0xff, this.int(256)]), 0, 0]);
      header.writeUInt16BE(0x2000 + this.int(0xe000), 1);
      return { kind: 'huge-length', chunks: [header, this.bytes(this.int(3) * 8192)], end };
    }
    if (roll < 78) return { kind: 'valid-unknown-uuid', chunks: [this.valid()], end };
    if (roll < 82 && this.liveUuid) return { kind: 'live-uuid', chunks: [this.valid(this.liveUuid)], end };
    if (roll < 86) return { kind: 'bad-uuid-length', chunks: [Buffer.concat([Buffer.from([0x01, 0x00, this.pick([0, 8, 15, 17, 32])]), this.bytes(20)])], end };
    if (roll < 90) return { kind: 'not-uuid-first', chunks: [Buffer.concat([this.pick([encodeHangup(), encodeDtmf('5'), encodeAudio(8000, Buffer.alloc(320)), Buffer.from([0xff, 0, 1, 9])]), this.valid()])], end };
    if (roll < 94) return { kind: 'partial-header', chunks: [this.bytes(1 + this.int(2))], end: true };
    if (roll < 97) return { kind: 'empty', chunks: [], end: true };
    return { kind: 'valid-then-garbage', chunks: [this.valid(), this.bytes(1 + this.int(300))], end };
  }
}

/**
 * Audio waiting to be sent to Asterisk, cut into 20 ms frames one tick at a time. Pure: the
 * connection asks for a frame on every pacer tick and sends silence when there is none, so the
 * socket is never idle (an idle AudioSocket leg can wedge Asterisk: fixtures/traces/README.md).
 *
 * Each write keeps the rate it was written at; a frame never mixes rates. A partial frame (the
 * tail of an utterance) is padded with silence rather than held back: holding it would only
 * move the gap and delay the end of the utterance.
 */
import { frameBytes } from './codec.js';

export interface OutFrame {
  rate: number;
  pcm: Buffer;
}

interface Chunk {
  rate: number;
  buf: Buffer;
}

export class OutboundAudioQueue {
  /** The rate of silence frames and of writes that name no rate. */
  rate: number;
  readonly frameMs: number;
  private chunks: Chunk[] = [];
  private queuedBytes = 0;
  private queuedMsTotal = 0;

  constructor(rate: number, frameMs = 20) {
    this.rate = rate;
    this.frameMs = frameMs;
  }

  /** Queues signed 16-bit little-endian mono PCM. */
  push(pcm: Buffer, rate: number = this.rate): void {
    if (pcm.length % 2 !== 0) throw new RangeError(`PCM of ${pcm.length} bytes is not whole 16-bit samples`);
    if (pcm.length === 0) return;
    this.chunks.push({ rate, buf: pcm });
    this.queuedBytes += pcm.length;
    this.queuedMsTotal += msOf(pcm.length, rate);
  }

  get bytes(): number {
    return this.queuedBytes;
  }

  get queuedMs(): number {
    return Math.round(this.queuedMsTotal);
  }

  /** The next frame of queued audio, or undefined when nothing is queued. */
  nextFrame(): OutFrame | undefined {
    const head = this.chunks[0];
    if (head === undefined) return undefined;
    const rate = head.rate;
    const size = frameBytes(rate, this.frameMs);
    if (head.buf.length >= size) {
      const pcm = head.buf.subarray(0, size);
      this.advance(size, rate);
      return { rate, pcm };
    }
    // Gather across chunks of the same rate; pad when the audio of this rate runs out.
    const pcm = Buffer.alloc(size);
    let filled = 0;
    while (filled < size && this.chunks.length > 0 && this.chunks[0].rate === rate) {
      const take = Math.min(size - filled, this.chunks[0].buf.length);
      this.chunks[0].buf.copy(pcm, filled, 0, take);
      filled += take;
      this.advance(take, rate);
    }
    return { rate, pcm };
  }

  /** Drops everything queued (barge-in). Returns the milliseconds of audio dropped. */
  clear(): number {
    const ms = this.queuedMs;
    this.chunks = [];
    this.queuedBytes = 0;
    this.queuedMsTotal = 0;
    return ms;
  }

  private advance(n: number, rate: number): void {
    const head = this.chunks[0];
    if (n >= head.buf.length) this.chunks.shift();
    else head.buf = head.buf.subarray(n);
    this.queuedBytes -= n;
    this.queuedMsTotal -= msOf(n, rate);
    if (this.chunks.length === 0) this.queuedMsTotal = 0; // no float residue when empty
  }
}

function msOf(bytes: number, rate: number): number {
  return (bytes / 2 / rate) * 1000;
}

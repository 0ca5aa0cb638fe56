/**
 * Cutting PCM into fixed-duration frames (20 ms is 320 bytes at 8 kHz, 640 at 16 kHz), the unit
 * AudioSocket and RTP carry.
 */
import { bytesForMs } from './pcm.js';

/** Frame length in bytes of s16le PCM; throws for a duration that is not a whole sample count. */
export function frameBytes(rate: number, ms = 20): number {
  const bytes = bytesForMs(rate, ms);
  if (bytes <= 0 || Math.abs((rate * ms) / 1000 - bytes / 2) > 1e-9) {
    throw new RangeError(`${ms} ms at ${rate} Hz is not a whole, positive number of samples`);
  }
  return bytes;
}

/**
 * The buffer cut into frames of `ms` milliseconds; the last one is padded with silence. An empty
 * buffer gives no frames. Frames are copies, independent of the input.
 */
export function chunkFrames(pcm: Buffer, rate: number, ms = 20): Buffer[] {
  const size = frameBytes(rate, ms);
  const frames: Buffer[] = [];
  for (let at = 0; at < pcm.length; at += size) {
    const frame = Buffer.alloc(size);
    pcm.copy(frame, 0, at, Math.min(at + size, pcm.length));
    frames.push(frame);
  }
  return frames;
}

/**
 * Turns chunks of any size (even odd byte counts, as TCP delivers them) into exact frames.
 * push returns the frames completed so far; the remainder waits for the next push.
 */
export class FrameAssembler {
  readonly frameBytes: number;
  private pending: Buffer[] = [];
  private pendingLength = 0;

  constructor(
    readonly rate: number,
    readonly ms = 20,
  ) {
    this.frameBytes = frameBytes(rate, ms);
  }

  /** Bytes waiting for the next frame to fill. */
  get bufferedBytes(): number {
    return this.pendingLength;
  }

  /** Adds a chunk; returns the complete frames it finishes, in order (copies). */
  push(chunk: Buffer): Buffer[] {
    if (chunk.length === 0) return [];
    this.pending.push(chunk);
    this.pendingLength += chunk.length;
    if (this.pendingLength < this.frameBytes) return [];
    const all = Buffer.concat(this.pending, this.pendingLength);
    const frames: Buffer[] = [];
    let at = 0;
    for (; at + this.frameBytes <= all.length; at += this.frameBytes) {
      frames.push(all.subarray(at, at + this.frameBytes));
    }
    // Keep the remainder as its own copy so the concatenated block can be released with the frames.
    const rest = Buffer.from(all.subarray(at));
    this.pending = rest.length > 0 ? [rest] : [];
    this.pendingLength = rest.length;
    return frames;
  }

  /**
   * Ends the stream: the remainder padded with silence to a whole frame, or undefined when
   * nothing is buffered. The assembler is empty afterwards.
   */
  flush(): Buffer | undefined {
    if (this.pendingLength === 0) return undefined;
    const frame = Buffer.alloc(this.frameBytes);
    Buffer.concat(this.pending, this.pendingLength).copy(frame);
    this.reset();
    return frame;
  }

  /** Drops anything buffered. */
  reset(): void {
    this.pending = [];
    this.pendingLength = 0;
  }
}

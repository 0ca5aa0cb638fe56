/**
 * Audio as it moves inside the simulated PBX: 20 ms frames of signed 16-bit little-endian mono
 * PCM, each tagged with its sample rate, passed by reference from channel to channel (Asterisk
 * passes ast_frame pointers the same way). Nothing here mutates a frame it is given.
 *
 * Rate conversion on the media path is deliberately cheap (linear interpolation, pair
 * averaging): it runs per frame for every call, and engine/audio/resample.ts's windowed-sinc
 * converter costs ~100 multiply-adds per output sample, too much for 500 calls at 50 frames a
 * second in both directions. The shared converter is still used where quality matters and cost
 * does not (decoding sound files once, see sounds.ts).
 */
import { clampSample, mixInto } from '../../engine/audio/pcm.js';

export interface MediaFrame {
  readonly rate: number;
  /** s16le mono; 20 ms is rate / 50 samples (320 bytes at 8 kHz). */
  readonly pcm: Buffer;
}

/** Samples in one 20 ms frame at a rate. */
export function frameSamples(rate: number): number {
  return Math.round(rate / 50);
}

const silenceCache = new Map<number, MediaFrame>();

/** A shared, read-only 20 ms silence frame. */
export function silenceFrame(rate: number): MediaFrame {
  let frame = silenceCache.get(rate);
  if (!frame) {
    frame = { rate, pcm: Buffer.alloc(frameSamples(rate) * 2) };
    silenceCache.set(rate, frame);
  }
  return frame;
}

function view(pcm: Buffer): Int16Array {
  if (pcm.byteOffset % 2 === 0) return new Int16Array(pcm.buffer, pcm.byteOffset, pcm.length >> 1);
  const copy = Buffer.from(pcm);
  return new Int16Array(copy.buffer, copy.byteOffset, copy.length >> 1);
}

/** The frame at another rate (the same frame when the rate already matches). */
export function convertRate(frame: MediaFrame, rate: number): MediaFrame {
  if (frame.rate === rate) return frame;
  const input = view(frame.pcm);
  const n = input.length;
  const outCount = Math.round((n * rate) / frame.rate);
  const out = Buffer.allocUnsafe(outCount * 2);
  const output = new Int16Array(out.buffer, out.byteOffset, outCount);
  if (n === 0) return { rate, pcm: Buffer.alloc(0) };
  if (rate === frame.rate * 2) {
    for (let i = 0; i < n; i++) {
      const a = input[i];
      const b = i + 1 < n ? input[i + 1] : a;
      output[2 * i] = a;
      output[2 * i + 1] = (a + b) >> 1;
    }
  } else if (frame.rate === rate * 2) {
    for (let i = 0; i < outCount; i++) output[i] = (input[2 * i] + input[Math.min(2 * i + 1, n - 1)]) >> 1;
  } else {
    const step = frame.rate / rate;
    for (let i = 0; i < outCount; i++) {
      const pos = i * step;
      const k = Math.floor(pos);
      const frac = pos - k;
      const a = input[Math.min(k, n - 1)];
      const b = input[Math.min(k + 1, n - 1)];
      output[i] = Math.round(a + (b - a) * frac);
    }
  }
  return { rate, pcm: out };
}

/** The frame scaled by a linear factor, saturating. */
export function scaleFrame(frame: MediaFrame, factor: number): MediaFrame {
  const input = view(frame.pcm);
  const out = Buffer.allocUnsafe(input.length * 2);
  const output = new Int16Array(out.buffer, out.byteOffset, input.length);
  for (let i = 0; i < input.length; i++) output[i] = clampSample(input[i] * factor);
  return { rate: frame.rate, pcm: out };
}

/** mixFrames' accumulator, grown to the longest mix yet (960 samples: 20 ms at 48 kHz). */
let mixScratch = new Int32Array(960);

/**
 * Sums frames into one at `rate` (each converted first), saturating; shorter frames count as
 * silence past their end. Used by snoops, mixing bridges and MixMonitor.
 */
export function mixFrames(frames: readonly MediaFrame[], rate: number): MediaFrame {
  if (frames.length === 1) return convertRate(frames[0], rate);
  let count = frameSamples(rate);
  for (const f of frames) count = Math.max(count, Math.round((f.pcm.length / 2) * (rate / f.rate)));
  // Summed in one scratch array reused by every mix: bridges, snoops and MixMonitor mix a frame
  // per 20 ms per call. mixFrames allocated 48 of the simulator's 416 MB in 14 s of a 500-call
  // ramp, its accumulator (twice the output's bytes) the larger part. No frame is longer than
  // count, so nothing lands past it.
  if (mixScratch.length < count) mixScratch = new Int32Array(count);
  const acc = mixScratch;
  acc.fill(0, 0, count);
  for (const f of frames) mixInto(acc, convertRate(f, rate).pcm);
  const out = Buffer.allocUnsafe(count * 2);
  const output = new Int16Array(out.buffer, out.byteOffset, count);
  for (let i = 0; i < count; i++) output[i] = clampSample(acc[i]);
  return { rate, pcm: out };
}


/** Root mean square of a frame's samples (0 for an empty frame). */
export function frameRms(frame: MediaFrame): number {
  const s = view(frame.pcm);
  if (s.length === 0) return 0;
  let sum = 0;
  for (let i = 0; i < s.length; i++) sum += s[i] * s[i];
  return Math.sqrt(sum / s.length);
}

/** Cuts PCM into 20 ms frames; the last one keeps its short length, as Asterisk's file reader does. */
export function framesOf(pcm: Buffer, rate: number): MediaFrame[] {
  const size = frameSamples(rate) * 2;
  const usable = pcm.length & ~1;
  const frames: MediaFrame[] = [];
  for (let at = 0; at < usable; at += size) frames.push({ rate, pcm: pcm.subarray(at, Math.min(at + size, usable)) });
  return frames;
}

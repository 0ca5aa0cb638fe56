/**
 * Signed 16-bit little-endian mono PCM ("slin" in Asterisk terms) on Node Buffers.
 *
 * Every function here is pure: it returns a new Buffer and never changes its input. Arithmetic
 * that can overflow (gain, mixing) saturates at the 16-bit limits instead of wrapping, because a
 * wrapped sample is a loud click while a clipped one is only distortion.
 */
import { endianness } from 'node:os';

export const BYTES_PER_SAMPLE = 2;
/** Full scale for dBFS: the magnitude of the most negative 16-bit sample. */
export const FULL_SCALE = 32768;

const LITTLE_ENDIAN_HOST = endianness() === 'LE';

/**
 * The samples of a PCM buffer as an Int16Array. Shares memory with the buffer when it can (little
 * endian host, 2-byte aligned view) and copies otherwise, so callers must not write through it.
 * A trailing odd byte is ignored.
 */
export function samples(pcm: Buffer): Int16Array {
  const count = pcm.length >> 1;
  if (LITTLE_ENDIAN_HOST && pcm.byteOffset % 2 === 0) {
    return new Int16Array(pcm.buffer, pcm.byteOffset, count);
  }
  const out = new Int16Array(count);
  // An odd byte offset (an AudioSocket payload sits 3 bytes into its read) cannot be viewed as
  // 16-bit samples: copy the bytes in one go (a per-sample read took ~6 µs a 16 kHz frame).
  if (LITTLE_ENDIAN_HOST) new Uint8Array(out.buffer).set(pcm.subarray(0, count * 2));
  else for (let i = 0; i < count; i++) out[i] = pcm.readInt16LE(i * 2);
  return out;
}

/** A Buffer of PCM bytes holding the given samples (always a copy). */
export function fromSamples(values: Int16Array): Buffer {
  const out = Buffer.alloc(values.length * BYTES_PER_SAMPLE);
  if (LITTLE_ENDIAN_HOST) {
    out.set(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
  } else {
    for (let i = 0; i < values.length; i++) out.writeInt16LE(values[i], i * 2);
  }
  return out;
}

/** Rounds and clamps a number to a 16-bit sample. */
export function clampSample(value: number): number {
  if (value >= 32767) return 32767;
  if (value <= -32768) return -32768;
  return Math.round(value);
}

/** Number of samples in `ms` milliseconds at `rate` (rounded to the nearest sample). */
export function samplesForMs(rate: number, ms: number): number {
  return Math.round((rate * ms) / 1000);
}

/** Number of bytes of 16-bit PCM in `ms` milliseconds at `rate` (320 for 20 ms at 8 kHz). */
export function bytesForMs(rate: number, ms: number): number {
  return samplesForMs(rate, ms) * BYTES_PER_SAMPLE;
}

/** `ms` milliseconds of digital silence at `rate`. */
export function silence(rate: number, ms: number): Buffer {
  if (!(ms >= 0)) throw new RangeError(`silence: ms must be >= 0, got ${ms}`);
  return Buffer.alloc(bytesForMs(rate, ms));
}

/** Duration of a PCM buffer in milliseconds (not rounded). */
export function durationMs(pcm: Buffer, rate: number): number {
  return ((pcm.length >> 1) * 1000) / rate;
}

/** Root mean square of the samples, in sample units (0 … 32768); 0 for an empty buffer. */
export function rms(pcm: Buffer): number {
  const s = samples(pcm);
  if (s.length === 0) return 0;
  let sum = 0;
  for (let i = 0; i < s.length; i++) sum += s[i] * s[i];
  return Math.sqrt(sum / s.length);
}

/**
 * RMS level relative to full scale, in dB: 20·log10(rms / 32768). A full-scale square wave is
 * 0 dBFS and a full-scale sine -3.01 dBFS (the convention of sox's "RMS lev dB").
 * -Infinity for silence or an empty buffer.
 */
export function dbfs(pcm: Buffer): number {
  return rmsToDbfs(rms(pcm));
}

/** Converts an RMS value in sample units to dBFS (see dbfs). */
export function rmsToDbfs(value: number): number {
  return value > 0 ? 20 * Math.log10(value / FULL_SCALE) : -Infinity;
}

/** Multiplies every sample by 10^(db/20), saturating at the 16-bit limits. */
export function applyGainDb(pcm: Buffer, db: number): Buffer {
  const factor = Math.pow(10, db / 20);
  const s = samples(pcm);
  const out = new Int16Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = clampSample(s[i] * factor);
  return fromSamples(out);
}

/**
 * Adds the samples of `pcm` into a wide accumulator starting at sample `offset`, without
 * saturating, so several sources can be summed before one final clamp (see fromAccumulator).
 * Samples past the end of the accumulator are dropped. Returns the accumulator.
 */
export function mixInto<T extends Int32Array | Float64Array | Float32Array>(acc: T, pcm: Buffer, offset = 0): T {
  const s = samples(pcm);
  const end = Math.min(s.length, acc.length - offset);
  for (let i = Math.max(0, -offset); i < end; i++) acc[offset + i] += s[i];
  return acc;
}

/** PCM from an accumulator filled by mixInto, saturating at the 16-bit limits. */
export function fromAccumulator(acc: Int32Array | Float64Array | Float32Array): Buffer {
  const out = new Int16Array(acc.length);
  for (let i = 0; i < acc.length; i++) out[i] = clampSample(acc[i]);
  return fromSamples(out);
}

/** The saturating sum of two PCM buffers; the result is as long as the longer one. */
export function mix(a: Buffer, b: Buffer): Buffer {
  const acc = new Int32Array(Math.max(a.length, b.length) >> 1);
  mixInto(acc, a);
  mixInto(acc, b);
  return fromAccumulator(acc);
}

/** The buffers one after the other (a copy). */
export function concat(parts: readonly Buffer[]): Buffer {
  return Buffer.concat(parts);
}

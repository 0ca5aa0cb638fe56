/**
 * Test signals and their measurement: sine tones, the Goertzel detector for one frequency, and
 * the dominant frequency of a signal (FFT peak, refined by parabolic interpolation).
 */
import { FULL_SCALE, clampSample, fromSamples, samples } from './pcm.js';

function checkAmplitude(amplitude: number): void {
  if (!(amplitude >= 0 && amplitude <= 1)) {
    throw new RangeError(`amplitude is a fraction of full scale in [0, 1], got ${amplitude}`);
  }
}

/**
 * A sine tone of `ms` milliseconds; `amplitude` is the peak as a fraction of full scale (0.5 by
 * default, about -9 dBFS RMS). Starts at phase 0.
 */
export function tone(freqHz: number, ms: number, rate: number, amplitude = 0.5): Buffer {
  return new ToneGenerator(freqHz, rate, amplitude).next(ms);
}

/** The sum of two equal-level sines (DTMF-style), each with peak `amplitude` / 2. */
export function dualTone(f1: number, f2: number, ms: number, rate: number, amplitude = 0.5): Buffer {
  checkAmplitude(amplitude);
  const count = Math.round((rate * ms) / 1000);
  const out = new Int16Array(count);
  const peak = (amplitude * 32767) / 2;
  for (let i = 0; i < count; i++) {
    out[i] = clampSample(peak * (Math.sin((2 * Math.PI * f1 * i) / rate) + Math.sin((2 * Math.PI * f2 * i) / rate)));
  }
  return fromSamples(out);
}

/** A continuous sine cut into pieces of any length, phase carried across calls. */
export class ToneGenerator {
  private sampleIndex = 0;
  private readonly peak: number;

  constructor(
    readonly freqHz: number,
    readonly rate: number,
    amplitude = 0.5,
  ) {
    checkAmplitude(amplitude);
    this.peak = amplitude * 32767;
  }

  /** The next `ms` milliseconds of the tone. */
  next(ms: number): Buffer {
    const count = Math.round((this.rate * ms) / 1000);
    const out = new Int16Array(count);
    const w = (2 * Math.PI * this.freqHz) / this.rate;
    for (let i = 0; i < count; i++) out[i] = clampSample(this.peak * Math.sin(w * (this.sampleIndex + i)));
    this.sampleIndex += count;
    return fromSamples(out);
  }
}

/**
 * Power of the component at `freq` by the Goertzel algorithm, as the mean square of that sinusoid
 * in sample units² (so a sine of peak A at `freq` gives about A²/2, the square of its RMS). Works
 * for any frequency, not only FFT bin centres. 0 for an empty buffer.
 */
export function goertzelPower(pcm: Buffer, rate: number, freq: number): number {
  const x = samples(pcm);
  const n = x.length;
  if (n === 0) return 0;
  const w = (2 * Math.PI * freq) / rate;
  const coeff = 2 * Math.cos(w);
  let s1 = 0;
  let s2 = 0;
  for (let i = 0; i < n; i++) {
    const s0 = x[i] + coeff * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  // |X(w)|² for a non-integer bin, then scaled so a sine's power reads as its mean square.
  const re = s1 - s2 * Math.cos(w);
  const im = s2 * Math.sin(w);
  return (2 * (re * re + im * im)) / (n * n);
}

/** goertzelPower in dBFS (same scale as pcm.dbfs: a sine alone reads as its RMS level). */
export function goertzelDbfs(pcm: Buffer, rate: number, freq: number): number {
  const p = goertzelPower(pcm, rate, freq);
  return p > 0 ? 10 * Math.log10(p / (FULL_SCALE * FULL_SCALE)) : -Infinity;
}

/** In-place iterative radix-2 FFT; re.length must be a power of two. */
function fft(re: Float64Array, im: Float64Array): void {
  const n = re.length;
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      [re[i], re[j]] = [re[j], re[i]];
      [im[i], im[j]] = [im[j], im[i]];
    }
  }
  for (let len = 2; len <= n; len <<= 1) {
    const ang = (-2 * Math.PI) / len;
    const wr = Math.cos(ang);
    const wi = Math.sin(ang);
    for (let i = 0; i < n; i += len) {
      let cr = 1;
      let ci = 0;
      for (let k = 0; k < len / 2; k++) {
        const a = i + k;
        const b = a + len / 2;
        const tr = re[b] * cr - im[b] * ci;
        const ti = re[b] * ci + im[b] * cr;
        re[b] = re[a] - tr;
        im[b] = im[a] - ti;
        re[a] += tr;
        im[a] += ti;
        const nr = cr * wr - ci * wi;
        ci = cr * wi + ci * wr;
        cr = nr;
      }
    }
  }
}

/** Longest stretch analysed by dominantFrequency (samples); longer input uses its middle. */
const MAX_FFT = 1 << 16;

/**
 * The frequency (Hz) with the most energy, ignoring DC and below `minHz` (20 by default):
 * Hann-windowed FFT (zero-padded to at least 8192 points) and a parabolic fit on the
 * log-magnitude peak, good to a few Hz. undefined for silence or an empty buffer.
 */
export function dominantFrequency(pcm: Buffer, rate: number, minHz = 20): number | undefined {
  let x = samples(pcm);
  if (x.length > MAX_FFT) {
    const start = (x.length - MAX_FFT) >> 1;
    x = x.subarray(start, start + MAX_FFT);
  }
  let size = 8192;
  while (size < x.length) size <<= 1;
  const re = new Float64Array(size);
  const im = new Float64Array(size);
  for (let i = 0; i < x.length; i++) {
    const hann = x.length > 1 ? 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / (x.length - 1)) : 1;
    re[i] = x[i] * hann;
  }
  fft(re, im);
  const mag = (k: number): number => re[k] * re[k] + im[k] * im[k];
  const first = Math.max(1, Math.ceil((minHz * size) / rate));
  let best = -1;
  let bestMag = 0;
  for (let k = first; k < size / 2; k++) {
    const m = mag(k);
    if (m > bestMag) {
      bestMag = m;
      best = k;
    }
  }
  if (best < 0) return undefined;
  let offset = 0;
  if (best > first && best < size / 2 - 1) {
    const a = Math.log(mag(best - 1) || 1e-30);
    const b = Math.log(bestMag);
    const c = Math.log(mag(best + 1) || 1e-30);
    const denom = a - 2 * b + c;
    if (denom !== 0) offset = (0.5 * (a - c)) / denom;
  }
  return ((best + offset) * rate) / size;
}

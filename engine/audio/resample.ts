/**
 * Sample-rate conversion by band-limited (windowed-sinc) interpolation.
 *
 * The ratio to/from is reduced to L/M; output sample n sits at input time n·M/L, split into an
 * integer sample index and one of L fractional phases. Each phase has its own precomputed FIR row
 * (Kaiser-windowed sinc) with the cut-off at 0.9 × the lower Nyquist frequency, so going down
 * (16k → 8k) removes what would alias and going up adds no images. Each row is normalised to unit
 * DC gain, which keeps the pass band flat to a few hundredths of a dB.
 *
 * The one-shot `resample` treats the signal as zero before and after. `StreamingResampler`
 * produces exactly the same samples, delayed by a fixed number of output samples so that every
 * push returns as many samples as its input spans (20 ms in, 20 ms out).
 */
import { clampSample, fromSamples, samples } from './pcm.js';

/** Zero crossings of the sinc kept on each side of the centre, at the cut-off frequency. */
const ZERO_CROSSINGS = 24;
/** Cut-off as a fraction of the lower of the two Nyquist frequencies. */
const CUTOFF = 0.9;
/** Kaiser β: about 85 dB of stop-band rejection. */
const KAISER_BETA = 8.6;
/** Above this many phases the rows are computed per output sample instead of stored. */
const MAX_TABLE_PHASES = 4096;

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/** Zeroth-order modified Bessel function of the first kind, by its power series. */
function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  const q = (x * x) / 4;
  for (let k = 1; k < 50; k++) {
    term *= q / (k * k);
    sum += term;
    if (term < sum * 1e-12) break;
  }
  return sum;
}

/** The FIR kernel shared by the one-shot and the streaming converters. */
class Kernel {
  /** Up-sampling factor L and down-sampling factor M (to/from = L/M, reduced). */
  readonly up: number;
  readonly down: number;
  /** Taps each side: output n uses input [i - half + 1, i + half] with i = floor(n·M/L). */
  readonly half: number;
  private readonly cutoff: number;
  private readonly halfWidth: number;
  private readonly i0Beta = besselI0(KAISER_BETA);
  private readonly table: Float64Array | undefined;

  constructor(fromRate: number, toRate: number) {
    const g = gcd(fromRate, toRate);
    this.up = toRate / g;
    this.down = fromRate / g;
    // Cut-off in cycles per input sample (≤ 0.5).
    this.cutoff = (CUTOFF * Math.min(fromRate, toRate)) / 2 / fromRate;
    this.halfWidth = ZERO_CROSSINGS / (2 * this.cutoff);
    this.half = Math.ceil(this.halfWidth);
    if (this.up <= MAX_TABLE_PHASES) {
      this.table = new Float64Array(this.up * 2 * this.half);
      for (let p = 0; p < this.up; p++) this.fillRow(p / this.up, this.table, p * 2 * this.half);
    }
  }

  /** Coefficients for fractional position `frac` ∈ [0, 1), tap j ↔ input i + j - half + 1. */
  private fillRow(frac: number, into: Float64Array, at: number): void {
    const taps = 2 * this.half;
    let sum = 0;
    for (let j = 0; j < taps; j++) {
      const t = frac - (j - this.half + 1); // distance from the output instant, in input samples
      const r = t / this.halfWidth;
      let h = 0;
      if (Math.abs(r) < 1) {
        const x = 2 * this.cutoff * t;
        const sinc = x === 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x);
        h = sinc * (besselI0(KAISER_BETA * Math.sqrt(1 - r * r)) / this.i0Beta);
      }
      into[at + j] = h;
      sum += h;
    }
    for (let j = 0; j < taps; j++) into[at + j] /= sum;
  }

  /** The row for phase p (0 ≤ p < up). */
  row(p: number): { coef: Float64Array; at: number } {
    if (this.table) return { coef: this.table, at: p * 2 * this.half };
    const coef = new Float64Array(2 * this.half);
    this.fillRow(p / this.up, coef, 0);
    return { coef, at: 0 };
  }

  /**
   * Output sample n (any integer, may be negative) from input `x`, where x[k] holds absolute input
   * sample `base + k` and samples outside x are zero.
   */
  sampleAt(n: number, x: Int16Array, base: number): number {
    const pos = n * this.down;
    const i = Math.floor(pos / this.up);
    const p = pos - i * this.up;
    const { coef, at } = this.row(p);
    const first = i - this.half + 1 - base;
    const jStart = Math.max(0, -first);
    const jEnd = Math.min(2 * this.half, x.length - first);
    let acc = 0;
    for (let j = jStart; j < jEnd; j++) acc += x[first + j] * coef[at + j];
    return clampSample(acc);
  }
}

const kernels = new Map<string, Kernel>();

function kernelFor(fromRate: number, toRate: number): Kernel {
  const key = `${fromRate}:${toRate}`;
  let k = kernels.get(key);
  if (!k) {
    k = new Kernel(fromRate, toRate);
    kernels.set(key, k);
  }
  return k;
}

function checkRates(fromRate: number, toRate: number): void {
  for (const r of [fromRate, toRate]) {
    if (!Number.isInteger(r) || r <= 0) throw new RangeError(`resample: rates must be positive integers, got ${r}`);
  }
}

/** Number of output samples for `inputSamples` input samples: ceil(n · to / from). */
export function resampledLength(inputSamples: number, fromRate: number, toRate: number): number {
  return Math.ceil((inputSamples * toRate) / fromRate);
}

/** Converts s16le mono PCM from one rate to another; returns a copy when the rates are equal. */
export function resample(pcm: Buffer, fromRate: number, toRate: number): Buffer {
  checkRates(fromRate, toRate);
  if (fromRate === toRate) return Buffer.from(pcm);
  const k = kernelFor(fromRate, toRate);
  const x = samples(pcm);
  const out = new Int16Array(resampledLength(x.length, fromRate, toRate));
  for (let n = 0; n < out.length; n++) out[n] = k.sampleAt(n, x, 0);
  return fromSamples(out);
}

/**
 * Resamples a stream pushed in pieces (typically 20 ms frames) without discontinuities at piece
 * boundaries.
 *
 * After pushes totalling N input samples the converter has returned exactly floor(N·to/from)
 * output samples, so 20 ms in gives 20 ms out whenever 20 ms is a whole number of samples at both
 * rates. The output is the one-shot result delayed by `delaySamples` output samples (the filter's
 * look-ahead): output[delaySamples + n] equals resample(all input)[n]. `flush()` returns the tail.
 */
export class StreamingResampler {
  readonly fromRate: number;
  readonly toRate: number;
  /** Fixed delay of the output relative to the input, in output samples. */
  readonly delaySamples: number;
  private readonly kernel: Kernel | undefined;
  /** Input samples not yet needed by any future output, starting at absolute index `base`. */
  private history: Int16Array = new Int16Array(0);
  private base = 0;
  private inputCount = 0;
  private outputCount = 0;
  /** An odd byte left over from the previous push. */
  private carry: Buffer | undefined;

  constructor(fromRate: number, toRate: number) {
    checkRates(fromRate, toRate);
    this.fromRate = fromRate;
    this.toRate = toRate;
    if (fromRate === toRate) {
      this.delaySamples = 0;
    } else {
      this.kernel = kernelFor(fromRate, toRate);
      // Enough delay that output n - delay needs no input beyond what has arrived.
      this.delaySamples = Math.ceil(((this.kernel.half + 1) * toRate) / fromRate);
    }
  }

  /** The fixed output delay in milliseconds. */
  get delayMs(): number {
    return (this.delaySamples * 1000) / this.toRate;
  }

  /** Adds input; returns the output it makes available (possibly empty). */
  push(pcm: Buffer): Buffer {
    let bytes = pcm;
    if (this.carry) {
      bytes = Buffer.concat([this.carry, pcm]);
      this.carry = undefined;
    }
    if (bytes.length % 2 === 1) {
      this.carry = Buffer.from(bytes.subarray(bytes.length - 1));
      bytes = bytes.subarray(0, bytes.length - 1);
    }
    if (!this.kernel) return Buffer.from(bytes);
    const input = samples(bytes);
    const joined = new Int16Array(this.history.length + input.length);
    joined.set(this.history);
    joined.set(input, this.history.length);
    this.history = joined;
    this.inputCount += input.length;
    const target = Math.floor((this.inputCount * this.toRate) / this.fromRate);
    return this.produce(target);
  }

  /**
   * Ends the stream: returns the remaining output so that, in total, delaySamples +
   * resampledLength(input) samples have come out. The converter is reset afterwards.
   */
  flush(): Buffer {
    if (!this.kernel) {
      this.reset();
      return Buffer.alloc(0);
    }
    const target = this.delaySamples + resampledLength(this.inputCount, this.fromRate, this.toRate);
    const out = this.produce(target);
    this.reset();
    return out;
  }

  /** Forgets all state, as if newly made. */
  reset(): void {
    this.history = new Int16Array(0);
    this.base = 0;
    this.inputCount = 0;
    this.outputCount = 0;
    this.carry = undefined;
  }

  private produce(target: number): Buffer {
    const k = this.kernel!;
    const count = Math.max(0, target - this.outputCount);
    const out = new Int16Array(count);
    for (let i = 0; i < count; i++) {
      out[i] = k.sampleAt(this.outputCount + i - this.delaySamples, this.history, this.base);
    }
    this.outputCount += count;
    this.trimHistory();
    return fromSamples(out);
  }

  /** Drops input that no future output sample can reach. */
  private trimHistory(): void {
    const k = this.kernel!;
    const nextPos = (this.outputCount - this.delaySamples) * k.down;
    const firstNeeded = Math.floor(nextPos / k.up) - k.half + 1;
    const drop = Math.min(this.history.length, firstNeeded - this.base);
    if (drop > 0) {
      this.history = this.history.slice(drop);
      this.base += drop;
    }
  }
}

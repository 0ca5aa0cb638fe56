/**
 * Voice-activity detection for telephone audio (8 or 16 kHz s16le mono), from the signal itself.
 *
 * Each 20 ms frame is measured in the speech band (300–3400 Hz, by a 2nd-order high-pass and
 * low-pass), which ignores hum, DC and, at 16 kHz, hiss above the telephone band. A frame is loud
 * enough to be speech when its band level is
 *   - above an absolute floor (`floorDbfs`), so digital near-silence never counts, and
 *   - `snrDb` above an adaptive noise floor (lowered by `hysteresisDb` while speech goes on), and
 *   - not dominated by energy outside the band (`minBandRatio` of the frame's AC energy), so
 *     low-frequency thumps and pops whose skirts leak into the band do not count.
 * Loudness alone cannot tell speech from noise that has just started (comfort noise after a
 * muted stretch, a caller walking into a noisy street): the floor needs time to learn the new
 * noise. So, as telephone VADs do, two more cues separate them:
 *   - Periodicity. Voiced speech repeats at its pitch period; broadband noise does not. A stretch
 *     of loud frames becomes speech only once it holds `minVoicedMs` of periodic frames (band
 *     autocorrelation peak over 70–400 Hz pitch lags), so it starts on the first vowel and its
 *     start is still dated from the first loud frame (an unvoiced consonant before it counts).
 *   - Stationarity. Noise keeps a steady level from frame to frame; speech has syllabic
 *     modulation. When the last 200 ms of frames are all aperiodic and their level varies by
 *     little, they are noise and the floor jumps up to them at once instead of creeping.
 * Digital silence (a muted phone, a silent SIP endpoint: all-zero frames) says nothing about the
 * line's noise: it is left out of the estimate and its windows and only lowers the floor to where
 * the absolute floor alone decides (`floorDbfs` − `snrDb`), so quiet speech right after it counts.
 * Otherwise the noise floor falls quickly to quieter frames, creeps up slowly through louder ones,
 * and is pulled up to the quietest frame of the last `noiseWindowMs` (a safety net for noise that
 * is neither steady nor aperiodic).
 *
 * Speech starts after `minSpeechMs` of consecutive loud frames including `minVoicedMs` of periodic
 * ones, and ends after `minSilenceMs` without loud frames; the reported times are where the speech
 * actually began and ended (refined to 5 ms sub-blocks), counted in samples from the first sample
 * pushed, so they do not depend on when the audio arrived. `detectedAtMs` says when the decision
 * could be made.
 *
 * Not handled: steady tones (a DTMF digit or a 1 kHz test tone in band is periodic, so
 * speech-like); whispered speech (no periodicity: never starts speech unless `minVoicedMs` is 0);
 * speech that begins within ~200 ms of a noise onset is dated from the noise onset.
 */
import { FULL_SCALE, samples } from './pcm.js';
import { SlidingMin } from './sliding-min.js';

export interface VadOptions {
  /** Sample rate of the audio pushed (8000 or 16000 typically). */
  rate: number;
  /** Analysis frame, ms (20). */
  frameMs?: number;
  /** Band level (dBFS) below which a frame is never speech (-55). */
  floorDbfs?: number;
  /** Margin over the noise floor, dB, for a frame to be speech-like (10). */
  snrDb?: number;
  /** How much lower the margin is while speech goes on, dB (3). */
  hysteresisDb?: number;
  /** Consecutive speech-like time before speech-start, ms (100). */
  minSpeechMs?: number;
  /** Time without speech-like frames before speech-end, ms (300). */
  minSilenceMs?: number;
  /** Noise floor assumed before any audio, dBFS; the first frame lowers it, never raises it (-50). */
  initialNoiseDbfs?: number;
  /**
   * Window over which the quietest frame bounds the noise floor from below, ms (3000): the longest
   * a lasting rise in noise that is neither steady nor aperiodic can hold the floor down.
   */
  noiseWindowMs?: number;
  /**
   * Periodic (voiced) time a stretch of loud frames needs before it is speech, ms (40). Broadband
   * noise has none. 0 lets any loud stretch start speech (whispers too, and noise onsets until the
   * floor has caught up).
   */
  minVoicedMs?: number;
  /**
   * Minimum share of the frame's AC energy inside 300–3400 Hz (0.1): rejects rumble and pops.
   * Kept low because voiced speech from a wideband phone can carry most of its energy in the
   * fundamental, below 300 Hz.
   */
  minBandRatio?: number;
  /** Called for every analysed frame (for tuning and diagnostics). */
  onFrame?: (frame: VadFrame) => void;
}

export interface VadFrame {
  /** Start of the frame, ms from the first sample. */
  atMs: number;
  /** Level in 300–3400 Hz, dBFS (-120 for digital silence). */
  bandDbfs: number;
  noiseFloorDbfs: number;
  /** Share of the frame's AC energy inside the band. */
  bandRatio: number;
  /** Zero crossings per sample of the band-passed signal. */
  zeroCrossingRate: number;
  /**
   * Peak normalised autocorrelation of the band signal over pitch lags (2.5–14 ms), 0–1: about 0.2
   * for noise, 0.8–1 for voiced speech. 0 (not computed) for frames under `floorDbfs`.
   */
  periodicity: number;
  /** All-zero (or DC only) frame: no information about the line noise. */
  digitalSilence: boolean;
  /**
   * The frame counts as speech: loud enough (see the module comment) and periodic, or part of a
   * loud stretch that has been periodic, or inside speech already.
   */
  speechLike: boolean;
  speaking: boolean;
}

export type VadEvent =
  | { type: 'speech-start'; atMs: number; sample: number; detectedAtMs: number }
  | { type: 'speech-end'; atMs: number; sample: number; detectedAtMs: number; speechMs: number };

const SILENT_DB = -120;
const NO_SAMPLES = new Int16Array(0);
/**
 * What push() returns when no event completes (nearly every frame): one shared, frozen list, so
 * the usual frame allocates none.
 */
const NO_EVENTS: readonly VadEvent[] = Object.freeze([]);
const SUB_BLOCK_MS = 5;
/** Noise floor movement per frame, dB. */
const FALL_FACTOR = 0.5;
const RISE_IN_NOISE_DB = 0.3;
const RISE_IN_SPEECH_DB = 0.02;
/** The quietest recent frame minus this bounds the noise floor from below. */
const WINDOW_MIN_MARGIN_DB = 3;
/**
 * A frame whose AC level is at most this (2 LSB RMS) is digital silence. Any analog line, even
 * through G.711 (whose smallest step is 8 LSB), is louder; an idle encoder or muted phone is not.
 */
const DIGITAL_SILENCE_MEAN_SQUARE = 4;
/**
 * Autocorrelation peak from which a frame is periodic. Measured: white and pink noise stay under
 * 0.35; voiced frames of the speech fixtures are mostly 0.8–1, and over 90% of them stay above
 * 0.6 at 10 dB SNR in pink noise (speech-start needs only 2 of them).
 */
const PERIODIC_CORRELATION = 0.6;
/** Pitch lags searched: 400 Hz down to 70 Hz. */
const MIN_PITCH_PERIOD_S = 1 / 400;
const MAX_PITCH_PERIOD_S = 1 / 70;
/**
 * Stationarity test: over this much audio (not digital silence), no periodic frame and a band
 * level standard deviation of at most STATIONARY_STD_DB means noise. Measured on 20 ms frames:
 * white noise 0.2–0.6 dB, the pink noise fixture 0.4–0.9 dB, unvoiced stretches of speech 2.8 dB
 * and more (syllables come and go several times a second).
 */
const STATIONARY_MS = 200;
const STATIONARY_STD_DB = 1.5;
/**
 * Every this many samples (a multiple of 4: the unrolled loop's step), correlation() checks
 * whether the lag can still reach the threshold. 32 halves the products summed over speech and
 * noise; checking more often saves few more.
 */
const PRUNE_BLOCK = 32;
/** How far under the threshold a bound must be to drop a lag: far more than rounding moves it. */
const PRUNE_MARGIN = 1e-6;
/**
 * Frames of band samples kept after the history before it is moved back (see advanceBand()).
 * One: the history is then copied back on every frame (228 numbers at 16 kHz), but the buffer
 * stays 4.4 KB instead of 22 KB. With 500 calls the detectors' buffers are what falls out of the
 * CPU caches between two frames of a call: with 8 frames of room, the engine needed 99-102% of a
 * core for 500 streaming callers; with 1, 96-98% (bench/engine-load.ts, 3 runs each).
 */
const BAND_FRAMES = 1;

/** RBJ audio-EQ cookbook coefficients of a biquad section, normalised by a0. */
interface Section {
  b0: number;
  b1: number;
  b2: number;
  a1: number;
  a2: number;
}

function highPass(rate: number, freq: number, q = Math.SQRT1_2): Section {
  const w = (2 * Math.PI * freq) / rate;
  const alpha = Math.sin(w) / (2 * q);
  const cos = Math.cos(w);
  const a0 = 1 + alpha;
  return { b0: (1 + cos) / 2 / a0, b1: -(1 + cos) / a0, b2: (1 + cos) / 2 / a0, a1: (-2 * cos) / a0, a2: (1 - alpha) / a0 };
}

function lowPass(rate: number, freq: number, q = Math.SQRT1_2): Section {
  const w = (2 * Math.PI * freq) / rate;
  const alpha = Math.sin(w) / (2 * q);
  const cos = Math.cos(w);
  const a0 = 1 + alpha;
  return { b0: (1 - cos) / 2 / a0, b1: (1 - cos) / a0, b2: (1 - cos) / 2 / a0, a1: (-2 * cos) / a0, a2: (1 - alpha) / a0 };
}

/**
 * The speech band: a high-pass then a low-pass section in direct form I, with their memory.
 * analyse() runs both inside its one pass over the frame (the VAD's hot loop, on every frame of
 * every call), holding coefficients and memory in locals.
 */
class BandFilter {
  /** Memory: high-pass inputs and outputs, then low-pass outputs (its inputs are hy1, hy2). */
  hx1 = 0;
  hx2 = 0;
  hy1 = 0;
  hy2 = 0;
  ly1 = 0;
  ly2 = 0;
  constructor(
    readonly hp: Section,
    readonly lp: Section,
  ) {}

  /** True when the memory is all zero: zero in gives exactly zero out. */
  get atRest(): boolean {
    return this.hx1 === 0 && this.hx2 === 0 && this.hy1 === 0 && this.hy2 === 0 && this.ly1 === 0 && this.ly2 === 0;
  }
}

function isDigitalZero(frame: Int16Array): boolean {
  for (let i = 0; i < frame.length; i++) if (frame[i] !== 0) return false;
  return true;
}

/** Sign changes between neighbouring samples of band[offset, offset + n). */
function zeroCrossings(band: Float64Array, offset: number, n: number): number {
  let crossings = 0;
  for (let i = offset + 1; i < offset + n; i++) if ((band[i] >= 0) !== (band[i - 1] >= 0)) crossings++;
  return crossings;
}

function toDb(meanSquare: number): number {
  return meanSquare > 0 ? Math.max(SILENT_DB, 10 * Math.log10(meanSquare / (FULL_SCALE * FULL_SCALE))) : SILENT_DB;
}

interface FrameAnalysis {
  bandDb: number;
  digitalSilence: boolean;
  periodicity: number;
  bandRatio: number;
  zcr: number;
  /** Band level of each 5 ms sub-block, dBFS. */
  readonly subDb: Float64Array;
}

function newAnalysis(subBlocks: number): FrameAnalysis {
  return { bandDb: SILENT_DB, digitalSilence: true, periodicity: 0, bandRatio: 0, zcr: 0, subDb: new Float64Array(subBlocks) };
}

export class VoiceActivityDetector {
  readonly rate: number;
  private readonly frameSamples: number;
  private readonly subSamples: number;
  private readonly floorDbfs: number;
  private readonly snrDb: number;
  private readonly hysteresisDb: number;
  private readonly minSpeechFrames: number;
  private readonly minVoicedFrames: number;
  private readonly minSilenceFrames: number;
  private readonly initialNoiseDbfs: number;
  private readonly minBandRatio: number;
  private readonly onFrame: ((frame: VadFrame) => void) | undefined;
  private readonly windowFrames: number;
  private readonly stationaryFrames: number;
  /** Periodicity is measured on every `pitchStep`-th sample: about 8 kHz whatever the rate. */
  private readonly pitchStep: number;
  private readonly minLag: number;
  private readonly maxLag: number;

  private filter!: BandFilter;
  /** Band-passed samples before the current frame that periodicity() looks back over. */
  private readonly history: number;
  /**
   * Band-passed samples, ending at `bandEnd` with the last frame analysed; room for
   * BAND_FRAMES frames after the history.
   */
  private band!: Float64Array;
  private bandEnd = 0;
  /** The lag (at the pitch step) of the last periodicity peak found; 0 before any. */
  private bestLag = 0;
  /** periodicity()'s scratch: band at the pitch step, lags first, and its running sum of squares. */
  private pitchBuffer!: Float64Array;
  private pitchEnergy!: Float64Array;
  /** How many of the samples before bandEnd are known to be zero (history's worth: nothing to add). */
  private bandZeros = 0;
  private pending = NO_SAMPLES;
  private carry: Buffer | undefined;
  private frameIndex = 0;
  private noiseDb = NaN;
  /** The quietest band level of the last `windowFrames` frames (not digital silence). */
  private recent!: SlidingMin;
  /** Band level and periodicity of the last frames that were not digital silence. */
  private steadyDb!: Float64Array;
  private steadyPeriodic!: Uint8Array;
  private steadyCount = 0;
  private steadyNext = 0;
  /** Periodic frames among the steady window's. */
  private steadyPeriodicFrames = 0;
  private isSpeaking = false;
  /** Run of loud frames while not speaking: first frame index, or -1. */
  private onsetFrame = -1;
  private onsetSample = 0;
  /** Periodic frames in that run. */
  private onsetVoiced = 0;
  private silentFrames = 0;
  private lastSpeechFrame = -1;
  /** Sub-block levels of the last speech-like frame while speaking (a copy). */
  private readonly lastSpeechSubDb: Float64Array;
  private speechStartSample = 0;
  private previous: FrameAnalysis | undefined;
  /**
   * Two analyses that analyse() fills in turn: the one it fills is never `previous`, which the
   * next frame's refineStart() reads. No objects are made per frame.
   */
  private readonly analyses: [FrameAnalysis, FrameAnalysis];
  /** Events of the push() under way: NO_EVENTS until one completes. */
  private events: readonly VadEvent[] = NO_EVENTS;
  private lastSpeechLike = false;
  /** The threshold in force when the last speech-like frame was judged. */
  private lastThresholdDb = 0;
  /** What analyse() finds in a whole all-zero frame through filters at rest (shared, read-only). */
  private readonly zeroAnalysis: FrameAnalysis;
  /** A whole frame of digital zero, as bytes and as samples (shared, read-only). */
  private readonly zeroBytes: Buffer;
  private readonly zeroSamples: Int16Array;

  constructor(opts: VadOptions) {
    if (!(opts.rate >= 4000)) throw new RangeError(`VAD rate must be at least 4000 Hz, got ${opts.rate}`);
    this.rate = opts.rate;
    const frameMs = opts.frameMs ?? 20;
    this.frameSamples = Math.round((this.rate * frameMs) / 1000);
    this.subSamples = Math.max(1, Math.round((this.rate * SUB_BLOCK_MS) / 1000));
    this.floorDbfs = opts.floorDbfs ?? -55;
    this.snrDb = opts.snrDb ?? 10;
    this.hysteresisDb = opts.hysteresisDb ?? 3;
    this.minSpeechFrames = Math.max(1, Math.round((opts.minSpeechMs ?? 100) / frameMs));
    this.minVoicedFrames = Math.max(0, Math.round((opts.minVoicedMs ?? 40) / frameMs));
    this.minSilenceFrames = Math.max(1, Math.round((opts.minSilenceMs ?? 300) / frameMs));
    this.initialNoiseDbfs = opts.initialNoiseDbfs ?? -50;
    this.minBandRatio = opts.minBandRatio ?? 0.1;
    this.windowFrames = Math.max(1, Math.round((opts.noiseWindowMs ?? 3000) / frameMs));
    this.stationaryFrames = Math.max(2, Math.round(STATIONARY_MS / frameMs));
    this.pitchStep = Math.max(1, Math.floor(this.rate / 8000));
    this.minLag = Math.max(1, Math.round((this.rate * MIN_PITCH_PERIOD_S) / this.pitchStep));
    this.maxLag = Math.max(this.minLag, Math.round((this.rate * MAX_PITCH_PERIOD_S) / this.pitchStep));
    this.history = this.maxLag * this.pitchStep;
    this.onFrame = opts.onFrame;
    this.zeroBytes = Buffer.alloc(this.frameSamples * 2);
    this.zeroSamples = new Int16Array(this.frameSamples);
    const subBlocks = Math.ceil(this.frameSamples / this.subSamples);
    this.zeroAnalysis = Object.freeze({
      bandDb: SILENT_DB,
      digitalSilence: true,
      periodicity: 0,
      bandRatio: 0,
      zcr: 0,
      subDb: new Float64Array(subBlocks).fill(SILENT_DB),
    });
    this.analyses = [newAnalysis(subBlocks), newAnalysis(subBlocks)];
    this.lastSpeechSubDb = new Float64Array(subBlocks);
    this.reset();
  }

  /** True between speech-start and speech-end. */
  get speaking(): boolean {
    return this.isSpeaking;
  }

  /** Whether the last frame analysed counted as speech (VadFrame.speechLike), without onFrame. */
  get frameSpeechLike(): boolean {
    return this.lastSpeechLike;
  }

  /** The current noise floor estimate, dBFS (NaN before the first frame). */
  get noiseFloorDbfs(): number {
    return this.noiseDb;
  }

  /** Audio analysed so far, ms. */
  get positionMs(): number {
    return this.ms(this.frameIndex * this.frameSamples);
  }

  /** Forgets all state, as if newly made. */
  reset(): void {
    const rate = this.rate;
    this.filter = new BandFilter(highPass(rate, 300), lowPass(rate, Math.min(3400, rate * 0.45)));
    this.band = new Float64Array(this.history + BAND_FRAMES * this.frameSamples);
    this.bandEnd = this.history;
    this.bandZeros = this.history;
    this.pitchBuffer = new Float64Array(this.maxLag + Math.ceil(this.frameSamples / this.pitchStep));
    this.pitchEnergy = new Float64Array(this.pitchBuffer.length + 1);
    this.pending = NO_SAMPLES;
    this.carry = undefined;
    this.frameIndex = 0;
    this.noiseDb = NaN;
    // Rings, not arrays shifted every frame: this runs on every frame of every call.
    this.recent = new SlidingMin(this.windowFrames);
    this.steadyDb = new Float64Array(this.stationaryFrames);
    this.steadyPeriodic = new Uint8Array(this.stationaryFrames);
    this.steadyCount = this.steadyNext = this.steadyPeriodicFrames = 0;
    this.isSpeaking = false;
    this.onsetFrame = -1;
    this.onsetVoiced = 0;
    this.silentFrames = 0;
    this.lastSpeechFrame = -1;
    this.previous = undefined;
    this.bestLag = 0;
    this.lastSpeechLike = false;
  }

  /** Analyses more audio (any length); returns the events it completes. */
  push(pcm: Buffer): readonly VadEvent[] {
    // One whole frame of digital zero, nothing pending: analysed from a shared zero frame, with
    // no view to allocate (a silent call pushes 50 of these a second).
    // The end bytes first: a frame of line noise fails there without a native call.
    const zeroBytes = this.zeroBytes;
    this.events = NO_EVENTS;
    if (this.carry === undefined && this.pending.length === 0 && pcm.length === zeroBytes.length && pcm[0] === 0 && pcm[pcm.length - 1] === 0 && pcm.equals(zeroBytes)) {
      this.processFrame(this.zeroSamples);
      return this.events;
    }
    let bytes = pcm;
    if (this.carry) {
      bytes = Buffer.concat([this.carry, pcm]);
      this.carry = undefined;
    }
    if (bytes.length % 2 === 1) {
      this.carry = Buffer.from(bytes.subarray(bytes.length - 1));
      bytes = bytes.subarray(0, bytes.length - 1);
    }
    const input = samples(bytes);
    // Whole frames pushed one at a time (the usual case) are analysed in place, without a copy.
    let all = input;
    if (this.pending.length > 0) {
      all = new Int16Array(this.pending.length + input.length);
      all.set(this.pending);
      all.set(input, this.pending.length);
    }
    let at = 0;
    for (; at + this.frameSamples <= all.length; at += this.frameSamples) {
      // A whole frame pushed alone (the usual case) is analysed as it is: no view made for it.
      this.processFrame(all.length === this.frameSamples ? all : all.subarray(at, at + this.frameSamples));
    }
    this.pending = at === all.length ? NO_SAMPLES : all.slice(at);
    return this.events;
  }

  /** Ends the stream: analyses what is buffered and closes open speech. Then resets. */
  flush(): readonly VadEvent[] {
    this.events = NO_EVENTS;
    if (this.pending.length > 0) {
      const last = new Int16Array(this.frameSamples);
      last.set(this.pending);
      this.processFrame(last);
    }
    if (this.isSpeaking) this.emit(this.endEvent(undefined));
    const events = this.events;
    this.reset();
    return events;
  }

  private emit(event: VadEvent): void {
    this.events = this.events === NO_EVENTS ? [event] : [...this.events, event];
  }

  private ms(sample: number): number {
    return (sample * 1000) / this.rate;
  }

  private analyse(frame: Int16Array): FrameAnalysis {
    const n = frame.length;
    const filter = this.filter;
    // Digital zero through filters at rest gives zeros everywhere: skip the arithmetic. This is
    // most frames of a silent caller on a Local channel, a muted phone, and the engine's own
    // gap filling, so it is where most of a quiet call's time would go. Once the history is all
    // zeros, the band is left as it is.
    if (n === this.frameSamples && filter.atRest && (frame === this.zeroSamples || isDigitalZero(frame))) {
      if (this.bandZeros < this.history) {
        const at = this.advanceBand(n);
        this.band.fill(0, at, at + n);
        this.bandZeros += n;
      }
      return this.zeroAnalysis;
    }
    this.bandZeros = 0;
    const a = this.previous === this.analyses[0] ? this.analyses[1] : this.analyses[0];
    const subDb = a.subDb;
    const offset = this.advanceBand(n);
    const band = this.band;
    let mean = 0;
    for (let i = 0; i < n; i++) mean += frame[i];
    mean /= n;
    // One pass: both filter sections, the frame's AC and band energy and the sub-block levels.
    // The arithmetic, and its order, is that of filtering the whole frame through one section,
    // then the other, then measuring.
    const { b0: hb0, b1: hb1, b2: hb2, a1: ha1, a2: ha2 } = filter.hp;
    const { b0: lb0, b1: lb1, b2: lb2, a1: la1, a2: la2 } = filter.lp;
    let { hx1, hx2, hy1, hy2, ly1, ly2 } = filter;
    let total = 0;
    let bandEnergy = 0;
    for (let start = 0, k = 0; start < n; start += this.subSamples, k++) {
      const end = Math.min(start + this.subSamples, n);
      let sub = 0;
      for (let i = start; i < end; i++) {
        const x = frame[i];
        const h = hb0 * x + hb1 * hx1 + hb2 * hx2 - ha1 * hy1 - ha2 * hy2;
        const y = lb0 * h + lb1 * hy1 + lb2 * hy2 - la1 * ly1 - la2 * ly2;
        hx2 = hx1;
        hx1 = x;
        hy2 = hy1;
        hy1 = h;
        ly2 = ly1;
        ly1 = y;
        band[offset + i] = y;
        const ac = x - mean;
        total += ac * ac;
        bandEnergy += y * y;
        sub += y * y;
      }
      subDb[k] = toDb(sub / (end - start));
      // Flush to zero: after speech then digital silence the memory decays towards subnormal
      // numbers, which cost ~20x more per operation on x86 and never quite reach 0 (seen in the
      // benchmarks: ~100 µs instead of ~5 µs a frame for the rest of the call). Checked once a
      // sub-block, not per sample (that took a seventh of the VAD's time): in 5 ms the memory
      // shrinks by a factor of 1e-33 at most (the 3400 Hz section's), so from under 1e-20, far
      // below one LSB, it never nears the subnormal range (under 2.2e-308). The inputs (hx) are
      // whole samples.
      if (hy1 < 1e-20 && hy1 > -1e-20) hy1 = 0;
      if (hy2 < 1e-20 && hy2 > -1e-20) hy2 = 0;
      if (ly1 < 1e-20 && ly1 > -1e-20) ly1 = 0;
      if (ly2 < 1e-20 && ly2 > -1e-20) ly2 = 0;
    }
    filter.hx1 = hx1;
    filter.hx2 = hx2;
    filter.hy1 = hy1;
    filter.hy2 = hy2;
    filter.ly1 = ly1;
    filter.ly2 = ly2;
    const bandDb = toDb(bandEnergy / n);
    a.bandDb = bandDb;
    a.digitalSilence = total / n <= DIGITAL_SILENCE_MEAN_SQUARE;
    // Only where it can matter: it is the costly part.
    a.periodicity = bandDb >= this.floorDbfs ? this.periodicity(offset, n) : 0;
    a.bandRatio = total > 0 ? Math.min(1, bandEnergy / total) : 0;
    // Only a frame listener reads it: counted from the band samples then, not in the loop above.
    a.zcr = this.onFrame ? zeroCrossings(band, offset, n) / n : 0;
    return a;
  }

  /**
   * Makes room for `n` more band samples after the history and returns where they go. When the
   * buffer is full, the history is moved back to its start (one copy every BAND_FRAMES frames).
   */
  private advanceBand(n: number): number {
    if (this.bandEnd + n > this.band.length) {
      this.band.copyWithin(0, this.bandEnd - this.history, this.bandEnd);
      this.bandEnd = this.history;
    }
    const at = this.bandEnd;
    this.bandEnd += n;
    return at;
  }

  /**
   * Peak normalised autocorrelation of the current frame's band signal against its past. The
   * detector itself only asks whether it reaches PERIODIC_CORRELATION: unless someone reads the
   * value (onFrame), the search starts at the last frame's best lag and stops at the first lag
   * that reaches it, so a voiced frame usually costs one lag instead of ~100, and a lag that
   * cannot reach it is dropped part way (see correlation()). It is the costly part of a loud
   * frame.
   */
  private periodicity(offset: number, n: number): number {
    const band = this.band;
    const step = this.pitchStep;
    // The band signal at the pitch step, oldest first, in one contiguous array: the lag loops
    // below then read memory in order.
    const c = this.pitchBuffer;
    const base = offset - this.maxLag * step;
    const len = this.maxLag + Math.ceil(n / step);
    for (let j = 0; j < len; j++) c[j] = band[base + j * step];
    // Energy of any window from a running sum of squares, so each lag costs one product per
    // sample instead of two: energy(a..b) = sq[b] - sq[a].
    const sq = this.pitchEnergy;
    sq[0] = 0;
    for (let j = 0; j < len; j++) sq[j + 1] = sq[j] + c[j] * c[j];
    const e0 = sq[len] - sq[this.maxLag];
    const enough = this.onFrame ? Infinity : PERIODIC_CORRELATION;
    // The last best lag first; when it falls short it is the best so far, and not tried again.
    const hint = enough !== Infinity && this.bestLag >= this.minLag ? this.bestLag : 0;
    let best = hint > 0 ? this.correlation(hint, len, e0, enough) : 0;
    if (best >= enough) return best;
    for (let lag = this.minLag; lag <= this.maxLag; lag++) {
      if (lag === hint) continue;
      const r = this.correlation(lag, len, e0, enough);
      if (r > best) {
        best = r;
        this.bestLag = lag;
        if (best >= enough) break;
      }
    }
    return best;
  }

  /**
   * Normalised correlation of the frame (pitchBuffer from maxLag on, energy e0) with itself `lag`
   * samples earlier; 0 when not positive.
   *
   * When only "does it reach `enough`?" matters (enough < Infinity), the sum stops early once it
   * cannot: by Cauchy-Schwarz the products still to add sum to at most the square root of the
   * two windows' remaining energies (known from the running sums of squares). What is returned
   * then is that upper bound, which is below `enough`. Noise and unvoiced frames, which try every
   * lag, mostly stop half way; a lag that does reach `enough` is always summed in full, in the
   * same order, so the verdict is the same as without the shortcut.
   */
  private correlation(lag: number, len: number, e0: number, enough: number): number {
    const c = this.pitchBuffer;
    const sq = this.pitchEnergy;
    const first = this.maxLag;
    const e1 = sq[len - lag] - sq[first - lag];
    if (!(e1 > 0)) return 0;
    const norm = Math.sqrt(e0 * e1);
    // Four partial sums: one running sum waits on each addition before the next (the loop's
    // speed limit); four let the CPU overlap them.
    let xy0 = 0;
    let xy1 = 0;
    let xy2 = 0;
    let xy3 = 0;
    let k = first;
    let check = enough === Infinity ? len : first + PRUNE_BLOCK;
    for (; k + 3 < len; k += 4) {
      if (k >= check) {
        check += PRUNE_BLOCK;
        const rest = Math.sqrt(Math.max(0, sq[len] - sq[k]) * Math.max(0, sq[len - lag] - sq[k - lag]));
        const bound = (xy0 + xy1 + (xy2 + xy3) + rest) / norm;
        // The margin covers rounding: the energies come from differences of running sums, and
        // the bound and the full sum add in different orders.
        if (bound < enough - PRUNE_MARGIN) return Math.max(0, bound);
      }
      xy0 += c[k] * c[k - lag];
      xy1 += c[k + 1] * c[k + 1 - lag];
      xy2 += c[k + 2] * c[k + 2 - lag];
      xy3 += c[k + 3] * c[k + 3 - lag];
    }
    for (; k < len; k++) xy0 += c[k] * c[k - lag];
    const xy = xy0 + xy1 + (xy2 + xy3);
    return xy > 0 ? xy / norm : 0;
  }

  private processFrame(frame: Int16Array): void {
    const a = this.analyse(frame);
    const frameStart = this.frameIndex * this.frameSamples;
    if (a.digitalSilence) {
      // Nothing masks speech now, but nothing is known about the line's noise either.
      const known = Number.isNaN(this.noiseDb) ? this.initialNoiseDbfs : this.noiseDb;
      this.noiseDb = Math.min(known, this.floorDbfs - this.snrDb);
    } else if (Number.isNaN(this.noiseDb)) {
      this.noiseDb = Math.min(a.bandDb, this.initialNoiseDbfs);
    }

    const thresholdDb = this.noiseDb + this.snrDb - (this.isSpeaking ? this.hysteresisDb : 0);
    const loud = a.bandDb >= this.floorDbfs && a.bandDb >= thresholdDb && a.bandRatio >= this.minBandRatio;
    const periodic = a.periodicity >= PERIODIC_CORRELATION;

    if (loud && !this.isSpeaking) {
      if (this.onsetFrame < 0) {
        this.onsetFrame = this.frameIndex;
        this.onsetSample = frameStart + this.refineStart(a, thresholdDb);
        this.onsetVoiced = 0;
      }
      if (periodic) this.onsetVoiced++;
    }
    const speechLike = loud && (this.isSpeaking || this.onsetVoiced > 0 || this.minVoicedFrames === 0);
    this.lastSpeechLike = speechLike;
    if (!a.digitalSilence) this.updateNoiseFloor(a.bandDb, speechLike, periodic);

    if (loud) {
      this.lastThresholdDb = thresholdDb;
      this.silentFrames = 0;
      if (this.isSpeaking) {
        this.lastSpeechFrame = this.frameIndex;
        this.lastSpeechSubDb.set(a.subDb);
      } else if (
        this.frameIndex - this.onsetFrame + 1 >= this.minSpeechFrames &&
        this.onsetVoiced >= this.minVoicedFrames
      ) {
        this.isSpeaking = true;
        this.speechStartSample = this.onsetSample;
        this.lastSpeechFrame = this.frameIndex;
        this.lastSpeechSubDb.set(a.subDb);
        this.emit({
          type: 'speech-start',
          sample: this.onsetSample,
          atMs: this.ms(this.onsetSample),
          detectedAtMs: this.ms(frameStart + frame.length),
        });
      }
    } else {
      this.onsetFrame = -1;
      this.onsetVoiced = 0;
      if (this.isSpeaking && ++this.silentFrames >= this.minSilenceFrames) {
        this.emit(this.endEvent(frameStart + frame.length));
      }
    }

    this.onFrame?.({
      atMs: this.ms(frameStart),
      bandDbfs: a.bandDb,
      noiseFloorDbfs: this.noiseDb,
      bandRatio: a.bandRatio,
      zeroCrossingRate: a.zcr,
      periodicity: a.periodicity,
      digitalSilence: a.digitalSilence,
      speechLike,
      speaking: this.isSpeaking,
    });
    this.previous = a;
    this.frameIndex++;
  }

  /**
   * Offset (samples, may be negative) of the first sub-block over the threshold in the first
   * speech-like frame, walking back into the previous frame while its sub-blocks are loud too.
   */
  private refineStart(a: FrameAnalysis, thresholdDb: number): number {
    let first = a.subDb.findIndex((db) => db >= thresholdDb);
    if (first < 0) first = 0;
    if (first === 0 && this.previous) {
      const prev = this.previous.subDb;
      let k = prev.length;
      while (k > 0 && prev[k - 1] >= thresholdDb) k--;
      return (k - prev.length) * this.subSamples;
    }
    return first * this.subSamples;
  }

  private endEvent(detectedAt: number | undefined): VadEvent {
    // The end of the last sub-block over the threshold in the last speech-like frame.
    let last = this.lastSpeechSubDb.length - 1;
    while (last > 0 && this.lastSpeechSubDb[last] < this.lastThresholdDb) last--;
    const endInFrame = Math.min((last + 1) * this.subSamples, this.frameSamples);
    const endSample = this.lastSpeechFrame * this.frameSamples + endInFrame;
    this.isSpeaking = false;
    this.silentFrames = 0;
    this.onsetFrame = -1;
    const detected = detectedAt ?? this.frameIndex * this.frameSamples;
    return {
      type: 'speech-end',
      sample: endSample,
      atMs: this.ms(endSample),
      detectedAtMs: this.ms(detected),
      speechMs: this.ms(endSample - this.speechStartSample),
    };
  }

  /** Not called for digital silence: it tells nothing about the noise. */
  private updateNoiseFloor(db: number, speechLike: boolean, periodic: boolean): void {
    if (db < this.noiseDb) this.noiseDb += FALL_FACTOR * (db - this.noiseDb);
    else this.noiseDb += Math.min(db - this.noiseDb, speechLike ? RISE_IN_SPEECH_DB : RISE_IN_NOISE_DB);

    // Steady, aperiodic frames are noise, however loud: the floor catches up with them at once.
    const n = this.stationaryFrames;
    const at = this.steadyNext;
    if (this.steadyCount === n) this.steadyPeriodicFrames -= this.steadyPeriodic[at];
    else this.steadyCount++;
    this.steadyDb[at] = db;
    this.steadyPeriodic[at] = periodic ? 1 : 0;
    this.steadyPeriodicFrames += this.steadyPeriodic[at];
    this.steadyNext = (at + 1) % n;
    if (this.steadyCount === n && this.steadyPeriodicFrames === 0) {
      // Summed oldest first, as the frames came (from steadyNext to the end, then from 0).
      const ring = this.steadyDb;
      const oldest = this.steadyNext;
      let sum = 0;
      for (let i = oldest; i < n; i++) sum += ring[i];
      for (let i = 0; i < oldest; i++) sum += ring[i];
      const mean = sum / n;
      // The spread only matters when the floor would rise: on steady line noise the floor is at
      // or above the window's mean in about two windows of three, which skip it.
      if (mean > this.noiseDb) {
        let squares = 0;
        for (let i = oldest; i < n; i++) squares += (ring[i] - mean) ** 2;
        for (let i = 0; i < oldest; i++) squares += (ring[i] - mean) ** 2;
        if (Math.sqrt(squares / n) <= STATIONARY_STD_DB) this.noiseDb = mean;
      }
    }

    this.recent.push(db);
    if (this.recent.full) {
      const min = this.recent.min;
      if (min - WINDOW_MIN_MARGIN_DB > this.noiseDb) this.noiseDb = min - WINDOW_MIN_MARGIN_DB;
    }
  }
}

/** Speech segments of a whole recording, ms from its start (runs a VoiceActivityDetector). */
export function detectSpeechSegments(
  pcm: Buffer,
  rate: number,
  opts: Omit<VadOptions, 'rate'> = {},
): Array<{ startMs: number; endMs: number }> {
  const vad = new VoiceActivityDetector({ ...opts, rate });
  const segments: Array<{ startMs: number; endMs: number }> = [];
  let start: number | undefined;
  for (const e of [...vad.push(pcm), ...vad.flush()]) {
    if (e.type === 'speech-start') start = e.atMs;
    else if (start !== undefined) {
      segments.push({ startMs: start, endMs: e.atMs });
      start = undefined;
    }
  }
  return segments;
}

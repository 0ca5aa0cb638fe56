/**
 * The fake agent's ears: a plain energy detector over linear16 audio, in 20 ms frames.
 *
 * A frame is "voiced" when its RMS level is at or above `thresholdDbfs` (default -35 dBFS, well
 * above telephone line noise and well below speech at telephone levels, around -20 dBFS). A turn
 * starts after `onsetMs` of consecutive voiced frames (default 60 ms, so a click does not count)
 * and ends after `hangoverMs` of consecutive unvoiced frames (default 400 ms, a short pause
 * between words does not end it). Times are audio time: milliseconds of audio received since the
 * first frame, so results do not depend on how fast the audio was pushed.
 *
 * This is not Deepgram's endpointing; it is just enough to answer a caller the way the service
 * does (UserStartedSpeaking at onset, the answer after the end of speech). It is deliberately not
 * the engine's VAD (engine/audio/vad.ts): a fake of the outside world must not share the engine's
 * mistakes, or a test could pass because both sides are wrong the same way.
 */

export interface EnergyTurnDetectorOptions {
  sampleRate: number;
  frameMs?: number;
  thresholdDbfs?: number;
  onsetMs?: number;
  hangoverMs?: number;
}

export type TurnEvent =
  /** `atMs`: start of the first voiced frame of the turn. */
  | { type: 'speech_start'; atMs: number }
  /** `atMs`: end of the last voiced frame of the turn. */
  | { type: 'speech_end'; atMs: number };

/** RMS level of linear16 samples in dBFS (full-scale sine = -3 dBFS); -Infinity for silence. */
export function levelDbfs(pcm: Buffer): number {
  const samples = Math.floor(pcm.length / 2);
  if (samples === 0) return -Infinity;
  let sum = 0;
  for (let i = 0; i < samples; i++) {
    const s = pcm.readInt16LE(i * 2);
    sum += s * s;
  }
  const rms = Math.sqrt(sum / samples);
  return rms === 0 ? -Infinity : 20 * Math.log10(rms / 32768);
}

export class EnergyTurnDetector {
  private readonly frameBytes: number;
  private readonly frameMs: number;
  private readonly thresholdDbfs: number;
  private readonly onsetFrames: number;
  private readonly hangoverFrames: number;
  private pending: Buffer = Buffer.alloc(0);
  private frameIndex = 0;
  private voicedRun = 0;
  private unvoicedRun = 0;
  private runStartFrame = 0;
  private lastVoicedFrame = -1;
  private speaking = false;

  constructor(options: EnergyTurnDetectorOptions) {
    this.frameMs = options.frameMs ?? 20;
    this.frameBytes = Math.round((options.sampleRate * this.frameMs) / 1000) * 2;
    this.thresholdDbfs = options.thresholdDbfs ?? -35;
    this.onsetFrames = Math.max(1, Math.ceil((options.onsetMs ?? 60) / this.frameMs));
    this.hangoverFrames = Math.max(1, Math.ceil((options.hangoverMs ?? 400) / this.frameMs));
  }

  /** Whether a turn is open (onset seen, end not yet). */
  get inSpeech(): boolean {
    return this.speaking;
  }

  /** Milliseconds of audio analysed so far. */
  get audioMs(): number {
    return this.frameIndex * this.frameMs;
  }

  /** Feeds audio of any length; whole frames are analysed, the rest waits for the next push. */
  push(pcm: Buffer): TurnEvent[] {
    const data = this.pending.length === 0 ? pcm : Buffer.concat([this.pending, pcm]);
    const events: TurnEvent[] = [];
    let offset = 0;
    for (; offset + this.frameBytes <= data.length; offset += this.frameBytes) {
      this.analyse(data.subarray(offset, offset + this.frameBytes), events);
    }
    // Copy the remainder: the caller may reuse its buffer.
    this.pending = Buffer.from(data.subarray(offset));
    return events;
  }

  /** The audio stopped: an open turn ends at its last voiced frame. */
  flush(): TurnEvent[] {
    this.pending = Buffer.alloc(0);
    if (!this.speaking) return [];
    this.speaking = false;
    this.voicedRun = 0;
    this.unvoicedRun = 0;
    return [{ type: 'speech_end', atMs: (this.lastVoicedFrame + 1) * this.frameMs }];
  }

  private analyse(frame: Buffer, events: TurnEvent[]): void {
    const voiced = levelDbfs(frame) >= this.thresholdDbfs;
    if (voiced) {
      if (this.voicedRun === 0) this.runStartFrame = this.frameIndex;
      this.voicedRun++;
      this.unvoicedRun = 0;
      this.lastVoicedFrame = this.frameIndex;
      if (!this.speaking && this.voicedRun >= this.onsetFrames) {
        this.speaking = true;
        events.push({ type: 'speech_start', atMs: this.runStartFrame * this.frameMs });
      }
    } else {
      this.voicedRun = 0;
      this.unvoicedRun++;
      if (this.speaking && this.unvoicedRun >= this.hangoverFrames) {
        this.speaking = false;
        events.push({ type: 'speech_end', atMs: (this.lastVoicedFrame + 1) * this.frameMs });
      }
    }
    this.frameIndex++;
  }
}

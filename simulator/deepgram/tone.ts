/**
 * Agent speech for the fake: a sine tone in linear16, at the rate the client asked for. A tone of
 * known frequency and level lets tests check that the rate survived end to end (a rate mix-up
 * moves the frequency), which recorded speech would not show as plainly.
 */

export interface ToneOptions {
  sampleRate: number;
  frequencyHz: number;
  durationMs: number;
  /** RMS level; default -12 dBFS (a loud but unclipped voice). */
  levelDbfs?: number;
  /** Linear fade in and out, so chunk boundaries of consecutive responses do not click. */
  rampMs?: number;
}

export function toneLinear16(options: ToneOptions): Buffer {
  const { sampleRate, frequencyHz, durationMs } = options;
  const samples = Math.round((sampleRate * durationMs) / 1000);
  const peak = Math.min(32767, 10 ** ((options.levelDbfs ?? -12) / 20) * Math.SQRT2 * 32768);
  const rampSamples = Math.min(Math.floor(samples / 2), Math.round((sampleRate * (options.rampMs ?? 5)) / 1000));
  const out = Buffer.alloc(samples * 2);
  for (let i = 0; i < samples; i++) {
    const edge = Math.min(i, samples - 1 - i);
    const gain = rampSamples > 0 && edge < rampSamples ? edge / rampSamples : 1;
    out.writeInt16LE(Math.round(peak * gain * Math.sin((2 * Math.PI * frequencyHz * i) / sampleRate)), i * 2);
  }
  return out;
}

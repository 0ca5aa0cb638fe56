/**
 * Fidelity suite helpers, audio side: 20 ms frames classed the way the traces' analysis names
 * them ("silence", "~1000Hz" in 50 Hz steps), levels, and the traces' `analysis` segments.
 */
import { rms } from '../../engine/audio/pcm.js';
import { dominantFrequency } from '../../engine/audio/tone.js';

export { rms };

type Json = Record<string, unknown>;

/** The median of a list of numbers (NaN when empty). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function db(ratio: number): number {
  return 20 * Math.log10(ratio);
}

/** The trace's `analysis` segment of a kind (e.g. "~440Hz"), the longest when there are several. */
export function analysisSegment(analysis: Json, what: string): { fromMs: number; ms: number; maxRms: number } {
  const segments = (analysis.segments as { what: string; fromMs: number; ms: number; maxRms: number }[]) ?? [];
  const found = segments.filter((s) => s.what === what).sort((a, b) => b.ms - a.ms)[0];
  if (!found) throw new Error(`no ${what} segment in analysis ${JSON.stringify(analysis.what ?? analysis.formats)}`);
  return found;
}

/** Below this RMS a frame counts as silence (the traces' analysis calls RMS 0 silence). */
const SILENCE_RMS = 50;

/** A frame's class as the traces' freqHistogram names it: "silence" or "~<f rounded to 50>Hz". */
export function frameClass(pcm: Buffer, rate: number): string {
  if (rms(pcm) < SILENCE_RMS) return 'silence';
  const f = dominantFrequency(pcm, rate);
  return f === undefined ? 'silence' : `~${Math.round(f / 50) * 50}Hz`;
}

/** Classes with at least `min` frames (transition frames between two sounds left out). */
export function mainClasses(histogram: Record<string, number>, min = 5): string[] {
  return Object.entries(histogram)
    .filter(([, n]) => n >= min)
    .map(([k]) => k)
    .sort();
}

/** A trace analysis segment name ("~440Hz", "silence") in frameClass's 50 Hz steps. */
export function segmentClass(what: string): string {
  const m = /^~(\d+)Hz$/.exec(what);
  return m ? `~${Math.round(Number(m[1]) / 50) * 50}Hz` : what;
}

/** The main sounds of a recording as the trace's analysis lists them (segments of 200 ms or more). */
export function analysisClasses(analysis: Json): string[] {
  const segments = (analysis.segments as { what: string; ms: number }[]) ?? [];
  return [...new Set(segments.filter((s) => s.ms >= 200).map((s) => segmentClass(s.what)))].sort();
}

/** Per 20 ms frame of a recording: its class and RMS. */
export function frameProfile(pcm: Buffer, rate: number): { cls: string; rms: number }[] {
  const size = (rate / 50) * 2;
  const out: { cls: string; rms: number }[] = [];
  for (let at = 0; at + size <= pcm.length; at += size) {
    const f = pcm.subarray(at, at + size);
    out.push({ cls: frameClass(f, rate), rms: rms(f) });
  }
  return out;
}

/** The median RMS of the frames of one class (NaN when there are none). */
export function classLevel(profile: readonly { cls: string; rms: number }[], cls: string): number {
  return median(profile.filter((p) => p.cls === cls).map((p) => p.rms));
}

export function histogram(classes: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const c of classes) out[c] = (out[c] ?? 0) + 1;
  return out;
}


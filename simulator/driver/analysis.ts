/**
 * Reads a call from the caller's side: where the caller spoke and where the agent was heard, in
 * the MixMonitor recordings, and what follows from that (response times, barge-in stop times).
 * Pure, so it is tested on generated audio and works the same on a real Asterisk's files.
 */
import { parseWav } from '../../engine/audio/wav.js';

export interface Segment {
  startMs: number;
  endMs: number;
}

export interface SegmentOptions {
  /** A 20 ms frame louder than this is sound. Telephone speech sits around -20 dBFS. */
  thresholdDbfs?: number;
  /** Quiet gaps shorter than this are bridged (pauses between words, between file segments). */
  bridgeMs?: number;
  /** Bursts shorter than this are dropped (clicks). */
  minMs?: number;
}

/** Stretches of sound in linear16 audio. */
export function soundSegments(pcm: Buffer, rate: number, opts: SegmentOptions = {}): Segment[] {
  const threshold = opts.thresholdDbfs ?? -45;
  const bridgeMs = opts.bridgeMs ?? 350;
  const minMs = opts.minMs ?? 60;
  const frame = (rate / 50) * 2;
  const raw: Segment[] = [];
  let open: number | null = null;
  for (let off = 0, i = 0; off + frame <= pcm.length; off += frame, i++) {
    let sum = 0;
    for (let o = off; o < off + frame; o += 2) {
      const s = pcm.readInt16LE(o);
      sum += s * s;
    }
    const db = sum === 0 ? -Infinity : 10 * Math.log10(sum / (frame / 2) / 32768 ** 2);
    const t = i * 20;
    if (db > threshold && open === null) open = t;
    if (db <= threshold && open !== null) {
      raw.push({ startMs: open, endMs: t });
      open = null;
    }
  }
  if (open !== null) raw.push({ startMs: open, endMs: Math.floor(pcm.length / frame) * 20 });
  const merged: Segment[] = [];
  for (const s of raw) {
    const last = merged[merged.length - 1];
    if (last && s.startMs - last.endMs < bridgeMs) last.endMs = s.endMs;
    else merged.push({ ...s });
  }
  return merged.filter((s) => s.endMs - s.startMs >= minMs);
}

export interface CallAnalysis {
  rate: number;
  durationMs: number;
  said: Segment[];
  heard: Segment[];
  /** For each caller utterance the agent answered: end of speech → first agent audio heard. */
  responses: Array<{ saidEndMs: number; heardStartMs: number; responseMs: number }>;
  /** For each caller utterance that began while the agent was heard: how long the agent went on. */
  bargeIns: Array<{ saidStartMs: number; agentStopMs: number; stopLatencyMs: number }>;
}

export function analyzeCall(heardWav: Buffer, saidWav: Buffer, opts: SegmentOptions = {}): CallAnalysis {
  const heard = parseWav(heardWav);
  const said = parseWav(saidWav);
  const heardSegs = soundSegments(heard.pcm, heard.rate, opts);
  const saidSegs = soundSegments(said.pcm, said.rate, opts);
  const responses: CallAnalysis['responses'] = [];
  const bargeIns: CallAnalysis['bargeIns'] = [];
  for (const s of saidSegs) {
    const talkingOver = heardSegs.find((h) => h.startMs <= s.startMs && h.endMs > s.startMs);
    if (talkingOver) {
      bargeIns.push({ saidStartMs: s.startMs, agentStopMs: talkingOver.endMs, stopLatencyMs: talkingOver.endMs - s.startMs });
    }
    const next = heardSegs.find((h) => h.startMs >= s.endMs);
    const nextSaid = saidSegs.find((o) => o.startMs > s.startMs);
    if (next && (!nextSaid || next.startMs < nextSaid.startMs)) {
      responses.push({ saidEndMs: s.endMs, heardStartMs: next.startMs, responseMs: next.startMs - s.endMs });
    }
  }
  return {
    rate: heard.rate,
    durationMs: Math.round((heard.pcm.length / 2 / heard.rate) * 1000),
    said: saidSegs,
    heard: heardSegs,
    responses,
    bargeIns,
  };
}

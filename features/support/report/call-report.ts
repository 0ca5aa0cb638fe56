/**
 * One call's timeline for the reports: what the caller did (the driver's marks), what the engine
 * recorded (its session timeline, when it ran in this process), and what the caller's recording
 * shows (where agent audio was heard and where the caller spoke), all on one clock: ms since the
 * call was placed.
 *
 * The recording has its own clock (it starts when the phone's MixMonitor starts, just before the
 * call is answered). It is put on the call clock by the caller's first utterance: the fixture's
 * speech begins 300 ms into its playback, so the first `said` segment starts at
 * caller_says + 300 ms. Without an utterance, the answer mark is used (accurate to a few ms).
 * Pure: tested without a call.
 */
import type { CallAnalysis, Segment } from '../../../simulator/driver/analysis.js';

export interface ReportEvent {
  atMs: number;
  source: 'caller' | 'engine';
  what: string;
  data?: Record<string, unknown>;
}

export interface CallReport {
  scenario: string;
  target: string;
  callId: string;
  engineCallId: string | null;
  rateHz: number | null;
  /** Where the recording starts, in ms on the call clock; null when there is no recording. */
  recordingOffsetMs: number | null;
  /**
   * Call time missing from the recording: MixMonitor skips 20 ms slots in which no audio moved
   * either way (s12). Near 0 while the engine streams (its AudioSocket frames never stop); on the
   * snoop path the quiet between turns is missing, and times read from the recording are short.
   */
  unrecordedMs: number | null;
  durationMs: number;
  events: ReportEvent[];
  /** Agent audio the caller heard, on the call clock. */
  heard: Segment[];
  /** The caller's speech, on the call clock. */
  said: Segment[];
  responses: Array<{ saidEndMs: number; heardStartMs: number; responseMs: number }>;
  bargeIns: Array<{ saidStartMs: number; agentStopMs: number; stopLatencyMs: number }>;
  engineSummary: unknown;
}

export interface ReportInput {
  scenario: string;
  target: string;
  callId: string;
  engineCallId: string | null;
  rateHz: number | null;
  /** The driver's marks: ms since the call was placed. */
  callerMarks: ReadonlyArray<{ at: number; what: string; data?: Record<string, unknown> }>;
  /** The engine's marks, already on the call clock. */
  engineMarks: ReadonlyArray<{ at: number; what: string; data?: Record<string, unknown> }>;
  analysis: CallAnalysis | null;
  engineSummary?: unknown;
}

/** Lead-in silence of every speech fixture (fixtures/audio/README.md). */
export const FIXTURE_LEAD_MS = 300;

export function recordingOffset(input: Pick<ReportInput, 'callerMarks' | 'analysis'>): number | null {
  const a = input.analysis;
  if (!a) return null;
  const firstSay = input.callerMarks.find((m) => m.what === 'caller_says');
  if (firstSay && a.said.length > 0) return firstSay.at + FIXTURE_LEAD_MS - a.said[0].startMs;
  const answered = input.callerMarks.find((m) => m.what === 'answered');
  return answered ? answered.at : 0;
}

export function buildCallReport(input: ReportInput): CallReport {
  const offset = recordingOffset(input);
  const shift = (s: Segment): Segment => ({ startMs: round(s.startMs + (offset ?? 0)), endMs: round(s.endMs + (offset ?? 0)) });
  const a = input.analysis;
  const events: ReportEvent[] = [
    ...input.callerMarks.map((m) => ({ atMs: round(m.at), source: 'caller' as const, what: m.what, ...(m.data ? { data: m.data } : {}) })),
    ...input.engineMarks.map((m) => ({ atMs: round(m.at), source: 'engine' as const, what: m.what, ...(m.data ? { data: m.data } : {}) })),
  ].sort((x, y) => x.atMs - y.atMs);
  const heard = a ? a.heard.map(shift) : [];
  const said = a ? a.said.map(shift) : [];
  const lastEvent = events.length > 0 ? events[events.length - 1].atMs : 0;
  const lastAudio = Math.max(0, ...heard.map((s) => s.endMs), ...said.map((s) => s.endMs));
  const recordingEnd = a && offset !== null ? offset + a.durationMs : 0;
  return {
    scenario: input.scenario,
    target: input.target,
    callId: input.callId,
    engineCallId: input.engineCallId,
    rateHz: input.rateHz,
    recordingOffsetMs: offset === null ? null : round(offset),
    unrecordedMs: unrecorded(input),
    durationMs: round(Math.max(lastEvent, lastAudio, recordingEnd)),
    events,
    heard,
    said,
    responses: a
      ? a.responses.map((r) => ({ saidEndMs: round(r.saidEndMs + (offset ?? 0)), heardStartMs: round(r.heardStartMs + (offset ?? 0)), responseMs: r.responseMs }))
      : [],
    bargeIns: a
      ? a.bargeIns.map((b) => ({ saidStartMs: round(b.saidStartMs + (offset ?? 0)), agentStopMs: round(b.agentStopMs + (offset ?? 0)), stopLatencyMs: b.stopLatencyMs }))
      : [],
    engineSummary: input.engineSummary ?? null,
  };
}

/** Answer to hangup on the call clock, minus the recording's length. */
function unrecorded(input: ReportInput): number | null {
  const answered = input.callerMarks.find((m) => m.what === 'answered');
  const end = input.callerMarks.find((m) => m.what === 'caller_hangup' || m.what === 'far_end_hangup');
  if (!input.analysis || !answered || !end) return null;
  return Math.max(0, round(end.at - answered.at - input.analysis.durationMs));
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}

import { describe, expect, it } from 'vitest';
import type { CallAnalysis } from '../../../simulator/driver/analysis.js';
import { buildCallReport, recordingOffset } from './call-report.js';
import { timelineSvg } from './timeline-svg.js';

const analysis: CallAnalysis = {
  rate: 16000,
  durationMs: 12_000,
  said: [{ startMs: 5000, endMs: 7200 }],
  heard: [
    { startMs: 200, endMs: 4400 },
    { startMs: 8100, endMs: 11_000 },
  ],
  responses: [{ saidEndMs: 7200, heardStartMs: 8100, responseMs: 900 }],
  bargeIns: [],
};

const callerMarks = [
  { at: 0, what: 'originate' },
  { at: 40, what: 'answered' },
  { at: 4800, what: 'caller_says', data: { media: 'sound:e2e/caller-hello-16k' } },
  { at: 11_500, what: 'caller_hangup' },
];

describe('call report', () => {
  it('puts the recording on the call clock by the first utterance', () => {
    // Speech starts 300 ms into the fixture: 4800 + 300 on the call clock is 5000 in the recording.
    expect(recordingOffset({ callerMarks, analysis })).toBe(100);
    expect(recordingOffset({ callerMarks: callerMarks.filter((m) => m.what !== 'caller_says'), analysis })).toBe(40);
    expect(recordingOffset({ callerMarks, analysis: null })).toBeNull();
  });

  const input = () => ({
    scenario: 'a call',
    target: 'sim',
    callId: 'c1',
    engineCallId: null,
    rateHz: 16000,
    callerMarks,
    engineMarks: [],
    analysis,
  });

  it('merges the caller and engine marks in time order and shifts the segments', () => {
    const r = buildCallReport({
      scenario: 'a call',
      target: 'sim',
      callId: 'c1',
      engineCallId: 'e1',
      rateHz: 16000,
      callerMarks,
      engineMarks: [
        { at: 60, what: 'bound', data: { transport: 'audiosocket', rate: 16000 } },
        { at: 11_520, what: 'teardown', data: { reason: 'caller ChannelHangupRequest' } },
      ],
      analysis,
    });
    expect(r.events.map((e) => e.what)).toEqual(['originate', 'answered', 'bound', 'caller_says', 'caller_hangup', 'teardown']);
    expect(r.said).toEqual([{ startMs: 5100, endMs: 7300 }]);
    expect(r.heard[1]).toEqual({ startMs: 8200, endMs: 11_100 });
    expect(r.responses[0]).toEqual({ saidEndMs: 7300, heardStartMs: 8200, responseMs: 900 });
    expect(r.durationMs).toBe(12_100);
    // 40 → 11 500 on the call clock is 11 460 ms; the recording holds 12 000: nothing missing.
    expect(r.unrecordedMs).toBe(0);
    const short = buildCallReport({ ...input(), analysis: { ...analysis, durationMs: 9000 } });
    expect(short.unrecordedMs).toBe(2460);
  });

  it('draws an SVG with the bars, the ticks and escaped text', () => {
    const r = buildCallReport({
      scenario: 'barge-in <long answer>',
      target: 'sim',
      callId: 'c1',
      engineCallId: null,
      rateHz: 8000,
      callerMarks,
      engineMarks: [{ at: 9000, what: 'barge_in', data: { latencyMs: 180 } }],
      analysis: { ...analysis, bargeIns: [{ saidStartMs: 9000, agentStopMs: 9200, stopLatencyMs: 200 }] },
    });
    const svg = timelineSvg(r);
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('barge-in &lt;long answer&gt;');
    expect(svg).toContain('barge-in 180 ms');
    expect(svg.match(/<rect /g)?.length).toBe(1 + 1 + 2); // background, one said, two heard
    expect(svg).toContain('agent stopped 200 ms after the caller began talking over it');
  });
});

/**
 * Fidelity, trace s11-burst-write: the server paces silence, then writes 150 frames (3 s) of
 * 440 Hz in one burst; on a Local channel all of it is delivered at once, no pacing, no drops:
 * the ARI recording of the caller half holds the paced silence, the whole burst back to back,
 * then silence again.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseWav } from '../../engine/audio/wav.js';
import type { AsPeer } from './as-peer.js';
import {
  AI,
  CALLER,
  FIREHOSE,
  analysisSegment,
  answer,
  asFrom,
  classLevel,
  db,
  firstEvent,
  frameProfile,
  httpAnswers,
  httpFrom,
  isType,
  loadTrace,
  pastSecondLimitMs,
  queryOf,
  request,
  scenarioStart,
  sentAt,
  sequences,
  type EventRecord,
  type HttpRecord,
} from './harness.js';
import { itAnswersBeforeAppEvents, traceEventsOf, useFidelityRun } from './scenario.js';

const trace = loadTrace('s11-burst-write');
const originate = request(trace.records, 'POST', /^\/ari\/channels\?/);
const record = request(trace.records, 'POST', /\/record\?/);
const list = request(trace.records, 'GET', /^\/ari\/channels$/);
const deletes = httpFrom(trace.records).filter((h) => h.method === 'DELETE');
const callerId = originate.path.match(/[?&]channelId=([^&]+)/)![1];
const agentId = originate.path.match(/otherChannelId=([^&]+)/)![1];
const traceAs = asFrom(trace.records);
const burst = traceAs.find((r) => r.ev === 'tx-burst')!;
const burstFrames = Number(burst.frames);
const burstFreq = Number(traceAs.find((r) => r.ev === 'tx-tone-start')!.freq);
/** "…440 Hz amplitude 8000 (RMS 5657)" in s14's description: the harness's one tone level. */
const amplitude = Number(/amplitude (\d+)/.exec(String(scenarioStart(loadTrace('s14-local-formats-amplitude').records).description))![1]);
const analysis = trace.records.find((r) => r.src === 'analysis')!;
/** When the burst went out after the recording started (trace: ~509 ms). */
const burstAfterRecordMs = burst.t - record.t;

describe('s11-burst-write (simulator vs trace)', () => {
  let peer: AsPeer;
  let recorded: HttpRecord;

  const run = useFidelityRun(async (run) => {
    await run.replay(originate);
    peer = await run.identifiedConnection(2000);
    void peer.startTone(burstFreq, { amplitude: 0 }); // paced silence
    recorded = await run.replay(record);
    await run.sleep(burstAfterRecordMs);
    peer.burst(burstFreq, burstFrames, { amplitude });
    await run.waitEvent(CALLER, isType('RecordingFinished'), 8000);
    peer.end();
    await run.waitEvent(AI, isType('StasisStart', agentId), 1000);
    await run.replay(list);
    // The trace's second DELETE reached Asterisk 0.1 ms after the first answer, before the first
    // hangup had started; pipelining both puts the simulator in the same situation.
    await run.pipelined(deletes);
    await run.waitEvent(CALLER, isType('ChannelDestroyed', callerId), 1000);
    await run.sleep(50);
  }, 15_000);

  /** Events before the first DELETE went out (the part of the call the two sides agree on). */
  const before = (records: readonly EventRecord[], sentAt: number): EventRecord[] => records.filter((r) => r.t < sentAt);
  const traceDeleteAt = sentAt(deletes[0]);
  const runDeleteAt = (): number => sentAt(httpFrom(run().records).find((h) => h.method === 'DELETE')!);

  it.each([CALLER, AI, FIREHOSE])('%s receives the trace events in the trace order up to the hangup (RecordingFinished duration included)', (src) => {
    const s = sequences(before(run().events(src), runDeleteAt()), before(traceEventsOf(trace, src), traceDeleteAt), { gotAliases: run().aliases });
    expect(s.got.ordered).toEqual(s.want.ordered);
  });

  it('requests up to the hangup are answered as in the trace', () => {
    expect(httpFrom(run().records).slice(0, 4).map((h) => answer(h, run().aliases))).toEqual(httpFrom(trace.records).slice(0, 4).map((h) => answer(h)));
    expect(recorded.status).toBe(record.status);
  });

  it('both DELETEs are answered 204, as in the trace', () => {
    expect(httpAnswers(run().records, run().aliases)).toEqual(httpAnswers(trace.records));
  });

  // Known divergence (a race of two hangups): Asterisk publishes both explicit hangup requests at
  // once and tears ;2 down first (its STASISSTATUS, then ;1 gets the peer's cause 16); the
  // simulator runs each DELETE's hangup whole, one after the other, so ;2 is hung up by its peer
  // before its own DELETE is applied. Kept as failing expectations so they flip when modelled.
  it.fails.each([CALLER, AI, FIREHOSE])('%s receives the trace events of the hangup too (the explicit hangup of ;2 included)', (src) => {
    const s = run().compare(src, traceEventsOf(trace, src));
    expect(s.got.ordered).toEqual(s.want.ordered);
  });

  it('the recording stops at the first frame past the whole-second limit, as in the trace (within 50 ms)', () => {
    const max = Number(queryOf(record.path).maxDurationSeconds);
    for (const records of [trace.records, run().records]) {
      const past = pastSecondLimitMs(firstEvent(records, CALLER, 'RecordingStarted'), firstEvent(records, CALLER, 'RecordingFinished'), max);
      expect(past).toBeGreaterThanOrEqual(0);
      expect(past).toBeLessThan(50);
    }
  });

  it(`the recording holds the whole burst back to back (${burstFrames} frames ±2), at the trace's level (±1 dB)`, () => {
    const wav = parseWav(readFileSync(run().spoolPath(String(analysis.file))));
    const profile = frameProfile(wav.pcm, wav.rate);
    const tone = `~${Math.round(burstFreq / 50) * 50}Hz`;
    const first = profile.findIndex((p) => p.cls === tone);
    const last = profile.map((p) => p.cls).lastIndexOf(tone);
    expect(Math.abs(last - first + 1 - burstFrames)).toBeLessThanOrEqual(2);
    expect(profile.slice(first, last + 1).every((p) => p.cls === tone)).toBe(true);
    expect(Math.abs(db(classLevel(profile, tone) / analysisSegment(analysis, '~440Hz').maxRms))).toBeLessThanOrEqual(1);
    // Paced silence before it, for as long as the server waited (trace: the 500 ms silence segment).
    const lead = (analysis.segments as { what: string; fromMs: number; ms: number }[]).find((x) => x.fromMs === 0)!;
    expect(lead.what).toBe('silence');
    expect(Math.abs(first * 20 - lead.ms)).toBeLessThanOrEqual(100);
    expect(profile.slice(last + 1).every((p) => p.cls === 'silence')).toBe(true);
  });

  itAnswersBeforeAppEvents(trace, run);
});

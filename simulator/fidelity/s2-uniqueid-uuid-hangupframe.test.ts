/**
 * Fidelity, trace s2-uniqueid-uuid-hangupframe: `AudioSocket(${UNIQUEID},…)` where the uniqueid is
 * a UUID (originate otherChannelId=<uuid>). Media both ways: a playback on the caller half arrives
 * as 0x10 320-byte frames every 20 ms, DTMF 1 2 # as 0x03 frames, the server's 440 Hz is recorded
 * on the caller half; then the server's 0x00 ends AudioSocket(), Asterisk closes the socket and
 * the dialplan enters Stasis ~2 ms later; then the caller hangs up.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseWav } from '../../engine/audio/wav.js';
import {
  AI,
  CALLER,
  FIREHOSE,
  analysisSegment,
  asFrom,
  closeRecord,
  db,
  eventWallMs,
  firstEvent,
  frameClass,
  harnessFrom,
  histogram,
  httpAnswers,
  isType,
  loadTrace,
  mainClasses,
  medianGapMs,
  pastSecondLimitMs,
  queryOf,
  request,
  rms,
  usualSize,
  type Json,
  type TraceRecord,
} from './harness.js';
import type { AsPeer } from './as-peer.js';
import { itAnswersBeforeAppEvents, itReceivesTraceEvents, useFidelityRun } from './scenario.js';

const trace = loadTrace('s2-uniqueid-uuid-hangupframe');
const originate = request(trace.records, 'POST', /^\/ari\/channels\?/);
const play = request(trace.records, 'POST', /\/play\?/);
const dtmf = request(trace.records, 'POST', /\/dtmf\?/);
const record = request(trace.records, 'POST', /\/record\?/);
const getChannel = request(trace.records, 'GET', /^\/ari\/channels\/[^/?]+$/);
const getUniqueid = request(trace.records, 'GET', /variable=UNIQUEID/);
const hangup = request(trace.records, 'DELETE', /^\/ari\/channels\//);
const agentId = originate.path.match(/otherChannelId=([^&]+)/)![1];
const callerId = originate.path.match(/[?&]channelId=([^&]+)/)![1];
const traceAs = asFrom(trace.records);
const traceClose = closeRecord(trace.records);
const traceDtmf = traceAs.filter((r) => r.ev === 'frame' && r.kind === '0x03');
const analysis = trace.records.find((r) => r.src === 'analysis')!;
const afterHangupFrame = harnessFrom(trace.records).find((h) => 'afterHangupFrame' in h)!.afterHangupFrame as Json;

const timeEvent = (records: readonly TraceRecord[], type: string): Json => firstEvent(records, CALLER, type);

describe('s2-uniqueid-uuid-hangupframe (simulator vs trace)', () => {
  let peer: AsPeer;
  let hangupFrameAt = 0;
  let playStartedAt = 0;
  let playFinishedAt = 0;

  const run = useFidelityRun(async (run) => {
    await run.replay(originate);
    peer = await run.identifiedConnection(2000);
    void peer.startTone(440);
    await run.replay(play);
    playStartedAt = run.now();
    playFinishedAt = (await run.waitEvent(CALLER, isType('PlaybackFinished'), 4000)).t;
    await run.replay(dtmf);
    await run.until(() => peer.frames.filter((f) => f.kind === '0x03').length === traceDtmf.length, 2000, 'the DTMF frames');
    await run.replay(record);
    await run.waitEvent(CALLER, isType('RecordingFinished'), 5000);
    hangupFrameAt = run.now();
    peer.sendHangup();
    await run.waitEvent(AI, isType('StasisStart'), 1000);
    await run.waitEvent(CALLER, isType('ChannelVarset', agentId, (e) => e.variable === 'STASISSTATUS'), 1000);
    await run.replay(getChannel);
    await run.replay(getUniqueid);
    await run.replay(hangup);
    await run.waitEvent(AI, isType('StasisEnd'), 1000);
    await run.waitEvent(CALLER, isType('ChannelDestroyed', agentId), 1000);
    await run.sleep(50);
  }, 15_000);

  itReceivesTraceEvents(trace, run, [
    { src: CALLER },
    { src: AI, name: 'asterisk-ai-voice-agent receives StasisStart after the 0x00, then the hangup' },
    { src: FIREHOSE },
  ]);

  it('every request is answered as in the trace (status and body)', () => {
    expect(httpAnswers(run().records)).toEqual(httpAnswers(trace.records));
  });

  it('the UUID frame equals otherChannelId (the ;2 uniqueid)', () => {
    expect(peer.uuid).toBe(agentId);
    expect(peer.uuid).toBe(traceAs.find((r) => r.kind === '0x01')!.uuidDashed);
  });

  it('the played tone arrives as the trace\'s audio frames: same kind, 320 B, as many (±2), same tone, every 20 ms (p50 within 2 ms)', () => {
    const audio = peer.audio();
    const traceKinds = new Set(traceAs.filter((r) => r.ev === 'frame' && r.kind !== '0x01' && r.kind !== '0x03').map((r) => r.kind));
    expect(new Set(audio.map((f) => f.kind))).toEqual(traceKinds);
    const usual = Number(usualSize(traceClose.stats.sizes));
    expect(audio.filter((f) => f.len === usual).length).toBeGreaterThanOrEqual(audio.length - 1);
    expect(Math.abs(audio.length - traceClose.stats.audioFrames)).toBeLessThanOrEqual(2);
    expect(Math.abs(medianGapMs(audio) - traceClose.stats.gapMs.p50)).toBeLessThanOrEqual(2);
    expect(mainClasses(histogram(audio.map((f) => frameClass(f.payload, 8000))))).toEqual(mainClasses(traceClose.stats.freqHistogram));
    // Frames only while the playback runs: a silent Local channel sends nothing.
    expect(audio[0].t).toBeGreaterThanOrEqual(playStartedAt - 5);
    expect(audio[audio.length - 1].t).toBeLessThanOrEqual(playFinishedAt + 25);
  });

  it('DTMF arrives as 0x03 frames carrying the digits, ~220 ms apart (±30 ms)', () => {
    const got = peer.frames.filter((f) => f.kind === '0x03');
    expect(got.map((f) => [f.len, f.digit])).toEqual(traceDtmf.map((r) => [r.len, r.digit]));
    const gaps = got.slice(1).map((f, i) => f.t - got[i].t);
    const traceGaps = traceDtmf.slice(1).map((r) => Number(r.dtSameKind));
    gaps.forEach((g, i) => expect(Math.abs(g - traceGaps[i])).toBeLessThanOrEqual(30));
  });

  it('the recording stops at the first frame past the whole-second limit, as in the trace (within 50 ms)', () => {
    const max = Number(queryOf(record.path).maxDurationSeconds);
    const pair = (records: readonly TraceRecord[]): number =>
      pastSecondLimitMs(timeEvent(records, 'RecordingStarted'), timeEvent(records, 'RecordingFinished'), max);
    expect(pair(trace.records)).toBeGreaterThanOrEqual(0);
    expect(pair(trace.records)).toBeLessThan(50);
    expect(pair(run().records)).toBeGreaterThanOrEqual(0);
    expect(pair(run().records)).toBeLessThan(50);
  });

  it('the recording of the caller half holds the server\'s 440 Hz at the trace level (±1 dB), as long as it ran', () => {
    const wav = parseWav(readFileSync(run().spoolPath(String(analysis.file))));
    expect(wav.rate).toBe((analysis.fmt as Json).rate);
    const durationMs = (wav.pcm.length / 2 / wav.rate) * 1000;
    const ran = (records: readonly TraceRecord[]): number => eventWallMs(timeEvent(records, 'RecordingFinished')) - eventWallMs(timeEvent(records, 'RecordingStarted'));
    // The trace's file (3260 ms) is as long as its recording ran (3238 ms), ±60 ms; so is ours.
    expect(Math.abs(Number(analysis.durationMs) - ran(trace.records))).toBeLessThanOrEqual(60);
    expect(Math.abs(durationMs - ran(run().records))).toBeLessThanOrEqual(60);
    const steady = wav.pcm.subarray(wav.rate * 0.2 * 2, wav.pcm.length - wav.rate * 0.1 * 2);
    expect(Math.abs(db(rms(steady) / analysisSegment(analysis, '~440Hz').maxRms))).toBeLessThanOrEqual(1);
  });

  it(`after 0x00 Asterisk closes the socket (~${afterHangupFrame.closeMs} ms) and enters Stasis (~${afterHangupFrame.agentStasisStartMs} ms), both within 50 ms`, () => {
    expect(peer.endedAt! - hangupFrameAt).toBeLessThan(50);
    const stasisAt = run().events(AI).find((r) => r.event.type === 'StasisStart')!.t;
    expect(stasisAt - hangupFrameAt).toBeLessThan(50);
    expect(peer.frames.some((f) => f.kind === '0x00')).toBe(false);
    expect(callerId).toBeTruthy();
  });

  itAnswersBeforeAppEvents(trace, run);
});

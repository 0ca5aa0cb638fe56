/**
 * Fidelity, trace s12-snoop-whisper: a snoop with spy=in whisper=out continued into AudioSocket;
 * the server writes 440 Hz into it. Phase A (the agent channel writes nothing): the caller hears
 * nothing of it. Phase B (the agent plays sound:ai-silence, so it writes frames): the whisper is
 * mixed into those frames and heard, 12 dB down (the AudioSocket write loss and the whisper's).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseWav } from '../../engine/audio/wav.js';
import type { AsPeer } from './as-peer.js';
import {
  AI,
  CALLER,
  FIREHOSE,
  analysisClasses,
  analysisSegment,
  asFrom,
  classLevel,
  closeRecord,
  db,
  frameClass,
  frameProfile,
  histogram,
  httpAnswers,
  isType,
  loadTrace,
  mainClasses,
  medianGapMs,
  request,
  scenarioStart,
  sentAt,
  usualSize,
  type HttpRecord,
} from './harness.js';
import { itAnswersBeforeAppEvents, itReceivesTraceEvents, useFidelityRun } from './scenario.js';

const trace = loadTrace('s12-snoop-whisper');
const originate = request(trace.records, 'POST', /^\/ari\/channels\?/);
const snoop = request(trace.records, 'POST', /\/snoop\?/);
const setVar = request(trace.records, 'POST', /\/variable\?/);
const cont = request(trace.records, 'POST', /\/continue\?/);
const play = request(trace.records, 'POST', /\/play\?/);
const stop = request(trace.records, 'DELETE', /^\/ari\/playbacks\//);
const hangup = request(trace.records, 'DELETE', /^\/ari\/channels\//);
const agentId = originate.path.match(/[?&]channelId=([^&]+)/)![1];
const callerId = originate.path.match(/otherChannelId=([^&]+)/)![1];
const snoopId = snoop.path.match(/snoopId=([^&]+)/)![1];
const traceAs = asFrom(trace.records);
const traceClose = closeRecord(trace.records);
const txTone = traceAs.find((r) => r.ev === 'tx-tone-start')!;
const amplitude = Number(/amplitude (\d+)/.exec(String(scenarioStart(loadTrace('s14-local-formats-amplitude').records).description))![1]);
const heard = trace.records.find((r) => r.src === 'analysis')!;
/** The trace's phases were 2 s and 3 s; these show the same and keep the run short. */
const PHASE_A_MS = 600;
const PHASE_B_MS = 800;

describe('s12-snoop-whisper (simulator vs trace)', () => {
  let peer: AsPeer;
  let playAt: HttpRecord;
  let stopAt: HttpRecord;

  const run = useFidelityRun(async (run) => {
    await run.replay(originate);
    await run.waitEvent(AI, isType('ChannelDialplan', callerId, (e) => e.dialplan_app === 'Echo'), 4000);
    await run.replay(snoop);
    await run.waitEvent(AI, isType('StasisStart', snoopId));
    await run.replay(setVar);
    await run.replay(cont);
    peer = await run.identifiedConnection(1000);
    void peer.startTone(Number(txTone.freq), { amplitude });
    await run.sleep(PHASE_A_MS);
    playAt = await run.replay(play);
    await run.sleep(PHASE_B_MS);
    stopAt = await run.replay(stop);
    await run.waitEvent(AI, isType('PlaybackFinished'));
    // The trace's server closed right after the DELETE; PlaybackFinished reached it first.
    peer.end();
    await peer.closed;
    await run.sleep(200);
    await run.replay(hangup);
    await run.waitEvent(AI, isType('ChannelDestroyed', agentId), 1000);
    await run.sleep(100);
  }, 15_000);

  itReceivesTraceEvents(trace, run, [{ src: AI, silent: [CALLER] }, { src: FIREHOSE }]);

  it('every request is answered as in the trace', () => {
    expect(httpAnswers(run().records)).toEqual(httpAnswers(trace.records));
  });

  it('the snoop socket carries 0x10 / 320 B every 20 ms (p50 within 2 ms): silence in phase A, the 440 Hz coming back in phase B', () => {
    const audio = peer.audio();
    expect(new Set(audio.map((f) => `${f.kind}/${f.len}`))).toEqual(new Set([`0x10/${usualSize(traceClose.stats.sizes)}`]));
    expect(Math.abs(medianGapMs(audio) - traceClose.stats.gapMs.p50)).toBeLessThanOrEqual(2);
    expect(mainClasses(histogram(audio.map((f) => frameClass(f.payload, 8000))))).toEqual(mainClasses(traceClose.stats.freqHistogram));
    const phaseA = audio.filter((f) => f.t < sentAt(playAt));
    expect(phaseA.every((f) => frameClass(f.payload, 8000) === 'silence')).toBe(true);
  });

  it('the caller heard the whisper only while the agent wrote (phase B), 12 dB down as in the trace (±1 dB)', () => {
    const wav = parseWav(readFileSync(run().spoolPath(String(heard.file))));
    const profile = frameProfile(wav.pcm, wav.rate);
    expect(mainClasses(histogram(profile.map((p) => p.cls)))).toEqual(analysisClasses(heard));
    const tone = `~${Math.round(Number(txTone.freq) / 50) * 50}Hz`;
    const heardMs = profile.filter((p) => p.cls === tone).length * 20;
    const phaseB = stopAt.t - sentAt(playAt);
    expect(Math.abs(heardMs - phaseB)).toBeLessThanOrEqual(100);
    expect(Math.abs(db(classLevel(profile, tone) / analysisSegment(heard, '~440Hz').maxRms))).toBeLessThanOrEqual(1);
  });

  itAnswersBeforeAppEvents(trace, run);
});

/**
 * Fidelity, trace s6-snoop-continue: a snoop (spy=both) on the agent, AUDIOSOCKET_UUID set on it,
 * then `continue` into [audiosocket-snoop]: the socket connects ~2 ms after the continue, the
 * snoop gets StasisEnd at once, frames are 0x10 / 320 B every 20 ms, silence included; audio the
 * server writes into a spy-only snoop is discarded (the caller never hears the 440 Hz).
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
  classLevel,
  closeRecord,
  db,
  eventsFrom,
  frameClass,
  frameProfile,
  harnessFrom,
  histogram,
  httpAnswers,
  isType,
  loadTrace,
  mainClasses,
  medianGapMs,
  request,
  sentAt,
  usualSize,
  type HttpRecord,
} from './harness.js';
import { itAnswersBeforeAppEvents, itReceivesTraceEvents, useFidelityRun } from './scenario.js';

const trace = loadTrace('s6-snoop-continue');
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
const uuid = setVar.path.match(/value=([^&]+)/)![1];
const harness = harnessFrom(trace.records);
const socketAfterContinueMs = Number(harness.find((h) => 'socketAfterContinueMs' in h)!.socketAfterContinueMs);
const closedAfterHangupMs = Number(harness.find((h) => 'snoopSocketClosedAfterAgentHangupMs' in h)!.snoopSocketClosedAfterAgentHangupMs);
const traceClose = closeRecord(trace.records);
const heardAnalysis = trace.records.find((r) => r.src === 'analysis')!;

describe('s6-snoop-continue (simulator vs trace)', () => {
  let peer: AsPeer;
  let continued: HttpRecord;
  let hungUp: HttpRecord;
  let stopped: HttpRecord;

  const run = useFidelityRun(async (run) => {
    await run.replay(originate);
    await run.waitEvent(AI, isType('StasisStart', agentId));
    await run.replay(snoop);
    await run.waitEvent(AI, isType('StasisStart', snoopId));
    await run.replay(setVar);
    continued = await run.replay(cont);
    peer = await run.identifiedConnection(1000);
    // The server writes 440 Hz into the spy-only snoop for the rest of the call.
    void peer.startTone(440);
    await run.waitEvent(AI, isType('ChannelDialplan', callerId, (e) => e.dialplan_app === 'Echo'), 4000);
    await run.replay(play);
    await run.waitEvent(AI, isType('PlaybackStarted'));
    // The trace let ai-test-long play 2.5 s and waited 1 s after stopping it; 600 ms and 200 ms show the same.
    await run.sleep(600);
    stopped = await run.replay(stop);
    await run.waitEvent(AI, isType('PlaybackFinished'));
    await run.sleep(200);
    hungUp = await run.replay(hangup);
    await run.waitEvent(AI, isType('ChannelDestroyed', agentId), 2000);
    await peer.closed;
    await run.sleep(50);
  }, 15_000);

  itReceivesTraceEvents(trace, run, [{ src: AI }, { src: FIREHOSE }]);

  it('test-caller hears nothing (not in the trace either)', () => {
    expect(run().events(CALLER).length).toBe(eventsFrom(trace.records, CALLER).length);
  });

  it('every request is answered as in the trace', () => {
    expect(httpAnswers(run().records)).toEqual(httpAnswers(trace.records));
  });

  it(`connects ~${socketAfterContinueMs} ms after the continue (within 50 ms) with the UUID set on the snoop`, () => {
    expect(peer.openedAt - sentAt(continued)).toBeLessThan(50);
    expect(peer.uuid).toBe(uuid);
  });

  it('sends 0x10 frames of 320 B every 20 ms (p50 within 2 ms), silence included, as in the trace', () => {
    const audio = peer.audio();
    expect(new Set(audio.map((f) => `${f.kind}/${f.len}`))).toEqual(new Set([`0x10/${usualSize(traceClose.stats.sizes)}`]));
    expect(Math.abs(medianGapMs(audio) - traceClose.stats.gapMs.p50)).toBeLessThanOrEqual(2);
    // No gap: a frame every tick from the first to the last (one 20 ms period of slack).
    expect((audio[audio.length - 1].t - audio[0].t) / 20).toBeLessThan(audio.length + 2);
    const got = histogram(audio.map((f) => frameClass(f.payload, 8000)));
    expect(mainClasses(got)).toEqual(mainClasses(traceClose.stats.freqHistogram));
  });

  it('discards what the server writes into the spy-only snoop: the caller heard the agent\'s 800 Hz (±1 dB), no 440 Hz', () => {
    const wav = parseWav(readFileSync(run().spoolPath(String(heardAnalysis.file))));
    const profile = frameProfile(wav.pcm, wav.rate);
    expect(mainClasses(histogram(profile.map((p) => p.cls)))).toEqual(analysisClasses(heardAnalysis));
    expect(profile.some((p) => p.cls === '~450Hz')).toBe(false);
    const level = classLevel(profile, '~800Hz');
    expect(Math.abs(db(level / analysisSegment(heardAnalysis, '~800Hz').maxRms))).toBeLessThanOrEqual(1);
  });

  it('answers the playback stop at once with PlaybackFinished state done (within 50 ms)', () => {
    const finished = run().events(AI).find((r) => r.event.type === 'PlaybackFinished')!;
    expect(finished.t - sentAt(stopped)).toBeLessThan(50);
  });

  it(`closes the snoop's socket with a FIN (no 0x00) ~${closedAfterHangupMs} ms after the agent's hangup (within 100 ms)`, () => {
    expect(peer.endedAt! - sentAt(hungUp)).toBeLessThan(100);
    expect(peer.frames.some((f) => f.kind === '0x00')).toBe(false);
  });

  itAnswersBeforeAppEvents(trace, run);
});

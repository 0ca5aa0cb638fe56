/**
 * Fidelity, trace s8-dialplan-caller-echo: a pure dialplan call (originate with context/extension,
 * no app): ;1 runs [ai-voice-agent] uuid (AudioSocket at once), ;2 is the caller (MixMonitor,
 * Playback(ai-test-tone), Echo()). The socket receives the caller's 1 kHz, then the echoed 440 Hz
 * the server writes; the caller's recordings hold both; when the server closes, ;1 enters Stasis.
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
  harnessFrom,
  histogram,
  httpAnswers,
  httpFrom,
  isType,
  loadTrace,
  mainClasses,
  medianGapMs,
  request,
  segmentClass,
  sentAt,
  usualSize,
  type HttpRecord,
  type Json,
} from './harness.js';
import { itAnswersBeforeAppEvents, itReceivesTraceEvents, useFidelityRun } from './scenario.js';

const trace = loadTrace('s8-dialplan-caller-echo');
const originate = request(trace.records, 'POST', /^\/ari\/channels\?/);
const getVar = request(trace.records, 'GET', /variable=AUDIOSOCKET_UUID/);
const hangup = request(trace.records, 'DELETE', /^\/ari\/channels\//);
const agentId = originate.path.match(/[?&]channelId=([^&]+)/)![1];
const callerId = originate.path.match(/otherChannelId=([^&]+)/)![1];
const traceAs = asFrom(trace.records);
const traceConnect = traceAs.find((r) => r.ev === 'connect')!;
const traceClose = closeRecord(trace.records);
const stasisAfterClose = Number(harnessFrom(trace.records).find((h) => 'agentStasisStartAfterCloseMs' in h)!.agentStasisStartAfterCloseMs);
const heard = trace.records.find((r) => r.src === 'analysis' && String(r.what).includes('heard'))!;
const said = trace.records.find((r) => r.src === 'analysis' && String(r.what).includes('said'))!;

describe('s8-dialplan-caller-echo (simulator vs trace)', () => {
  let peer: AsPeer;
  let originated: HttpRecord;
  let closedAt = 0;

  const run = useFidelityRun(async (run) => {
    originated = await run.replay(originate);
    peer = await run.identifiedConnection(1000);
    void peer.startTone(440);
    // The trace's server wrote for 5 s; the caller echoes it once its 2 s playback is over, so 3 s
    // shows the same sequence: 1 kHz from the caller, then the echoed 440 Hz.
    await run.waitEvent(FIREHOSE, isType('ChannelDialplan', callerId, (e) => e.dialplan_app === 'Echo'), 4000);
    await run.sleep(800);
    closedAt = run.now();
    peer.end();
    await run.waitEvent(AI, isType('StasisStart', agentId), 1000);
    await run.replay(getVar);
    await run.replay(hangup);
    await run.waitEvent(FIREHOSE, isType('ChannelDestroyed', callerId), 1000);
    await run.sleep(100);
  }, 15_000);

  // The race of s3 and s13 again: ;2's ChannelStateChange Up comes after ;1 reached AudioSocket()
  // here, before ;1's own Up in s1, s2, s6, s7, s9 (the simulator's order). Compared as a multiset.
  const racy = (e: Json): boolean => e.type === 'ChannelStateChange' && (e.channel as Json).id === callerId;
  itReceivesTraceEvents(trace, run, [{ src: AI, silent: [CALLER] }, { src: FIREHOSE, options: { racy } }]);

  it('every request is answered as in the trace (the UUID() value mapped)', () => {
    expect(httpAnswers(run().records)).toEqual(httpAnswers(trace.records));
  });

  it(`connects right after the originate (trace: ${(traceConnect.t - sentAt(originate)).toFixed(1)} ms; within 100 ms), UUID = AUDIOSOCKET_UUID`, () => {
    expect(peer.openedAt - sentAt(originated)).toBeLessThan(100);
    const value = (httpFrom(run().records).find((h) => h.path.includes('variable='))!.response as Json).value;
    expect(peer.uuid).toBe(value);
  });

  it('receives the caller\'s 1 kHz, then the echoed 440 Hz, in 0x10 frames of 320 B every 20 ms (p50 within 2 ms)', () => {
    const audio = peer.audio();
    expect(new Set(audio.map((f) => `${f.kind}/${f.len}`))).toEqual(new Set([`0x10/${usualSize(traceClose.stats.sizes)}`]));
    const classes = audio.map((f) => frameClass(f.payload, 8000));
    expect(mainClasses(histogram(classes))).toEqual(mainClasses(traceClose.stats.freqHistogram));
    // Order: every 1 kHz frame before the first echoed 440 Hz frame.
    expect(classes.lastIndexOf('~1000Hz')).toBeLessThan(classes.indexOf('~450Hz'));
    expect(Math.abs(medianGapMs(audio) - traceClose.stats.gapMs.p50)).toBeLessThanOrEqual(2);
  });

  it(`enters Stasis ~${stasisAfterClose} ms after the server closes (within 50 ms)`, () => {
    expect(run().events(AI).find((r) => r.event.type === 'StasisStart')!.t - closedAt).toBeLessThan(50);
  });

  it.each([
    ['heard', heard],
    ['said', said],
  ])('the caller\'s MixMonitor %s file holds the trace\'s sounds at the trace\'s levels (±1 dB)', (_what, analysis) => {
    const wav = parseWav(readFileSync(run().spoolPath(String(analysis.file))));
    const profile = frameProfile(wav.pcm, wav.rate);
    expect(mainClasses(histogram(profile.map((p) => p.cls)))).toEqual(analysisClasses(analysis));
    for (const seg of (analysis.segments as { what: string; ms: number }[]).filter((s) => s.ms >= 200)) {
      const level = classLevel(profile, segmentClass(seg.what));
      expect(Math.abs(db(level / analysisSegment(analysis, seg.what).maxRms)), seg.what).toBeLessThanOrEqual(1);
    }
  });

  itAnswersBeforeAppEvents(trace, run);
});

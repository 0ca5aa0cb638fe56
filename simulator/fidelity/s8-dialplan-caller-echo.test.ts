/**
 * Fidelity, trace s8-dialplan-caller-echo: a pure dialplan call (originate with context/extension,
 * no app): ;1 runs [ai-voice-agent] uuid (AudioSocket at once), ;2 is the caller (MixMonitor,
 * Playback(ai-test-tone), Echo()). The socket receives the caller's 1 kHz, then the echoed 440 Hz
 * the server writes; the caller's recordings hold both; when the server closes, ;1 enters Stasis.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseWav } from '../../engine/audio/wav.js';
import type { AsPeer } from './as-peer.js';
import {
  AI,
  CALLER,
  FIREHOSE,
  TRACE_AUDIOSOCKET,
  analysisClasses,
  analysisSegment,
  answer,
  asFrom,
  classLevel,
  db,
  eventsFrom,
  frameClass,
  frameProfile,
  harnessFrom,
  histogram,
  httpFrom,
  isType,
  loadTrace,
  mainClasses,
  median,
  notAnsweredFirst,
  request,
  segmentClass,
  type AsRecord,
  type HttpRecord,
  type Json,
} from './harness.js';
import { FidelityRun } from './sim-run.js';

const trace = loadTrace('s8-dialplan-caller-echo');
const originate = request(trace.records, 'POST', /^\/ari\/channels\?/);
const getVar = request(trace.records, 'GET', /variable=AUDIOSOCKET_UUID/);
const hangup = request(trace.records, 'DELETE', /^\/ari\/channels\//);
const agentId = originate.path.match(/[?&]channelId=([^&]+)/)![1];
const callerId = originate.path.match(/otherChannelId=([^&]+)/)![1];
const traceAs = asFrom(trace.records);
const traceConnect = traceAs.find((r) => r.ev === 'connect')!;
const traceClose = traceAs.find((r) => r.ev === 'close') as AsRecord & {
  stats: { sizes: Record<string, number>; freqHistogram: Record<string, number>; gapMs: { p50: number } };
};
const stasisAfterClose = Number(harnessFrom(trace.records).find((h) => 'agentStasisStartAfterCloseMs' in h)!.agentStasisStartAfterCloseMs);
const heard = trace.records.find((r) => r.src === 'analysis' && String(r.what).includes('heard'))!;
const said = trace.records.find((r) => r.src === 'analysis' && String(r.what).includes('said'))!;

describe('s8-dialplan-caller-echo (simulator vs trace)', () => {
  let run: FidelityRun;
  let peer: AsPeer;
  let originated: HttpRecord;
  let closedAt = 0;

  beforeAll(async () => {
    run = await FidelityRun.start({ sockets: [AI, CALLER, FIREHOSE] });
    originated = await run.replay(originate);
    peer = await run.connection(1000);
    await run.until(() => peer.uuid !== undefined, 1000, 'the UUID frame');
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

  afterAll(() => run?.close());

  it('asterisk-ai-voice-agent receives the trace events in the trace order', () => {
    const s = run.compare(AI, eventsFrom(trace.records, AI));
    expect(s.got.ordered).toEqual(s.want.ordered);
    expect(run.events(CALLER)).toEqual([]);
  });

  it('the firehose receives the trace events, DeviceStateChanged aside', () => {
    // The race of s3 and s13 again: ;2's ChannelStateChange Up comes after ;1 reached AudioSocket()
    // here, before ;1's own Up in s1, s2, s6, s7, s9 (the simulator's order). Compared as a multiset.
    const racy = (e: Json): boolean => e.type === 'ChannelStateChange' && (e.channel as Json).id === callerId;
    const s = run.compare(FIREHOSE, trace.firehose.filter((r) => r.event.type !== 'DeviceStateChanged'), { racy });
    expect(s.got.ordered).toEqual(s.want.ordered);
    expect(s.got.racy).toEqual(s.want.racy);
  });

  it('every request is answered as in the trace (the UUID() value mapped)', () => {
    expect(httpFrom(run.records).map((h) => answer(h))).toEqual(httpFrom(trace.records).map((h) => answer(h)));
  });

  it(`connects right after the originate (trace: ${(traceConnect.t - (originate.t - originate.ms!)).toFixed(1)} ms; within 100 ms), UUID = AUDIOSOCKET_UUID`, () => {
    expect(peer.openedAt - (originated.t - originated.ms!)).toBeLessThan(100);
    const value = (httpFrom(run.records).find((h) => h.path.includes('variable='))!.response as Json).value;
    expect(peer.uuid).toBe(value);
  });

  it('receives the caller\'s 1 kHz, then the echoed 440 Hz, in 0x10 frames of 320 B every 20 ms (p50 within 2 ms)', () => {
    const audio = peer.audio();
    const usual = Object.entries(traceClose.stats.sizes).sort((a, b) => b[1] - a[1])[0][0];
    expect(new Set(audio.map((f) => `${f.kind}/${f.len}`))).toEqual(new Set([`0x10/${usual}`]));
    const classes = audio.map((f) => frameClass(f.payload, 8000));
    expect(mainClasses(histogram(classes))).toEqual(mainClasses(traceClose.stats.freqHistogram));
    // Order: every 1 kHz frame before the first echoed 440 Hz frame.
    expect(classes.lastIndexOf('~1000Hz')).toBeLessThan(classes.indexOf('~450Hz'));
    const gaps = audio.slice(1).map((f, i) => f.t - audio[i].t);
    expect(Math.abs(median(gaps) - traceClose.stats.gapMs.p50)).toBeLessThanOrEqual(2);
  });

  it(`enters Stasis ~${stasisAfterClose} ms after the server closes (within 50 ms)`, () => {
    expect(run.events(AI).find((r) => r.event.type === 'StasisStart')!.t - closedAt).toBeLessThan(50);
  });

  it.each([
    ['heard', heard],
    ['said', said],
  ])('the caller\'s MixMonitor %s file holds the trace\'s sounds at the trace\'s levels (±1 dB)', (_what, analysis) => {
    const wav = parseWav(readFileSync(run.spoolPath(String(analysis.file))));
    const profile = frameProfile(wav.pcm, wav.rate);
    expect(mainClasses(histogram(profile.map((p) => p.cls)))).toEqual(analysisClasses(analysis));
    for (const seg of (analysis.segments as { what: string; ms: number }[]).filter((s) => s.ms >= 200)) {
      const level = classLevel(profile, segmentClass(seg.what));
      expect(Math.abs(db(level / analysisSegment(analysis, seg.what).maxRms)), seg.what).toBeLessThanOrEqual(1);
    }
  });
  it('answers each request before the app events it causes, wherever the trace shows that order', () => {
    expect(notAnsweredFirst(run.answeredFirst(), trace.records, (p) => p.split(TRACE_AUDIOSOCKET).join(run.as.address))).toEqual([]);
  });
});

/**
 * Fidelity, trace s9-externalmedia-audiosocket: POST /channels/externalMedia with
 * encapsulation=audiosocket, transport=tcp, format=slin16, data=<uuid>: the UUID frame equals
 * `data`, frames are 0x12 / 640 B every 20 ms, the channel's StasisStart carries args=[uuid];
 * bridged with the agent, the caller hears what the server writes, at its level; deleting the
 * channel closes the socket with a FIN only.
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
  queryOf,
  request,
  segmentClass,
  sentAt,
  type HttpRecord,
  type Json,
} from './harness.js';
import { itAnswersBeforeAppEvents, itReceivesTraceEvents, useFidelityRun } from './scenario.js';

const trace = loadTrace('s9-externalmedia-audiosocket');
const originate = request(trace.records, 'POST', /^\/ari\/channels\?/);
const external = request(trace.records, 'POST', /^\/ari\/channels\/externalMedia\?/);
const bridge = request(trace.records, 'POST', /^\/ari\/bridges\?/);
const add = request(trace.records, 'POST', /\/addChannel\?/);
const deletes = httpFrom(trace.records).filter((h) => h.method === 'DELETE');
const agentId = originate.path.match(/[?&]channelId=([^&]+)/)![1];
const callerId = originate.path.match(/otherChannelId=([^&]+)/)![1];
const extParams = queryOf(external.path);
const traceAs = asFrom(trace.records);
const traceClose = closeRecord(trace.records);
const measured = harnessFrom(trace.records);
const firstAudio = measured.find((h) => 'firstAudioKind' in h)!;
const closedAfterDeleteMs = Number(measured.find((h) => 'extSocketClosedAfterDeleteMs' in h)!.extSocketClosedAfterDeleteMs);
const heard = trace.records.find((r) => r.src === 'analysis')!;
/** The server's tone: the trace's tx-tone-start (440 Hz, in the kind it received). */
const txTone = traceAs.find((r) => r.ev === 'tx-tone-start')!;

describe('s9-externalmedia-audiosocket (simulator vs trace)', () => {
  let peer: AsPeer;
  let deletedExt: HttpRecord;

  const run = useFidelityRun(async (run) => {
    await run.replay(originate);
    await run.waitEvent(AI, isType('StasisStart', agentId));
    await run.replay(external);
    peer = run.as.peers[0];
    await run.replay(bridge);
    await run.replay(add);
    // As the trace's server: answer the first audio frame with a 440 Hz tone of the same kind.
    await run.until(() => peer.audio().length > 0, 2000, 'the first audio frame');
    void peer.startTone(Number(txTone.freq), { rate: 16000, amplitude: 8000 });
    await run.waitEvent(AI, isType('ChannelDialplan', callerId, (e) => e.dialplan_app === 'Echo'), 4000);
    // The trace let the echo run 2 s; 400 ms shows the same.
    await run.sleep(400);
    deletedExt = await run.replay(deletes[0]);
    await run.waitEvent(AI, isType('ChannelDestroyed', extParams.channelId), 1000);
    await run.replay(deletes[1]);
    await run.waitEvent(AI, isType('ChannelDestroyed', callerId), 1000);
    await run.replay(deletes[2]);
    await run.waitEvent(AI, isType('BridgeDestroyed'), 1000);
    await run.sleep(100);
  }, 15_000);

  itReceivesTraceEvents(trace, run, [{ src: AI, silent: [CALLER] }, { src: FIREHOSE }]);

  it('every request is answered as in the trace (externalMedia with its channelvars, bridge, deletes)', () => {
    expect(httpAnswers(run().records, run().aliases)).toEqual(httpAnswers(trace.records));
  });

  it('the external channel\'s StasisStart carries args=[data]', () => {
    const start = run().events(AI).find((r) => isType('StasisStart', extParams.channelId)(r.event))!;
    expect(start.event.args).toEqual([extParams.data]);
  });

  it(`the UUID frame equals data; audio is ${String(firstAudio.firstAudioKind)} / ${String(firstAudio.firstAudioLen)} B every 20 ms (p50 within 2 ms)`, () => {
    expect(peer.uuid).toBe(extParams.data);
    const audio = peer.audio();
    expect(new Set(audio.map((f) => `${f.kind}/${f.len}`))).toEqual(new Set([`${String(firstAudio.firstAudioKind)}/${String(firstAudio.firstAudioLen)}`]));
    expect(Math.abs(medianGapMs(audio) - traceClose.stats.gapMs.p50)).toBeLessThanOrEqual(2);
    const classes = audio.map((f) => frameClass(f.payload, 16000));
    expect(mainClasses(histogram(classes))).toEqual(mainClasses(traceClose.stats.freqHistogram));
  });

  it(`deleting the channel closes the socket with a FIN, no 0x00 (~${closedAfterDeleteMs} ms; within 50 ms)`, () => {
    expect(peer.endedAt! - sentAt(deletedExt)).toBeLessThan(50);
    expect(peer.frames.some((f) => f.kind === '0x00')).toBe(false);
    expect(peer.errorCode).toBeUndefined();
  });

  it('the caller heard the server\'s 440 Hz through the bridge at the trace\'s level (±1 dB)', () => {
    const wav = parseWav(readFileSync(run().spoolPath(String(heard.file))));
    const profile = frameProfile(wav.pcm, wav.rate);
    expect(mainClasses(histogram(profile.map((p) => p.cls)))).toEqual(analysisClasses(heard));
    for (const seg of (heard.segments as Json[]).filter((s) => Number(s.ms) >= 200)) {
      const level = classLevel(profile, segmentClass(String(seg.what)));
      expect(Math.abs(db(level / analysisSegment(heard, String(seg.what)).maxRms))).toBeLessThanOrEqual(1);
    }
  });

  // Known divergence, sub-millisecond: BridgeDestroyed reached the trace's sockets 0.1 ms after
  // the DELETE's 204 (Asterisk publishes it from the request and a stasis thread writes it);
  // the simulator destroys the bridge and publishes before it answers.
  itAnswersBeforeAppEvents(trace, run, [deletes[2].path]);
});

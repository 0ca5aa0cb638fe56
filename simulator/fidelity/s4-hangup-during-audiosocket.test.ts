/**
 * Fidelity, trace s4-hangup-during-audiosocket: the caller is hung up over ARI while AudioSocket()
 * streams: the server gets no 0x00 frame, only a FIN ~3 ms after the DELETE.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AI,
  CALLER,
  FIREHOSE,
  TRACE_AUDIOSOCKET,
  answer,
  asFrom,
  eventsFrom,
  harnessFrom,
  httpFrom,
  isType,
  loadTrace,
  notAnsweredFirst,
  request,
  type HttpRecord,
} from './harness.js';
import type { AsPeer } from './as-peer.js';
import { FidelityRun } from './sim-run.js';

const trace = loadTrace('s4-hangup-during-audiosocket');
const originate = request(trace.records, 'POST', /^\/ari\/channels\?/);
const hangup = request(trace.records, 'DELETE', /^\/ari\/channels\//);
const agentId = originate.path.match(/otherChannelId=([^&]+)/)![1];
const measured = harnessFrom(trace.records).find((h) => 'finFromAsteriskMs' in h)!;

describe('s4-hangup-during-audiosocket (simulator vs trace)', () => {
  let run: FidelityRun;
  let peer: AsPeer;
  let deleted: HttpRecord;

  beforeAll(async () => {
    run = await FidelityRun.start({ sockets: [AI, CALLER, FIREHOSE] });
    await run.replay(originate);
    peer = await run.connection(2000);
    await run.until(() => peer.uuid !== undefined, 1000, 'the UUID frame');
    void peer.startTone(440);
    // The trace streamed for 2 s before the DELETE; 300 ms shows the same.
    await run.sleep(300);
    deleted = await run.replay(hangup);
    await run.waitEvent(CALLER, isType('ChannelDestroyed', agentId), 1000);
    await peer.closed;
    await run.sleep(30);
  }, 10_000);

  afterAll(() => run?.close());

  it('test-caller receives the trace events in the trace order', () => {
    const s = run.compare(CALLER, eventsFrom(trace.records, CALLER));
    expect(s.got.ordered).toEqual(s.want.ordered);
  });

  it('the firehose receives the trace events, DeviceStateChanged aside', () => {
    const s = run.compare(FIREHOSE, trace.firehose.filter((r) => r.event.type !== 'DeviceStateChanged'));
    expect(s.got.ordered).toEqual(s.want.ordered);
  });

  it('asterisk-ai-voice-agent hears nothing (as in the trace)', () => {
    expect(run.events(AI).length).toBe(eventsFrom(trace.records, AI).length);
  });

  it('answers originate and DELETE as in the trace', () => {
    expect(httpFrom(run.records).map((h) => answer(h))).toEqual(httpFrom(trace.records).map((h) => answer(h)));
  });

  it('the server receives the same frames as in the trace (UUID only: a silent Local channel sends no audio) and no 0x00', () => {
    const traceFrames = asFrom(trace.records).filter((r) => r.ev === 'frame');
    expect(peer.frames.map((f) => [f.kind, f.len])).toEqual(traceFrames.map((r) => [r.kind, r.len]));
    expect(peer.frames.some((f) => f.kind === '0x00')).toBe(measured.hangupFrameReceived);
  });

  it(`closes the socket with a FIN ~${measured.finFromAsteriskMs} ms after the DELETE (within 50 ms)`, () => {
    const sentAt = deleted.t - deleted.ms!;
    expect(peer.endedAt).toBeDefined();
    expect(peer.endedAt! - sentAt).toBeLessThan(50);
    expect(peer.errorCode).toBeUndefined();
  });
  it('answers each request before the app events it causes, wherever the trace shows that order', () => {
    expect(notAnsweredFirst(run.answeredFirst(), trace.records, (p) => p.split(TRACE_AUDIOSOCKET).join(run.as.address))).toEqual([]);
  });
});

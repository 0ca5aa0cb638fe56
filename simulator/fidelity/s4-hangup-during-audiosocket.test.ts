/**
 * Fidelity, trace s4-hangup-during-audiosocket: the caller is hung up over ARI while AudioSocket()
 * streams: the server gets no 0x00 frame, only a FIN ~3 ms after the DELETE.
 */
import { describe, expect, it } from 'vitest';
import { AI, CALLER, FIREHOSE, asFrom, eventsFrom, frameShapes, harnessFrom, httpAnswers, isType, loadTrace, request, sentAt, type HttpRecord } from './harness.js';
import type { AsPeer } from './as-peer.js';
import { itAnswersBeforeAppEvents, itReceivesTraceEvents, useFidelityRun } from './scenario.js';

const trace = loadTrace('s4-hangup-during-audiosocket');
const originate = request(trace.records, 'POST', /^\/ari\/channels\?/);
const hangup = request(trace.records, 'DELETE', /^\/ari\/channels\//);
const agentId = originate.path.match(/otherChannelId=([^&]+)/)![1];
const measured = harnessFrom(trace.records).find((h) => 'finFromAsteriskMs' in h)!;

describe('s4-hangup-during-audiosocket (simulator vs trace)', () => {
  let peer: AsPeer;
  let deleted: HttpRecord;

  const run = useFidelityRun(async (run) => {
    await run.replay(originate);
    peer = await run.identifiedConnection(2000);
    void peer.startTone(440);
    // The trace streamed for 2 s before the DELETE; 300 ms shows the same.
    await run.sleep(300);
    deleted = await run.replay(hangup);
    await run.waitEvent(CALLER, isType('ChannelDestroyed', agentId), 1000);
    await peer.closed;
    await run.sleep(30);
  }, 10_000);

  itReceivesTraceEvents(trace, run, [{ src: CALLER }, { src: FIREHOSE }]);

  it('asterisk-ai-voice-agent hears nothing (as in the trace)', () => {
    expect(run().events(AI).length).toBe(eventsFrom(trace.records, AI).length);
  });

  it('answers originate and DELETE as in the trace', () => {
    expect(httpAnswers(run().records)).toEqual(httpAnswers(trace.records));
  });

  it('the server receives the same frames as in the trace (UUID only: a silent Local channel sends no audio) and no 0x00', () => {
    const traceFrames = asFrom(trace.records).filter((r) => r.ev === 'frame');
    expect(frameShapes(peer.frames)).toEqual(frameShapes(traceFrames));
    expect(peer.frames.some((f) => f.kind === '0x00')).toBe(measured.hangupFrameReceived);
  });

  it(`closes the socket with a FIN ~${measured.finFromAsteriskMs} ms after the DELETE (within 50 ms)`, () => {
    expect(peer.endedAt).toBeDefined();
    expect(peer.endedAt! - sentAt(deleted)).toBeLessThan(50);
    expect(peer.errorCode).toBeUndefined();
  });

  itAnswersBeforeAppEvents(trace, run);
});

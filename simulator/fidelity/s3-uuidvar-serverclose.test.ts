/**
 * Fidelity, trace s3-uuidvar-serverclose: the UUID comes in an originate `variables` body
 * (inherited by ;2), the server closes the socket without 0x00, and the dialplan goes on into
 * Stasis(asterisk-ai-voice-agent) ~2 ms later.
 */
import { describe, expect, it } from 'vitest';
import { AI, CALLER, FIREHOSE, answer, answeredFirst, asFrom, frameShapes, harnessFrom, loadTrace, request, subjectOf } from './harness.js';
import { itAnswersBeforeAppEvents, itReceivesTraceEvents, useFidelityRun } from './scenario.js';

const trace = loadTrace('s3-uuidvar-serverclose');
const originate = request(trace.records, 'POST', /^\/ari\/channels\?/);
const getVar = request(trace.records, 'GET', /\/variable\?variable=AUDIOSOCKET_UUID/);
const hangup = request(trace.records, 'DELETE', /^\/ari\/channels\//);
const callerId = originate.path.match(/channelId=([^&]+)/)![1];
const agentId = originate.path.match(/otherChannelId=([^&]+)/)![1];
const uuid = (originate.requestBody as { variables: Record<string, string> }).variables.AUDIOSOCKET_UUID;
/** The harness's measured delay from its close to the agent's StasisStart (trace: 2 ms). */
const stasisAfterClose = Number(harnessFrom(trace.records).find((h) => 'agentStasisStartAfterServerCloseMs' in h)!.agentStasisStartAfterServerCloseMs);

describe('s3-uuidvar-serverclose (simulator vs trace)', () => {
  let closedAt = 0;
  let stasisAt = 0;

  const run = useFidelityRun(async (run) => {
    await run.replay(originate);
    const peer = await run.identifiedConnection(3000, 2000);
    // The trace's server sent 440 Hz for 2 s before closing; 300 ms shows the same thing.
    void peer.startTone(440);
    await run.sleep(300);
    closedAt = run.now();
    peer.end();
    stasisAt = (await run.waitEvent(AI, (e) => e.type === 'StasisStart', 2000)).t;
    await run.replay(getVar);
    await run.replay(hangup);
    await run.waitEvent(CALLER, (e) => e.type === 'ChannelDestroyed' && subjectOf(e) === callerId);
    await run.sleep(50);
  }, 10_000);

  // s3 lines 2–12: same events in the same order, except one race: the ;2 half's
  // ChannelStateChange Up comes after ;1's StasisStart here and before it in s1, s2, s6, s7, s9.
  const racy = (e: Record<string, unknown>): boolean => e.type === 'ChannelStateChange' && subjectOf(e) === agentId;

  itReceivesTraceEvents(trace, run, [
    { src: CALLER, options: { racy } },
    { src: AI, name: 'asterisk-ai-voice-agent receives StasisStart, then the hangup request and StasisEnd' },
    { src: FIREHOSE, name: 'the firehose (subscribeAll) receives the trace events, DeviceStateChanged aside', options: { racy } },
  ]);

  it('answers the originate before any app event of the call (s3: the ;2 ChannelVarset came 0.4 ms after the 200)', () => {
    expect(answeredFirst(trace.records)).toContain(originate.path);
    expect(run().answeredFirst()).toContain(originate.path);
  });

  it('sends the UUID from the variables as the first frame, and no audio from a silent Local channel', () => {
    const traceFrames = asFrom(trace.records).filter((r) => r.ev === 'frame');
    const peer = run().as.peers[0];
    expect(frameShapes(peer.frames)).toEqual(frameShapes(traceFrames));
    expect(peer.uuid).toBe(uuid);
  });

  it(`enters Stasis ~${stasisAfterClose} ms after the server closes (within 50 ms)`, () => {
    expect(stasisAt - closedAt).toBeLessThan(50);
  });

  it('answers GET variable and DELETE as in the trace', () => {
    const http = run().records.filter((r) => r.src === 'http') as never[];
    expect(http.map((h) => answer(h))).toEqual([originate, getVar, hangup].map((h) => answer(h)));
  });

  it('closes its side of the socket (FIN) once the server closed, with no 0x00', () => {
    const peer = run().as.peers[0];
    expect(peer.endedAt).toBeDefined();
    expect(peer.frames.some((f) => f.kind === '0x00')).toBe(false);
  });

  itAnswersBeforeAppEvents(trace, run);
});

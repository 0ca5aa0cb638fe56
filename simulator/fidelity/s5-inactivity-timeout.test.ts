/**
 * Fidelity, trace s5-inactivity-timeout: neither side sends audio; AudioSocket() gives up after
 * 2000 ms ("Reached timeout"), closes the socket with a FIN and hangs up; Stasis is not reached.
 */
import { describe, expect, it } from 'vitest';
import { AI, CALLER, FIREHOSE, asFrom, eventsFrom, frameShapes, harnessFrom, httpAnswers, isType, loadTrace, request } from './harness.js';
import type { AsPeer } from './as-peer.js';
import { itAnswersBeforeAppEvents, itReceivesTraceEvents, useFidelityRun } from './scenario.js';

const trace = loadTrace('s5-inactivity-timeout');
const originate = request(trace.records, 'POST', /^\/ari\/channels\?/);
const callerId = originate.path.match(/[?&]channelId=([^&]+)/)![1];
/** The trace's socket lifetime: connect → FIN from Asterisk (2014 ms). */
const closedAfterMs = Number(harnessFrom(trace.records).find((h) => 'closedAfterMs' in h)!.closedAfterMs);
const TOLERANCE_MS = 150;

describe('s5-inactivity-timeout (simulator vs trace)', () => {
  let peer: AsPeer;

  const run = useFidelityRun(async (run) => {
    await run.replay(originate);
    peer = await run.connection(2000);
    await run.waitEvent(CALLER, isType('ChannelDestroyed', callerId), 4000);
    await peer.closed;
    await run.sleep(30);
  }, 10_000);

  itReceivesTraceEvents(trace, run, [{ src: CALLER }, { src: FIREHOSE }]);

  it('Stasis(asterisk-ai-voice-agent) is never reached', () => {
    expect(run().events(AI).length).toBe(eventsFrom(trace.records, AI).length);
    expect(httpAnswers(run().records)).toEqual(httpAnswers(trace.records));
  });

  it('only the UUID frame crosses the socket', () => {
    const traceFrames = asFrom(trace.records).filter((r) => r.ev === 'frame');
    expect(frameShapes(peer.frames)).toEqual(frameShapes(traceFrames));
  });

  it(`gives up ${closedAfterMs} ms after the connect with a FIN (±${TOLERANCE_MS} ms)`, () => {
    expect(peer.endedAt).toBeDefined();
    expect(Math.abs(peer.endedAt! - peer.openedAt - closedAfterMs)).toBeLessThanOrEqual(TOLERANCE_MS);
    expect(peer.errorCode).toBeUndefined();
  });

  itAnswersBeforeAppEvents(trace, run);
});

/**
 * Fidelity, trace s10-server-sends-0xff: the server sends a 0xff (error) frame: Asterisk logs an
 * error, resets the connection (the server reads ECONNRESET), hangs the channel up; Stasis is
 * not reached.
 */
import { describe, expect, it } from 'vitest';
import { AI, CALLER, FIREHOSE, asFrom, eventsFrom, frameShapes, httpAnswers, isType, loadTrace, request } from './harness.js';
import type { AsPeer } from './as-peer.js';
import { itAnswersBeforeAppEvents, itReceivesTraceEvents, useFidelityRun } from './scenario.js';

const trace = loadTrace('s10-server-sends-0xff');
const traceAs = asFrom(trace.records);
const originate = request(trace.records, 'POST', /^\/ari\/channels\?/);
const list = request(trace.records, 'GET', /^\/ari\/channels$/);
const callerId = originate.path.match(/[?&]channelId=([^&]+)/)![1];
/** What the trace's server wrote: "ff000101". */
const raw = Buffer.from(String(traceAs.find((r) => r.ev === 'tx-raw')!.hex), 'hex');

describe('s10-server-sends-0xff (simulator vs trace)', () => {
  let peer: AsPeer;

  const run = useFidelityRun(async (run) => {
    await run.replay(originate);
    peer = await run.identifiedConnection(2000);
    // The trace sent 440 Hz for 1 s first; 200 ms shows the same.
    await peer.startTone(440, { ms: 200 });
    peer.sendRaw(raw);
    await run.waitEvent(CALLER, isType('ChannelDestroyed', callerId), 2000);
    await peer.closed;
    await run.replay(list);
  }, 10_000);

  itReceivesTraceEvents(trace, run, [{ src: CALLER }, { src: FIREHOSE }]);

  it('Stasis is not reached; no channel is left (GET /channels as in the trace)', () => {
    expect(run().events(AI).length).toBe(eventsFrom(trace.records, AI).length);
    expect(httpAnswers(run().records)).toEqual(httpAnswers(trace.records));
  });

  it('resets the connection: the server reads the trace\'s error', () => {
    expect(traceAs.find((r) => r.ev === 'socket-error')!.code).toBe('ECONNRESET');
    expect(peer.errorCode).toBe(traceAs.find((r) => r.ev === 'socket-error')!.code);
    expect(frameShapes(peer.frames)).toEqual(frameShapes(traceAs.filter((r) => r.ev === 'frame')));
  });

  itAnswersBeforeAppEvents(trace, run);
});

/**
 * Fidelity, trace s13-connect-refused: AUDIOSOCKET_SERVER (an originate variable overriding the
 * [globals] value) points at a port nothing listens on: "Connection refused", the channel hangs
 * up ~10 ms later, Stasis is not reached.
 */
import { describe, expect, it } from 'vitest';
import { AI, CALLER, FIREHOSE, eventsFrom, httpAnswers, isType, loadTrace, request, subjectOf, timeOf, type Json, type SequenceOptions, type TraceRecord } from './harness.js';
import { deadAddress } from './sim-run.js';
import { itAnswersBeforeAppEvents, itReceivesTraceEvents, useFidelityRun } from './scenario.js';

const trace = loadTrace('s13-connect-refused');
const originate = request(trace.records, 'POST', /^\/ari\/channels\?/);
const callerId = originate.path.match(/[?&]channelId=([^&]+)/)![1];
const agentId = originate.path.match(/otherChannelId=([^&]+)/)![1];
const refusedServer = (originate.requestBody as { variables: Record<string, string> }).variables.AUDIOSOCKET_SERVER;
const LIMIT_MS = 100;

/** AudioSocket() start (its ChannelDialplan) → the hangup request of ;2. */
function refusedToHangup(records: readonly TraceRecord[]): number {
  const started = timeOf(records, CALLER, isType('ChannelDialplan', agentId, (e) => e.dialplan_app === 'AudioSocket'));
  return timeOf(records, CALLER, isType('ChannelHangupRequest', agentId)) - started;
}

describe('s13-connect-refused (simulator vs trace)', () => {
  let dead: string;

  const run = useFidelityRun(async (run) => {
    dead = await deadAddress();
    await run.replay(originate, { [refusedServer]: dead });
    await run.waitEvent(CALLER, isType('ChannelDestroyed', callerId), 2000);
    await run.sleep(30);
  }, 10_000);

  // s13 shows the ;2 ChannelStateChange Up after ;1's StasisStart; s1, s2, s6, s7, s9 before it.
  const racy = (e: Json): boolean => e.type === 'ChannelStateChange' && subjectOf(e) === agentId;
  // The refused address is only known once the run has started.
  const options = (): SequenceOptions => ({ gotAliases: { [dead]: '<refused>' }, wantAliases: { [refusedServer]: '<refused>' }, racy });

  itReceivesTraceEvents(trace, run, [
    { src: CALLER, options },
    { src: FIREHOSE, options },
  ]);

  it('Stasis is not reached; the originate is answered as in the trace', () => {
    expect(run().events(AI).length).toBe(eventsFrom(trace.records, AI).length);
    expect(httpAnswers(run().records)).toEqual(httpAnswers(trace.records));
    expect(run().as.peers.length).toBe(0);
  });

  it(`hangs up ~${Math.round(refusedToHangup(trace.records))} ms after AudioSocket() starts (within ${LIMIT_MS} ms)`, () => {
    expect(refusedToHangup(run().records)).toBeLessThan(LIMIT_MS);
  });

  itAnswersBeforeAppEvents(trace, run);
});

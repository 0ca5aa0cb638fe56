/**
 * Fidelity, trace s13-connect-refused: AUDIOSOCKET_SERVER (an originate variable overriding the
 * [globals] value) points at a port nothing listens on: "Connection refused", the channel hangs
 * up ~10 ms later, Stasis is not reached.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AI,
  CALLER,
  FIREHOSE,
  TRACE_AUDIOSOCKET,
  answer,
  eventsFrom,
  httpFrom,
  isType,
  loadTrace,
  notAnsweredFirst,
  request,
  subjectOf,
  timeOf,
  type Json,
  type TraceRecord,
} from './harness.js';
import { deadAddress, FidelityRun } from './sim-run.js';

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
  let run: FidelityRun;
  let dead: string;

  beforeAll(async () => {
    run = await FidelityRun.start({ sockets: [AI, CALLER, FIREHOSE] });
    dead = await deadAddress();
    await run.replay(originate, { [refusedServer]: dead });
    await run.waitEvent(CALLER, isType('ChannelDestroyed', callerId), 2000);
    await run.sleep(30);
  }, 10_000);

  afterAll(() => run?.close());

  // s13 shows the ;2 ChannelStateChange Up after ;1's StasisStart; s1, s2, s6, s7, s9 before it.
  const racy = (e: Json): boolean => e.type === 'ChannelStateChange' && subjectOf(e) === agentId;

  it('test-caller receives the trace events in the trace order', () => {
    const s = run.compare(CALLER, eventsFrom(trace.records, CALLER), { gotAliases: { [dead]: '<refused>' }, wantAliases: { [refusedServer]: '<refused>' }, racy });
    expect(s.got.ordered).toEqual(s.want.ordered);
    expect(s.got.racy).toEqual(s.want.racy);
  });

  it('the firehose receives the trace events, DeviceStateChanged aside', () => {
    const want = trace.firehose.filter((r) => r.event.type !== 'DeviceStateChanged');
    const s = run.compare(FIREHOSE, want, { gotAliases: { [dead]: '<refused>' }, wantAliases: { [refusedServer]: '<refused>' }, racy });
    expect(s.got.ordered).toEqual(s.want.ordered);
    expect(s.got.racy).toEqual(s.want.racy);
  });

  it('Stasis is not reached; the originate is answered as in the trace', () => {
    expect(run.events(AI).length).toBe(eventsFrom(trace.records, AI).length);
    expect(httpFrom(run.records).map((h) => answer(h))).toEqual(httpFrom(trace.records).map((h) => answer(h)));
    expect(run.as.peers.length).toBe(0);
  });

  it(`hangs up ~${Math.round(refusedToHangup(trace.records))} ms after AudioSocket() starts (within ${LIMIT_MS} ms)`, () => {
    expect(refusedToHangup(run.records)).toBeLessThan(LIMIT_MS);
  });
  it('answers each request before the app events it causes, wherever the trace shows that order', () => {
    expect(notAnsweredFirst(run.answeredFirst(), trace.records, (p) => p.split(TRACE_AUDIOSOCKET).join(run.as.address))).toEqual([]);
  });
});

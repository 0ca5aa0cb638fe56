/**
 * Fidelity, trace s5-inactivity-timeout: neither side sends audio; AudioSocket() gives up after
 * 2000 ms ("Reached timeout"), closes the socket with a FIN and hangs up; Stasis is not reached.
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
} from './harness.js';
import type { AsPeer } from './as-peer.js';
import { FidelityRun } from './sim-run.js';

const trace = loadTrace('s5-inactivity-timeout');
const originate = request(trace.records, 'POST', /^\/ari\/channels\?/);
const callerId = originate.path.match(/[?&]channelId=([^&]+)/)![1];
/** The trace's socket lifetime: connect → FIN from Asterisk (2014 ms). */
const closedAfterMs = Number(harnessFrom(trace.records).find((h) => 'closedAfterMs' in h)!.closedAfterMs);
const TOLERANCE_MS = 150;

describe('s5-inactivity-timeout (simulator vs trace)', () => {
  let run: FidelityRun;
  let peer: AsPeer;

  beforeAll(async () => {
    run = await FidelityRun.start({ sockets: [AI, CALLER, FIREHOSE] });
    await run.replay(originate);
    peer = await run.connection(2000);
    await run.waitEvent(CALLER, isType('ChannelDestroyed', callerId), 4000);
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

  it('Stasis(asterisk-ai-voice-agent) is never reached', () => {
    expect(run.events(AI).length).toBe(eventsFrom(trace.records, AI).length);
    expect(httpFrom(run.records).map((h) => answer(h))).toEqual(httpFrom(trace.records).map((h) => answer(h)));
  });

  it('only the UUID frame crosses the socket', () => {
    const traceFrames = asFrom(trace.records).filter((r) => r.ev === 'frame');
    expect(peer.frames.map((f) => [f.kind, f.len])).toEqual(traceFrames.map((r) => [r.kind, r.len]));
  });

  it(`gives up ${closedAfterMs} ms after the connect with a FIN (±${TOLERANCE_MS} ms)`, () => {
    expect(peer.endedAt).toBeDefined();
    expect(Math.abs(peer.endedAt! - peer.openedAt - closedAfterMs)).toBeLessThanOrEqual(TOLERANCE_MS);
    expect(peer.errorCode).toBeUndefined();
  });
  it('answers each request before the app events it causes, wherever the trace shows that order', () => {
    expect(notAnsweredFirst(run.answeredFirst(), trace.records, (p) => p.split(TRACE_AUDIOSOCKET).join(run.as.address))).toEqual([]);
  });
});

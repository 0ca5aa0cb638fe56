/**
 * Fidelity, trace s10-server-sends-0xff: the server sends a 0xff (error) frame: Asterisk logs an
 * error, resets the connection (the server reads ECONNRESET), hangs the channel up; Stasis is
 * not reached.
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
  httpFrom,
  isType,
  loadTrace,
  notAnsweredFirst,
  request,
} from './harness.js';
import type { AsPeer } from './as-peer.js';
import { FidelityRun } from './sim-run.js';

const trace = loadTrace('s10-server-sends-0xff');
const traceAs = asFrom(trace.records);
const originate = request(trace.records, 'POST', /^\/ari\/channels\?/);
const list = request(trace.records, 'GET', /^\/ari\/channels$/);
const callerId = originate.path.match(/[?&]channelId=([^&]+)/)![1];
/** What the trace's server wrote: "ff000101". */
const raw = Buffer.from(String(traceAs.find((r) => r.ev === 'tx-raw')!.hex), 'hex');

describe('s10-server-sends-0xff (simulator vs trace)', () => {
  let run: FidelityRun;
  let peer: AsPeer;

  beforeAll(async () => {
    run = await FidelityRun.start({ sockets: [AI, CALLER, FIREHOSE] });
    await run.replay(originate);
    peer = await run.connection(2000);
    await run.until(() => peer.uuid !== undefined, 1000, 'the UUID frame');
    // The trace sent 440 Hz for 1 s first; 200 ms shows the same.
    await peer.startTone(440, { ms: 200 });
    peer.sendRaw(raw);
    await run.waitEvent(CALLER, isType('ChannelDestroyed', callerId), 2000);
    await peer.closed;
    await run.replay(list);
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

  it('Stasis is not reached; no channel is left (GET /channels as in the trace)', () => {
    expect(run.events(AI).length).toBe(eventsFrom(trace.records, AI).length);
    expect(httpFrom(run.records).map((h) => answer(h))).toEqual(httpFrom(trace.records).map((h) => answer(h)));
  });

  it('resets the connection: the server reads the trace\'s error', () => {
    expect(traceAs.find((r) => r.ev === 'socket-error')!.code).toBe('ECONNRESET');
    expect(peer.errorCode).toBe(traceAs.find((r) => r.ev === 'socket-error')!.code);
    expect(peer.frames.map((f) => [f.kind, f.len])).toEqual(traceAs.filter((r) => r.ev === 'frame').map((r) => [r.kind, r.len]));
  });
  it('answers each request before the app events it causes, wherever the trace shows that order', () => {
    expect(notAnsweredFirst(run.answeredFirst(), trace.records, (p) => p.split(TRACE_AUDIOSOCKET).join(run.as.address))).toEqual([]);
  });
});

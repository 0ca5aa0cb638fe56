/**
 * The caller hangs up in every state of the call: at StasisStart (before the engine answered),
 * while the externalMedia leg is being set up, while it connects, mid-reply, and during the snoop
 * fallback. Afterwards nothing of the call is left: no channel or bridge in ARI (the engine's
 * `aiav-` ones, the caller's Local pair, anything), no file in the media dir, no open AudioSocket
 * connection, no session; and nothing turns up later (a connect that was still pending).
 */
import type { PbxEvent } from '../ari/models.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CallSession } from '../call/session.js';
import { dumpLogsIfFailed, eventually, expectClean, leftovers, placeCall, sessionOf, sleep, startHarness, waitMark, type Harness } from './harness.js';

const BIND_TIMEOUT_MS = 1500;

describe('caller hangup in every state leaves nothing behind', () => {
  let h: Harness;
  // A harness per test: what one case leaves behind must not fail the next.
  beforeEach(async () => {
    h = await startHarness({ config: { audiosocket: { bind_timeout_ms: BIND_TIMEOUT_MS } } });
  });
  afterEach(async (ctx) => {
    dumpLogsIfFailed(ctx, h);
    await h?.close();
  });

  function onFirst(match: (ev: PbxEvent) => boolean, action: (ev: PbxEvent) => void): void {
    const off = h.sim.pbx.onEvent((ev) => {
      if (!match(ev)) return;
      off();
      action(ev);
    });
  }

  async function expectNothingLeft(session: CallSession, withinMs = 3000): Promise<void> {
    await eventually(() => session.currentState === 'ended', withinMs, `call ${session.callId} to end`);
    await expectClean(h, h.engine, withinMs);
    expect(h.engine.manager.activeCalls).toBe(0);
    expect(h.logs.find('cleanup step failed', (l) => l.callId === session.callId)).toEqual([]);
  }

  it('at StasisStart, before the engine answered', async () => {
    const callId = `c${Date.now().toString(36)}`;
    const callerId = `tc-${callId}-caller`;
    // In the model, the moment the caller enters Stasis: the engine gets StasisStart and the
    // hangup together, and its answer finds no channel.
    onFirst(
      (ev) => ev.type === 'StasisStart' && ev.channel.id === callerId,
      () => h.sim.pbx.faults!.hangupAfter(callerId, 0),
    );
    const placing = h.driver.placeCall({ callId, formats: 'slin16', answerTimeoutMs: 3000 }).catch(() => undefined);
    const session = await sessionOf(h.engine, callerId);
    await placing;
    await expectNothingLeft(session);
    expect(session.timeline.lastMark('bound')).toBeUndefined();
  });

  it('while the engine sets up the externalMedia leg (slow ARI)', async () => {
    // Every ARI answer takes 300 ms: the hangup lands while the bridge and externalMedia
    // requests are still unanswered (the leg exists and may even be bound by then).
    h.sim.ari.faults.setResponseDelay(300);
    const legCreated = new Promise<void>((resolve) => onFirst((ev) => ev.type === 'ChannelCreated' && /^aiav-.*-ext$/.test(ev.channel.id), () => resolve()));
    const { call, session } = await placeCall(h);
    await legCreated;
    await sleep(100);
    await call.hangup();
    await expectNothingLeft(session, 5000);
    h.sim.ari.faults.setResponseDelay(0);
    await sleep(500);
    expect(await leftovers(h, h.engine)).toEqual([]);
  });

  it('while the externalMedia leg is connecting', async () => {
    // The leg's connect takes 1.2 s (within the 1.5 s bind timeout): hang up in the middle.
    h.sim.pbx.faults!.delayAudioSocketConnects(1200);
    const legCreated = new Promise<void>((resolve) => onFirst((ev) => ev.type === 'ChannelCreated' && /^aiav-.*-ext$/.test(ev.channel.id), () => resolve()));
    const { call, session } = await placeCall(h);
    await legCreated;
    await sleep(300);
    expect(session.currentState).toBe('binding');
    await call.hangup();
    // Clean before the connect would have completed...
    await expectNothingLeft(session, 800);
    // ...and no connection shows up after it.
    await sleep(1000);
    expect(await leftovers(h, h.engine)).toEqual([]);
  });

  it('while the agent is answering (bound, mid-reply)', async () => {
    const { call, session } = await placeCall(h);
    await waitMark(session, 'bound', 0, 5000);
    const t0 = performance.now();
    await call.say('sound:caller-hello-16k');
    await waitMark(session, 'agent_audio_start', t0, 8000);
    // A reply is playing and its segments are on disk.
    expect((await h.engine.media.list(session.callId)).length).toBeGreaterThan(0);
    await call.hangup();
    await expectNothingLeft(session);
  });

  it('during the snoop fallback', async () => {
    // Every connect is slower than the bind timeout: the leg times out, the engine falls back
    // to the snoop, whose dialplan AudioSocket() is connecting when the caller hangs up.
    h.sim.pbx.faults!.delayAudioSocketConnects(BIND_TIMEOUT_MS + 1500);
    const { call, session } = await placeCall(h);
    await h.logs.waitFor('audio_transport fallback: switching call to legacy snoop', (l) => l.callId === session.callId, BIND_TIMEOUT_MS + 1000);
    await eventually(() => session.currentState === 'fallback', 1000, 'fallback');
    await sleep(300);
    expect(session.currentState).toBe('fallback');
    await call.hangup();
    await expectNothingLeft(session, 1000);
    await sleep(BIND_TIMEOUT_MS + 500);
    expect(await leftovers(h, h.engine)).toEqual([]);
  });

  it('after the snoop fallback bound (talking over the snoop)', async () => {
    h.sim.pbx.faults!.refuseAudioSocketConnects(true);
    onFirst((ev) => ev.type === 'ChannelDestroyed' && /^aiav-.*-ext$/.test(ev.channel.id), () => h.sim.pbx.faults!.refuseAudioSocketConnects(false));
    const { call, session } = await placeCall(h);
    await waitMark(session, 'bound', 0, BIND_TIMEOUT_MS + 1000);
    expect(session.timeline.lastMark('bound')?.data?.transport).toBe('legacy');
    await call.hangup();
    await expectNothingLeft(session);
  });
});

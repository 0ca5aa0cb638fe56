/**
 * The ARI events WebSocket drops mid-call (the simulator resets it and refuses new ones for a
 * while): the engine keeps its calls, reconnects, and the conversation goes on. A caller who
 * hangs up while the socket is down is noticed after the reconnect (reconcile) and cleaned up.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { control, dumpLogsIfFailed, expectClean, frameRate, keepStreaming, placeCall, sleep, startHarness, turn, waitMark, type Harness } from './harness.js';

const OUTAGE_MS = 1500;

describe('ARI events WebSocket outage', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async (ctx) => {
    dumpLogsIfFailed(ctx, h);
    await h?.close();
  });

  async function dropEngineSocket(): Promise<void> {
    const res = (await control(h, 'POST', '/faults/ari/events/drop', { app: h.config.ari.app, refuseMs: OUTAGE_MS })) as { dropped: number };
    expect(res.dropped).toBe(1);
  }

  it('keeps the call through the outage and talks on after the reconnect', async () => {
    const { call, session } = await placeCall(h);
    await waitMark(session, 'bound', 0, 5000);
    // Set up completely (the whisper snoop for playback is in Stasis) before the outage.
    await h.logs.waitFor('own channel entered Stasis', (l) => /-voice$/.test(String(l.channelId)), 3000);
    const stopStreaming = await keepStreaming(h, call, 30);
    const connectsBefore = h.logs.find('ARI events connected').length;

    await dropEngineSocket();
    await h.logs.waitFor('ARI events disconnected', () => true, 3000);
    expect(h.engine.events.connected).toBe(false);
    // Audio does not depend on the events socket: the call keeps streaming through the outage.
    expect(await frameRate(h.engine, 800)).toBeGreaterThan(40);
    expect(session.currentState).toBe('talking');
    expect(h.engine.manager.activeCalls).toBe(1);

    await h.logs.waitFor('ARI events connected', (l) => l.reconnect === true, OUTAGE_MS + 3000);
    expect(h.logs.find('ARI events connected').length).toBe(connectsBefore + 1);
    await sleep(200);
    expect(session.currentState).toBe('talking');

    await stopStreaming();
    await turn(call, session);
    await call.hangup();
    await session.done;
    await expectClean(h, h.engine);
  });

  it('talks on when the outage hits while the call is being set up', async () => {
    // The socket drops the moment the engine asks for the whisper snoop it plays through: the
    // snoop cannot enter the app's Stasis (no socket, no app) and is gone by the reconnect.
    const off = h.sim.pbx.onEvent((ev) => {
      if (ev.type !== 'ChannelCreated' || !/^aiav-.*-voice$/.test(ev.channel.id)) return;
      off();
      h.sim.ari.faults.refuseEventSocketsFor(OUTAGE_MS);
      h.sim.ari.dropEventSockets([h.config.ari.app], true);
    });
    const { call, session } = await placeCall(h);
    await h.logs.waitFor('ARI events connected', (l) => l.reconnect === true, OUTAGE_MS + 3000);
    expect(session.currentState).toBe('talking');

    await turn(call, session);
    await call.hangup();
    await session.done;
    await expectClean(h, h.engine);
  });

  it('ends a call whose caller hung up while the socket was down', async () => {
    const { call, session } = await placeCall(h);
    await waitMark(session, 'bound', 0, 5000);

    await dropEngineSocket();
    await h.logs.waitFor('ARI events disconnected', () => true, 3000);
    await call.hangup();
    // The engine cannot have heard of it: the call is still on its books.
    await sleep(300);
    expect(session.currentState).toBe('talking');

    await h.logs.waitFor('ARI events connected', (l) => l.reconnect === true, OUTAGE_MS + 3000);
    await h.logs.waitFor('caller gone while ARI events were down; ending call', (l) => l.callId === session.callId, 3000);
    await session.done;
    expect(h.engine.manager.activeCalls).toBe(0);
    await expectClean(h, h.engine);
  });
});

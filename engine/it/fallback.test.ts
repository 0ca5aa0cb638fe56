/**
 * Snoop fallback: when the externalMedia leg's AudioSocket connection is refused or never comes
 * within bind_timeout_ms, the engine says so in a warning, drops the leg, snoops the caller and
 * streams the snoop through the dialplan's AudioSocket(); the call is bound within the bind
 * timeout + 1 s and a turn still gets an answer. `audio_transport: legacy` snoops from the start.
 *
 * The simulator's AudioSocket faults apply to every connect, the snoop's included, so each test
 * lifts its fault at the moment the externalMedia leg has been dealt with (from the model's own
 * event stream, in-process, before the engine hears about it).
 */
import type { PbxEvent } from '../ari/models.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WARN } from './logs.js';
import { OWN, dumpLogsIfFailed, expectClean, placeCall, sleep, startHarness, turn, waitMark, type Harness } from './harness.js';

const BIND_TIMEOUT_MS = 1500;

describe('fallback to the snoop', () => {
  let h: Harness;
  let seen: PbxEvent[];
  let stopWatching: () => void;

  beforeEach(async () => {
    h = await startHarness({ config: { audiosocket: { bind_timeout_ms: BIND_TIMEOUT_MS } } });
    seen = [];
    stopWatching = h.sim.pbx.onEvent((ev) => void seen.push(ev));
  });
  afterEach(async (ctx) => {
    dumpLogsIfFailed(ctx, h);
    stopWatching();
    await h?.close();
  });

  /** Runs `action` once, on the first model event that matches. */
  function onFirst(match: (ev: PbxEvent) => boolean, action: () => void): void {
    const off = h.sim.pbx.onEvent((ev) => {
      if (!match(ev)) return;
      off();
      action();
    });
  }

  const isExt = (ev: PbxEvent) => 'channel' in ev && ev.channel !== undefined && /^aiav-.*-ext$/.test(ev.channel.id);

  async function expectBoundViaSnoop(callId: string, cause: string): Promise<void> {
    const warning = await h.logs.waitFor('audio_transport fallback: switching call to legacy snoop', (l) => l.callId === callId, BIND_TIMEOUT_MS + 2000);
    expect(warning.level).toBe(WARN);
    expect(warning.cause).toBe(cause);
    const bound = await h.logs.waitFor('bound to channel', (l) => l.callId === callId, BIND_TIMEOUT_MS + 2000);
    expect(bound).toMatchObject({ transport: 'legacy', rate: 8000 });
    expect(bound.mediaChannelId).toMatch(/^aiav-.*-snoop$/);
    // The call's child logger carries channelId; the line must not repeat it.
    expect(h.logs.keyCount(bound, 'channelId')).toBe(1);
  }

  function bindDelayMs(session: { timeline: { marks: Array<{ what: string; at: number }> } }): number {
    const answered = session.timeline.marks.find((m) => m.what === 'answered')!;
    const bound = session.timeline.marks.find((m) => m.what === 'bound')!;
    return bound.at - answered.at;
  }

  it('falls back when the AudioSocket connection is refused', async () => {
    h.sim.pbx.faults!.refuseAudioSocketConnects(true);
    onFirst((ev) => ev.type === 'ChannelDestroyed' && isExt(ev), () => h.sim.pbx.faults!.refuseAudioSocketConnects(false));

    const { call, session } = await placeCall(h);
    await expectBoundViaSnoop(session.callId, 'leg_failed');
    await waitMark(session, 'bound', 0, 1000);
    expect(bindDelayMs(session)).toBeLessThan(BIND_TIMEOUT_MS + 1000);
    expect(session.timeline.lastMark('fallback')).toBeDefined();

    // The refused leg is gone and no bridge is left; the caller is alone, snooped.
    expect((await h.driver.ari.channels.list()).filter((c) => c.id.startsWith(OWN)).map((c) => c.id)).toEqual([expect.stringMatching(/-snoop$/)]);
    expect((await h.driver.ari.bridges.list()).filter((b) => b.id.startsWith(OWN))).toEqual([]);

    await turn(call, session);
    await call.hangup();
    await session.done;
    await expectClean(h, h.engine);
  });

  it('falls back when the AudioSocket connection never comes within bind_timeout_ms', async () => {
    // The leg's connect waits longer than the bind timeout; the snoop's connect, later, does not.
    h.sim.pbx.faults!.delayAudioSocketConnects(BIND_TIMEOUT_MS + 2500);
    // ChannelCreated is emitted just before the leg starts its connect: lift the delay right after.
    onFirst((ev) => ev.type === 'ChannelCreated' && isExt(ev), () => setImmediate(() => h.sim.pbx.faults!.delayAudioSocketConnects(0)));

    const { call, session } = await placeCall(h);
    const timeout = await h.logs.waitFor('no AudioSocket connection bound in time; falling back to snoop', (l) => l.callId === session.callId, BIND_TIMEOUT_MS + 2000);
    expect(timeout.level).toBe(WARN);
    expect(timeout.timeoutMs).toBe(BIND_TIMEOUT_MS);
    await expectBoundViaSnoop(session.callId, 'bind_timeout');
    await waitMark(session, 'bound', 0, 1000);
    const delay = bindDelayMs(session);
    expect(delay).toBeGreaterThanOrEqual(BIND_TIMEOUT_MS);
    expect(delay).toBeLessThan(BIND_TIMEOUT_MS + 1000);

    // The leg that never connected is dropped with the fallback, not left to its late connect.
    await sleep(300);
    expect((await h.driver.ari.channels.list()).filter((c) => /^aiav-.*-ext$/.test(c.id))).toEqual([]);

    await turn(call, session);
    await call.hangup();
    await session.done;
    await expectClean(h, h.engine);
  });

  it('audio_transport legacy snoops from the start and creates no externalMedia channel', async () => {
    await h.close();
    h = await startHarness({ config: { audio_transport: 'legacy', audiosocket: { bind_timeout_ms: BIND_TIMEOUT_MS } } });
    seen = [];
    stopWatching = h.sim.pbx.onEvent((ev) => void seen.push(ev));

    const { call, session } = await placeCall(h);
    const bound = await h.logs.waitFor('bound to channel', (l) => l.callId === session.callId, BIND_TIMEOUT_MS + 1000);
    expect(bound).toMatchObject({ transport: 'legacy', rate: 8000 });
    expect(bound.mediaChannelId).toMatch(/^aiav-.*-snoop$/);
    expect(h.logs.find(/fallback/, (l) => l.callId === session.callId)).toEqual([]);
    expect(session.timeline.lastMark('legacy')).toBeDefined();

    await turn(call, session);
    await call.hangup();
    await session.done;
    await expectClean(h, h.engine);

    const created = seen.flatMap((ev) => (ev.type === 'ChannelCreated' ? [ev.channel] : []));
    expect(created.filter((c) => c.id.endsWith('-ext') || c.name.startsWith('AudioSocket/'))).toEqual([]);
    expect(created.some((c) => /^aiav-.*-snoop$/.test(c.id))).toBe(true);
  });
});

/**
 * limits.max_calls: past it a new caller is turned away whole (hung up with cause 34, or sent
 * back to the dialplan with AI_AGENT_REFUSED=max_calls), the calls already up go on untouched,
 * and the next caller is taken again once a call has ended.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { PbxEvent } from '../ari/models.js';
import { dumpLogsIfFailed, expectClean, framesIn, placeCall, startHarness, turn, waitMark, type Harness } from './harness.js';

describe.each(['hangup', 'continue'] as const)('limits.max_calls with overflow %s', (overflow) => {
  let h: Harness | undefined;
  afterEach(async (ctx) => {
    dumpLogsIfFailed(ctx, h);
    await h?.close();
  });

  it('turns the third caller away while two calls are up, and takes callers again after one ends', async () => {
    h = await startHarness({ config: { limits: { max_calls: 2, overflow } } });
    const events: PbxEvent[] = [];
    const off = h.sim.pbx.onEvent((ev) => events.push(ev));
    const first = await placeCall(h);
    const second = await placeCall(h);
    await waitMark(first.session, 'bound', 0, 5000);
    await waitMark(second.session, 'bound', 0, 5000);

    const third = await h.driver.placeCall({ formats: 'slin16' });
    await third.waitFor('ended', 5000);
    const refusal = h.logs.find('at max_calls: refusing new call', (l) => l.channelId === third.callerId);
    expect(refusal).toHaveLength(1);
    expect(refusal[0]).toMatchObject({ activeCalls: 2, maxCalls: 2, overflow });
    expect(h.logs.find('call started', (l) => l.channelId === third.callerId)).toHaveLength(0);
    const about = (ev: PbxEvent) => 'channel' in ev && ev.channel?.id === third.callerId;
    const thirdEvents = events.filter(about);
    if (overflow === 'hangup') {
      // Hung up from ARI with reason congestion: cause 34, and the dialplan does not go on.
      expect(thirdEvents.find((e) => e.type === 'ChannelDestroyed')).toMatchObject({ cause: 34 });
      expect(thirdEvents.some((e) => e.type === 'ChannelVarset' && e.variable === 'AI_AGENT_REFUSED')).toBe(false);
    } else {
      // Marked, then back in the dialplan after Stasis() (its Verbose and Hangup lines).
      expect(thirdEvents.find((e) => e.type === 'ChannelVarset' && e.variable === 'AI_AGENT_REFUSED')).toMatchObject({ value: 'max_calls' });
      const end = thirdEvents.findIndex((e) => e.type === 'StasisEnd');
      expect(end).toBeGreaterThan(-1);
      expect(thirdEvents.slice(end).some((e) => e.type === 'ChannelDialplan' && e.dialplan_app === 'Verbose')).toBe(true);
    }
    off();
    const refused = await h.engine.metrics.callsRefused.get();
    expect(refused.values.find((v) => v.labels.reason === 'max_calls')?.value).toBe(1);

    // The two calls kept going: the first still hears its caller and answers.
    const before = await framesIn(h.engine);
    await turn(first.call, first.session, 'sound:caller-hello-16k');
    expect((await framesIn(h.engine)) - before).toBeGreaterThan(100);
    expect(second.call.ended).toBe(false);

    // One call ends: the next caller is taken.
    await second.call.hangup();
    await second.session.done;
    const fourth = await placeCall(h);
    await waitMark(fourth.session, 'bound', 0, 5000);
    await first.call.hangup();
    await fourth.call.hangup();
    await expectClean(h, h.engine);
  });
});

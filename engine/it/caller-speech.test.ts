/**
 * One voice-activity detector per call: a provider pushed the very audio the engine's VAD hears
 * (same rate) is offered the engine's speech events, and the scripted provider then runs no
 * detector of its own. At another provider rate it keeps its own. Either way the caller's turn is
 * heard and answered.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { expectClean, placeCall, startHarness, turn, waitMark, type Harness } from './harness.js';

describe('caller speech for the provider', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  async function oneTurn(config: Record<string, unknown>): Promise<string> {
    h = await startHarness({ config });
    const { call, session } = await placeCall(h, 'slin16');
    await waitMark(session, 'bound', 0, 5000);
    await turn(call, session, 'sound:caller-hello-16k');
    expect(session.timeline.turns).toHaveLength(1);
    const opened = await h.logs.waitFor('listening for caller turns', (l) => l.callId === session.callId);
    await call.hangup();
    await session.done;
    await expectClean(h, h.engine);
    return opened.detector as string;
  }

  it('the scripted provider listens to the engine\'s detector when the rates match', async () => {
    expect(await oneTurn({})).toBe('engine');
  });

  it('the scripted provider runs its own detector when it is pushed audio at another rate', async () => {
    expect(await oneTurn({ streaming: { sample_rate_hz: 8000 } })).toBe('own');
  });
});

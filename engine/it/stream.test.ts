/**
 * `downstream_mode: stream`: the agent's audio goes back over the bound AudioSocket in paced 20 ms
 * frames. The engine must know when the caller has heard it all (turn timing, barge-in window),
 * and barge-in must cut the queued frames.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeCall } from '../../simulator/driver/analysis.js';
import { expectClean, placeCall, startHarness, turn, waitMark, type Harness } from './harness.js';

describe('downstream_mode: stream', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ config: { downstream_mode: 'stream', barge_in: { enabled: true } } });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('marks the end of each streamed answer and times the turn', async () => {
    const { call, session } = await placeCall(h, 'slin16');
    await waitMark(session, 'bound', 0, 5000);
    const heardAt = await turn(call, session, 'sound:caller-hello-16k');
    // The answer (~4.2 s) ends when its last frame has gone out, not when it was queued.
    await waitMark(session, 'agent_audio_end', heardAt, 10_000);
    const end = session.timeline.marks.find((m) => m.what === 'agent_audio_end' && m.at >= heardAt)!.at;
    expect(end - heardAt).toBeGreaterThan(3000);
    expect(session.timeline.turns).toHaveLength(1);
    expect(session.timeline.turns[0].responseMs).toBeGreaterThan(0);

    // A second turn is timed too: the agent is not stuck "speaking" after the first.
    const second = await turn(call, session, 'sound:caller-question-16k');
    expect(session.timeline.turns).toHaveLength(2);
    await waitMark(session, 'agent_audio_end', second, 10_000);
    await call.hangup();
    await session.done;
    const a = analyzeCall(...(Object.values(await call.recordings()) as [Buffer, Buffer]));
    expect(a.responses.length).toBeGreaterThanOrEqual(2);
    await expectClean(h, h.engine);
  });

  it('drops the queued frames when the caller barges in', async () => {
    const { call, session } = await placeCall(h, 'slin16');
    await waitMark(session, 'bound', 0, 5000);
    const heardAt = await turn(call, session, 'sound:caller-hello-16k');
    // Past the protection window, talk over the answer.
    await new Promise((r) => setTimeout(r, 1200));
    void call.say('sound:caller-interrupt-16k');
    await waitMark(session, 'barge_in', heardAt, 5000);
    const barge = session.timeline.lastMark('barge_in')!;
    expect(barge.data).toMatchObject({ source: expect.stringMatching(/vad|provider/) });
    expect(h.engine.audio.connectionCount).toBeGreaterThan(0);
    await waitMark(session, 'user_speech_end', barge.at, 8000);
    await call.hangup();
    await session.done;
    const a = analyzeCall(...(Object.values(await call.recordings()) as [Buffer, Buffer]));
    // At the caller's ear the agent stopped soon after being talked over.
    expect(a.bargeIns.length).toBeGreaterThanOrEqual(1);
    expect(a.bargeIns[0].stopLatencyMs).toBeLessThan(400);
    await expectClean(h, h.engine);
  });
});

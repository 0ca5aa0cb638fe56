/**
 * The Deepgram provider inside whole calls, against the fake Deepgram agent server
 * (simulator/deepgram): the conversation works over the call's audio, and a dead connection never
 * leaves the caller in silence — the call moves to the fallback provider, or hears the apology and
 * is hung up.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { analyzeCall } from '../../simulator/driver/analysis.js';
import { startFakeDeepgramAgent, type FakeDeepgramAgent } from '../../simulator/deepgram/index.js';
import { dumpLogsIfFailed, expectClean, placeCall, startHarness, turn, waitMark, type Harness } from './harness.js';
import { eventually } from './wait.js';

let h: Harness | undefined;
let fake: FakeDeepgramAgent | undefined;

afterEach(async (ctx) => {
  dumpLogsIfFailed(ctx, h);
  await h?.close();
  await fake?.close();
  h = undefined;
  fake = undefined;
});

/** An engine whose default provider is Deepgram, pointed at the fake service. */
async function deepgramHarness(opts: { fallback?: 'scripted'; apology?: string; key?: string } = {}): Promise<Harness> {
  fake = await startFakeDeepgramAgent({ apiKey: 'test-key' });
  const harness = await startHarness({ noEngine: true });
  const cfg = harness.config;
  cfg.default_provider = 'deepgram';
  cfg.secrets = { deepgram_api_key: opts.key ?? 'test-key' };
  cfg.providers.deepgram.url = fake.url;
  cfg.providers.deepgram.fallback_provider = opts.fallback;
  cfg.media.apology_media = opts.apology;
  await harness.startEngine();
  return harness;
}

describe('Deepgram provider in a call (fake Deepgram agent server)', () => {
  it('greets and answers the caller, with Settings matching the call', async () => {
    h = await deepgramHarness();
    const { call, session } = await placeCall(h, 'slin16');
    await waitMark(session, 'agent_audio_start', 0, 8000);
    expect(h.logs.find('Provider session started', (l) => l.callId === session.callId)[0]).toMatchObject({ provider: 'deepgram', sampleRate: 16000 });
    const settings = fake!.sessions[0].settings as { audio: { input: { encoding: string; sample_rate: number }; output: { sample_rate: number } } };
    expect(settings.audio.input).toMatchObject({ encoding: 'linear16', sample_rate: 16000 });
    expect(settings.audio.output.sample_rate).toBe(16000);

    await waitMark(session, 'agent_audio_end', 0, 10_000);
    await turn(call, session, 'sound:caller-hello-16k');
    await waitMark(session, 'agent_audio_end', performance.now() - 1, 10_000).catch(() => undefined);
    await call.hangup();
    await session.done;

    // The caller heard the greeting and an answer after speaking.
    const a = analyzeCall(...Object.values(await call.recordings()) as [Buffer, Buffer]);
    expect(a.heard.length).toBeGreaterThanOrEqual(2);
    expect(a.responses.length).toBeGreaterThanOrEqual(1);
    expect(h.logs.find('transcript', (l) => l.callId === session.callId && l.role === 'user').length).toBeGreaterThanOrEqual(1);
    await expectClean(h, h.engine);
  });

  it('moves the call to the fallback provider when the Deepgram connection dies mid-call', async () => {
    h = await deepgramHarness({ fallback: 'scripted' });
    const { call, session } = await placeCall(h, 'slin16');
    await waitMark(session, 'agent_audio_end', 0, 10_000);

    fake!.dropAll();
    await waitMark(session, 'provider_lost', 0, 3000);
    await eventually(() => h!.logs.find('Provider session started', (l) => l.callId === session.callId && l.provider === 'scripted').length === 1, 3000, 'scripted session');
    expect(h.logs.find('switching to fallback provider', (l) => l.callId === session.callId)).toHaveLength(1);

    // The conversation goes on with the fallback: a turn gets an answer.
    await waitMark(session, 'agent_audio_end', performance.now() - 1, 10_000).catch(() => undefined);
    await turn(call, session, 'sound:caller-hello-16k');
    expect(session.currentState).toBe('talking');
    await call.hangup();
    await session.done;
    await expectClean(h, h.engine);
  });

  it('uses the fallback from the start when Deepgram refuses the key', async () => {
    h = await deepgramHarness({ fallback: 'scripted', key: 'wrong-key' });
    const { call, session } = await placeCall(h, 'slin16');
    await waitMark(session, 'provider_started', 0, 8000);
    expect(h.logs.find('provider session failed to open', (l) => l.callId === session.callId)[0]).toMatchObject({ provider: 'deepgram' });
    expect(h.logs.find('Provider session started', (l) => l.callId === session.callId)[0]).toMatchObject({ provider: 'scripted' });
    expect(fake!.rejected.map((r) => r.status)).toContain(401);
    // The harness's script has no greeting: the scripted provider answers the caller's turn.
    await turn(call, session, 'sound:caller-hello-16k');
    await call.hangup();
    await session.done;
  });

  it('plays the apology and hangs up when no provider is left', async () => {
    h = await deepgramHarness({ apology: 'sound:hello-world' });
    const { call, session } = await placeCall(h, 'slin16');
    await waitMark(session, 'agent_audio_end', 0, 10_000);
    // A clear pause after the greeting, so the apology stands apart in the recording.
    await new Promise((r) => setTimeout(r, 1500));

    fake!.dropAll();
    await waitMark(session, 'apology', 0, 3000);
    // The engine ends the call once the apology has played, not before.
    await call.waitFor('ended', 10_000);
    await session.done;
    const apologyAt = session.timeline.lastMark('apology')!.at;
    const endedAt = session.timeline.lastMark('teardown')!.at;
    expect(endedAt - apologyAt).toBeGreaterThan(500);

    const a = analyzeCall(...Object.values(await call.recordings()) as [Buffer, Buffer]);
    // Greeting, then the apology: the caller was not left in silence.
    expect(a.heard.length).toBeGreaterThanOrEqual(2);
    await expectClean(h, h.engine);
  });
});

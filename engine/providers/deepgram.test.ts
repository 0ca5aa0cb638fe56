/**
 * The Deepgram provider through the real SDK against the fake service (simulator/deepgram) on
 * 127.0.0.1: what reaches the service, what the engine is told, and how fast a dead connection
 * is reported.
 */
import { createServer, type Socket } from 'node:net';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeDeepgramAgent, type FakeDeepgramAgent } from '../../simulator/deepgram/fake-agent.js';
import type { FakeAgentBehaviour } from '../../simulator/deepgram/fake-agent-session.js';
import { toneLinear16 } from '../../simulator/deepgram/tone.js';
import { createDeepgramProvider, type DeepgramProviderConfig } from './deepgram.js';
import { ProviderError, type ProviderEvent, type ProviderSession } from './types.js';

const logger = pino({ level: 'silent' });
let fake: FakeDeepgramAgent | undefined;
const sessions: ProviderSession[] = [];

afterEach(async () => {
  await Promise.all(sessions.splice(0).map((s) => s.close()));
  await fake?.close();
  fake = undefined;
});

interface Opened {
  session: ProviderSession;
  events: ProviderEvent[];
  /** performance.now() of each event, same index as `events`. */
  times: number[];
  types: () => string[];
}

async function open(behaviour: FakeAgentBehaviour = {}, rate = 8000, config: Partial<DeepgramProviderConfig> = {}): Promise<Opened> {
  fake ??= await startFakeDeepgramAgent({ behaviour });
  const provider = createDeepgramProvider({ apiKey: fake.apiKey, baseUrl: fake.url, connectTimeoutMs: 2000, ...config });
  const events: ProviderEvent[] = [];
  const times: number[] = [];
  const session = await provider.openSession({
    callId: 'call-1',
    format: { encoding: 'linear16', sampleRate: rate },
    logger,
    onEvent: (e) => {
      events.push(e);
      times.push(performance.now());
    },
  });
  sessions.push(session);
  return { session, events, times, types: () => events.map((e) => e.type).filter((t) => t !== 'agent_audio') };
}

const frame = (rate: number, ms = 20): number => (rate * 2 * ms) / 1000;
const speech = (rate: number, ms: number): Buffer => toneLinear16({ sampleRate: rate, frequencyHz: 300, durationMs: ms, levelDbfs: -20 });
const silence = (rate: number, ms: number): Buffer => Buffer.alloc(frame(rate, ms));

/** Pushes audio in 20 ms frames, as AudioSocket delivers it (all at once: the fake uses audio time). */
function pushFrames(session: ProviderSession, pcm: Buffer, rate: number): void {
  for (let i = 0; i < pcm.length; i += frame(rate)) session.pushAudio(pcm.subarray(i, i + frame(rate)));
}

const audioOf = (events: ProviderEvent[], responseId?: string): Buffer =>
  Buffer.concat(events.flatMap((e) => (e.type === 'agent_audio' && (responseId === undefined || e.responseId === responseId) ? [e.pcm] : [])));

describe('deepgram provider: availability and opening', () => {
  it('is unavailable without DEEPGRAM_API_KEY and refuses to open', async () => {
    const provider = createDeepgramProvider({ apiKey: undefined });
    expect(provider.availability()).toEqual({ ok: false, reason: 'DEEPGRAM_API_KEY is not set' });
    expect(createDeepgramProvider({ apiKey: 'k' }).availability()).toEqual({ ok: true });
    expect(provider.capabilities).toEqual({ detectsTurns: true, speaks: true });
    const opening = provider.openSession({ callId: 'c', format: { encoding: 'linear16', sampleRate: 8000 }, logger, onEvent: () => undefined });
    await expect(opening).rejects.toMatchObject({ name: 'ProviderError', code: 'DEEPGRAM_NO_API_KEY' });
  });

  it.each([8000, 16000])('sends Settings matching the call at %i Hz, with the configured agent', async (rate) => {
    await open({}, rate, { greeting: 'Welcome to the shop', instructions: 'Be brief.', thinkModel: 'gpt-4.1-mini', speakModel: 'aura-2-andromeda-en' });
    const record = fake!.sessions[0]!;
    expect(record.authorization).toBe(`Token ${fake!.apiKey}`);
    expect(record.settings).toMatchObject({
      type: 'Settings',
      audio: {
        input: { encoding: 'linear16', sample_rate: rate },
        output: { encoding: 'linear16', sample_rate: rate, container: 'none' },
      },
      agent: {
        listen: { provider: { type: 'deepgram', model: 'nova-3' } },
        think: { provider: { type: 'open_ai', model: 'gpt-4.1-mini' }, prompt: 'Be brief.' },
        speak: { provider: { type: 'deepgram', model: 'aura-2-andromeda-en' } },
        greeting: 'Welcome to the shop',
      },
    });
    expect(record.accepted).toMatchObject({ inputSampleRate: rate, outputSampleRate: rate });
  });

  it('rejects with DEEPGRAM_AUTH_REJECTED when the key is refused, and does not retry', async () => {
    fake = await startFakeDeepgramAgent();
    const provider = createDeepgramProvider({ apiKey: 'wrong-key', baseUrl: fake.url, connectTimeoutMs: 2000 });
    const opening = provider.openSession({ callId: 'c', format: { encoding: 'linear16', sampleRate: 8000 }, logger, onEvent: () => undefined });
    const err = await opening.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect(err).toMatchObject({ code: 'DEEPGRAM_AUTH_REJECTED', retryable: false, message: expect.stringContaining('HTTP 401') });
    expect((err as Error).message).not.toContain('wrong-key');
    await new Promise((r) => setTimeout(r, 300));
    expect(fake.rejected).toHaveLength(1);
  });

  it('rejects with DEEPGRAM_SETTINGS_TIMEOUT when SettingsApplied never comes', async () => {
    const started = performance.now();
    await expect(open({ noSettingsApplied: true }, 8000, { connectTimeoutMs: 300 })).rejects.toMatchObject({
      code: 'DEEPGRAM_SETTINGS_TIMEOUT',
      retryable: true,
    });
    expect(performance.now() - started).toBeLessThan(1500);
    await fake!.waitFor(() => fake!.sessions[0]!.closed !== undefined);
    expect(fake!.sessions[0]!.closed?.by).toBe('client');
  });

  it('rejects with DEEPGRAM_SETTINGS_REJECTED when the service answers Settings with Error', async () => {
    const err = await open({}, 0).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'DEEPGRAM_SETTINGS_REJECTED', message: expect.stringContaining('INVALID_SETTINGS') });
  });

  it('rejects with DEEPGRAM_CONNECT_FAILED when nothing listens', async () => {
    fake = await startFakeDeepgramAgent();
    const url = fake.url;
    await fake.close();
    fake = undefined;
    const provider = createDeepgramProvider({ apiKey: 'k', baseUrl: url, connectTimeoutMs: 2000 });
    const opening = provider.openSession({ callId: 'c', format: { encoding: 'linear16', sampleRate: 8000 }, logger, onEvent: () => undefined });
    await expect(opening).rejects.toMatchObject({ code: 'DEEPGRAM_CONNECT_FAILED', retryable: true });
  });

  it('rejects with DEEPGRAM_CONNECT_TIMEOUT when the upgrade is never answered', async () => {
    const held: Socket[] = [];
    const silent = createServer((socket) => held.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as { port: number };
    try {
      const provider = createDeepgramProvider({ apiKey: 'k', baseUrl: `ws://127.0.0.1:${port}`, connectTimeoutMs: 300 });
      const opening = provider.openSession({ callId: 'c', format: { encoding: 'linear16', sampleRate: 8000 }, logger, onEvent: () => undefined });
      await expect(opening).rejects.toMatchObject({ code: 'DEEPGRAM_CONNECT_TIMEOUT', retryable: true });
      expect(held).toHaveLength(1);
    } finally {
      held.forEach((s) => s.destroy());
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});

describe('deepgram provider: conversation', () => {
  it.each([8000, 16000])('delivers the greeting as one response of agent_audio at %i Hz', async (rate) => {
    const { events, types } = await open({ greetingAudioMs: 300 }, rate, { greeting: 'Hello there' });
    await fake!.waitFor(() => types().includes('response_done'));
    expect(types()).toEqual(['transcript', 'response_started', 'response_done']);
    expect(events[0]).toEqual({ type: 'transcript', role: 'agent', text: 'Hello there', final: true });
    const started = events[1] as Extract<ProviderEvent, { type: 'response_started' }>;
    expect(started.text).toBe('Hello there');
    const chunks = events.filter((e) => e.type === 'agent_audio');
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.every((e) => e.responseId === started.responseId && e.sampleRate === rate && Buffer.isBuffer(e.pcm))).toBe(true);
    expect(audioOf(events)).toEqual(toneLinear16({ sampleRate: rate, frequencyHz: 440, durationMs: 300 }));
    expect(events.at(-1)).toEqual({ type: 'response_done', responseId: started.responseId });
  });

  it('hears a spoken turn: user_started, user_stopped, transcripts, a new response with audio', async () => {
    const rate = 16000;
    const { session, events, types } = await open({ transcripts: ['what time do you open'], replies: ['At nine.'], replyAudioMs: 200 }, rate);
    pushFrames(session, Buffer.concat([silence(rate, 100), speech(rate, 400), silence(rate, 600)]), rate);
    await fake!.waitFor(() => types().includes('response_done'));
    expect(types()).toEqual(['user_started_speaking', 'user_stopped_speaking', 'transcript', 'transcript', 'response_started', 'response_done']);
    expect(events.filter((e) => e.type === 'transcript')).toEqual([
      { type: 'transcript', role: 'user', text: 'what time do you open', final: true },
      { type: 'transcript', role: 'agent', text: 'At nine.', final: true },
    ]);
    const started = events.find((e) => e.type === 'response_started')!;
    expect(started).toMatchObject({ text: 'At nine.' });
    expect(audioOf(events, (started as { responseId: string }).responseId).length).toBe(frame(rate, 200));
    expect(fake!.sessions[0]!.audio.bytes).toBe(frame(rate, 1100));
  });

  it('handles a slow answer: the response comes late and the session stays usable', async () => {
    const rate = 8000;
    const { session, events, times, types } = await open({ slowResponseMs: 800, replyAudioMs: 100 }, rate, { keepAliveMs: 250 });
    pushFrames(session, Buffer.concat([speech(rate, 300), silence(rate, 500)]), rate);
    await fake!.waitFor(() => types().includes('response_done'), 5000);
    const stopped = times[events.findIndex((e) => e.type === 'user_stopped_speaking')]!;
    const started = times[events.findIndex((e) => e.type === 'response_started')]!;
    expect(started - stopped).toBeGreaterThan(650);
    expect(types()).not.toContain('error');
    // Silence while waiting was covered by KeepAlive, and the next turn still works.
    expect(fake!.sessions[0]!.keepAlivesAtMs.length).toBeGreaterThan(0);
    pushFrames(session, Buffer.concat([speech(rate, 300), silence(rate, 500)]), rate);
    await fake!.waitFor(() => types().filter((t) => t === 'response_done').length === 2, 5000);
  });

  it('drops the audio of a cancelled response until the next one starts', async () => {
    const rate = 8000;
    const { session, events, types } = await open({ greetingAudioMs: 3000, deliverySpeed: 1, replyAudioMs: 200 }, rate, { greeting: 'A long greeting' });
    await fake!.waitFor(() => events.some((e) => e.type === 'agent_audio'));
    const greetingId = (events.find((e) => e.type === 'response_started') as { responseId: string }).responseId;
    session.cancelResponse();
    const countAtCancel = events.filter((e) => e.type === 'agent_audio').length;
    await new Promise((r) => setTimeout(r, 300)); // the service keeps sending: Deepgram has no cancel
    expect(fake!.sessions[0]!.sent.filter((s) => s.type === 'audio').length).toBeGreaterThan(countAtCancel);
    expect(events.filter((e) => e.type === 'agent_audio')).toHaveLength(countAtCancel);
    // The caller's turn makes the service stop and answer; that answer is heard.
    pushFrames(session, Buffer.concat([speech(rate, 300), silence(rate, 500)]), rate);
    await fake!.waitFor(() => types().filter((t) => t === 'response_done').length === 2);
    const responses = events.filter((e) => e.type === 'response_started').map((e) => (e as { responseId: string }).responseId);
    expect(responses).toHaveLength(2);
    expect(responses[1]).not.toBe(greetingId);
    expect(audioOf(events, responses[1]).length).toBe(frame(rate, 200));
    expect(events.filter((e) => e.type === 'response_done').map((e) => (e as { responseId: string }).responseId)).toEqual([greetingId, responses[1]]);
  });

  it('reports a Warning as a warning event', async () => {
    const { types, events } = await open({ warning: { code: 'SLOW_THINK', description: 'slow' } });
    await fake!.waitFor(() => types().includes('warning'));
    expect(events.find((e) => e.type === 'warning')).toEqual({ type: 'warning', code: 'SLOW_THINK', message: 'slow' });
  });
});

describe('deepgram provider: KeepAlive', () => {
  it('sends KeepAlive during silence and none while audio flows', async () => {
    const rate = 8000;
    const keepAliveMs = 150;
    const { session } = await open({}, rate, { keepAliveMs });
    const record = fake!.sessions[0]!;
    await new Promise((r) => setTimeout(r, 500));
    const idleCount = record.keepAlivesAtMs.length;
    expect(idleCount).toBeGreaterThanOrEqual(2);
    expect(idleCount).toBeLessThanOrEqual(4);

    // 600 ms of 20 ms frames in real time (silence: no turn, just traffic).
    await new Promise<void>((resolve) => {
      let sent = 0;
      const timer = setInterval(() => {
        session.pushAudio(silence(rate, 20));
        if (++sent === 30) {
          clearInterval(timer);
          resolve();
        }
      }, 20);
    });
    await fake!.waitFor(() => record.audio.messages === 30);
    const { firstAtMs, lastAtMs } = record.audio;
    expect(record.keepAlivesAtMs.filter((t) => t > firstAtMs! && t < lastAtMs!)).toEqual([]);

    await fake!.waitFor(() => record.keepAlivesAtMs.some((t) => t > lastAtMs!), 2000);
    const resumed = record.keepAlivesAtMs.find((t) => t > lastAtMs!)!;
    expect(resumed - lastAtMs!).toBeGreaterThanOrEqual(keepAliveMs - 30);
    expect(record.received.filter((m) => m.type === 'KeepAlive')).toHaveLength(record.keepAlivesAtMs.length);
  });
});

describe('deepgram provider: failures and close', () => {
  it('reports a service Error, then a fatal error and closed when the service closes after it', async () => {
    const { events, types } = await open({ errorAfterSettings: { code: 'FAILED_TO_THINK', description: 'llm down' } });
    await fake!.waitFor(() => types().includes('closed'));
    expect(events).toEqual([
      { type: 'error', code: 'FAILED_TO_THINK', message: 'llm down', retryable: false, fatal: false },
      { type: 'error', code: 'FAILED_TO_THINK', message: expect.stringContaining('llm down'), retryable: false, fatal: true },
      { type: 'closed', reason: expect.stringContaining('1011'), expected: false },
    ]);
  });

  it('reports an abrupt disconnect as a fatal error and closed within 500 ms, and never reconnects', async () => {
    const { events, times, types } = await open({ disconnectAfterMs: 150 });
    await fake!.waitFor(() => types().includes('closed'));
    const record = fake!.sessions[0]!;
    const droppedAt = record.connectedAt + record.closed!.atMs;
    const fatal = events.findIndex((e) => e.type === 'error' && e.fatal);
    expect(events[fatal]).toMatchObject({ code: 'DEEPGRAM_CONNECTION_LOST', fatal: true, retryable: false });
    expect(times[fatal]! - droppedAt).toBeLessThan(500);
    expect(events.at(-1)).toMatchObject({ type: 'closed', expected: false });
    expect(types().filter((t) => t === 'closed')).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 400));
    expect(fake!.sessions).toHaveLength(1);
  });

  it('reports a service-wide drop the same way mid-response (the caller is never left waiting in silence)', async () => {
    const { events, types } = await open({ greetingAudioMs: 2000, deliverySpeed: 1 }, 8000, { greeting: 'Hello' });
    await fake!.waitFor(() => events.some((e) => e.type === 'agent_audio'));
    fake!.dropAll();
    await fake!.waitFor(() => types().includes('closed'), 1000);
    expect(types().slice(-2)).toEqual(['error', 'closed']);
    expect(events.filter((e) => e.type === 'error')[0]).toMatchObject({ fatal: true });
  });

  it('close() is idempotent, emits closed once, closes the socket and leaves no timers', async () => {
    fake = await startFakeDeepgramAgent();
    const timersBefore = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const { session, types } = await open({}, 8000, { keepAliveMs: 50 });
    await new Promise((r) => setTimeout(r, 120));
    const first = session.close();
    const second = session.close();
    expect(second).toBe(first);
    await first;
    await session.close();
    expect(types().filter((t) => t === 'closed')).toHaveLength(1);
    expect(types().at(-1)).toBe('closed');
    await fake.waitFor(() => fake!.sessions[0]!.closed !== undefined);
    expect(fake.sessions[0]!.closed).toMatchObject({ code: 1000, by: 'client' });
    const keepAlives = fake.sessions[0]!.keepAlivesAtMs.length;
    session.pushAudio(silence(8000, 20));
    session.cancelResponse();
    await new Promise((r) => setTimeout(r, 150));
    expect(fake.sessions[0]!.keepAlivesAtMs).toHaveLength(keepAlives);
    expect(fake.sessions[0]!.audio.bytes).toBe(0);
    expect(process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length).toBeLessThanOrEqual(timersBefore);
  });

  it('close() after the service dropped the connection resolves without a second closed', async () => {
    const { session, types } = await open({ disconnectAfterMs: 50 });
    await fake!.waitFor(() => types().includes('closed'));
    await session.close();
    expect(types().filter((t) => t === 'closed')).toHaveLength(1);
  });

  it('a listener that throws loses no event and does not break the session', async () => {
    fake = await startFakeDeepgramAgent({ behaviour: { replyAudioMs: 100, deliverySpeed: 0 } });
    const provider = createDeepgramProvider({ apiKey: fake.apiKey, baseUrl: fake.url });
    const seen: string[] = [];
    const session = await provider.openSession({
      callId: 'c',
      format: { encoding: 'linear16', sampleRate: 8000 },
      logger,
      onEvent: (e) => {
        seen.push(e.type);
        throw new Error('listener bug');
      },
    });
    sessions.push(session);
    pushFrames(session, Buffer.concat([speech(8000, 300), silence(8000, 500)]), 8000);
    await fake.waitFor(() => seen.includes('response_done'));
    // ConversationText(user) maps to two events: the second is delivered although the first threw.
    expect(seen.filter((t) => t !== 'agent_audio')).toEqual([
      'user_started_speaking',
      'user_stopped_speaking',
      'transcript',
      'transcript',
      'response_started',
      'response_done',
    ]);
  });
});

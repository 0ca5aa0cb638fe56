/**
 * The fake service, spoken to with a bare `ws` client: the protocol as the service speaks it,
 * independent of the provider under test.
 */
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startFakeDeepgramAgent, type FakeDeepgramAgent } from './fake-agent.js';
import type { FakeAgentBehaviour } from './fake-agent-session.js';
import { toneLinear16 } from './tone.js';

let fake: FakeDeepgramAgent | undefined;
const clients: WebSocket[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.terminate();
  await fake?.close();
  fake = undefined;
});

interface Client {
  ws: WebSocket;
  /** JSON message types and 'audio:<bytes>' in arrival order. */
  log: string[];
  json: Record<string, any>[];
  audioBytes: () => number;
  closed: Promise<number>;
}

async function connect(behaviour: FakeAgentBehaviour = {}, key = 'test-key', path = '/v1/agent/converse'): Promise<Client> {
  fake ??= await startFakeDeepgramAgent({ behaviour });
  const ws = new WebSocket(`${fake.url}${path}`, { headers: key ? { Authorization: `Token ${key}` } : {} });
  clients.push(ws);
  const log: string[] = [];
  const json: Record<string, any>[] = [];
  let audio = 0;
  ws.on('message', (data: Buffer, isBinary) => {
    if (isBinary) {
      audio += data.length;
      log.push(`audio:${data.length}`);
    } else {
      const m = JSON.parse(data.toString());
      json.push(m);
      log.push(m.type);
    }
  });
  const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return { ws, log, json, audioBytes: () => audio, closed };
}

function settings(rate: number, greeting?: string): string {
  return JSON.stringify({
    type: 'Settings',
    audio: { input: { encoding: 'linear16', sample_rate: rate }, output: { encoding: 'linear16', sample_rate: rate, container: 'none' } },
    agent: { think: { provider: { type: 'open_ai', model: 'gpt-4o-mini' } }, ...(greeting ? { greeting } : {}) },
  });
}

function speechThenSilence(rate: number): Buffer {
  return Buffer.concat([toneLinear16({ sampleRate: rate, frequencyHz: 300, durationMs: 400, levelDbfs: -20 }), Buffer.alloc((rate * 2 * 600) / 1000)]);
}

describe('fake Deepgram agent: upgrade', () => {
  it('refuses a missing or wrong key with 401 and another path with 404', async () => {
    fake = await startFakeDeepgramAgent();
    const status = (path: string, headers: Record<string, string>): Promise<number> =>
      new Promise((resolve) => {
        const ws = new WebSocket(`${fake!.url}${path}`, { headers });
        ws.on('unexpected-response', (_req, res) => {
          resolve(res.statusCode ?? 0);
          ws.terminate();
        });
        ws.on('error', () => undefined);
      });
    expect(await status('/v1/agent/converse', {})).toBe(401);
    expect(await status('/v1/agent/converse', { Authorization: 'Token nope' })).toBe(401);
    expect(await status('/v1/agent/converse', { Authorization: 'test-key' })).toBe(401);
    expect(await status('/v1/listen', { Authorization: 'Token test-key' })).toBe(404);
    expect(fake.rejected.map((r) => r.status)).toEqual([401, 401, 401, 404]);
    expect(fake.sessions).toHaveLength(0);
  });

  it('refuses even the right key when told to', async () => {
    fake = await startFakeDeepgramAgent({ behaviour: { rejectAuth: true } });
    await expect(connect()).rejects.toThrow(/401/);
  });
});

describe('fake Deepgram agent: conversation', () => {
  it.each([8000, 16000])('welcomes, applies settings and speaks the greeting at %i Hz', async (rate) => {
    const c = await connect({ greetingAudioMs: 300, deliverySpeed: 0 });
    await fake!.waitFor(() => c.log.includes('Welcome'));
    c.ws.send(settings(rate, 'Hello caller'));
    await fake!.waitFor(() => c.log.includes('AgentAudioDone'));
    const audioIndexes = c.log.flatMap((t, i) => (t.startsWith('audio:') ? [i] : []));
    expect(c.log.slice(0, 4)).toEqual(['Welcome', 'SettingsApplied', 'ConversationText', 'AgentStartedSpeaking']);
    expect(audioIndexes[0]).toBe(4);
    expect(c.log.at(-1)).toBe('AgentAudioDone');
    expect(c.json[2]).toMatchObject({ role: 'assistant', content: 'Hello caller' });
    expect(c.audioBytes()).toBe((rate * 2 * 300) / 1000);
    expect(fake!.sessions[0]!.accepted).toMatchObject({ inputSampleRate: rate, outputSampleRate: rate });
  });

  it('answers bad settings with Error and records them', async () => {
    const c = await connect();
    c.ws.send(JSON.stringify({ type: 'Settings', audio: { input: { encoding: 'pcm', sample_rate: 8000 } }, agent: {} }));
    c.ws.send('not json');
    await fake!.waitFor(() => c.json.filter((m) => m.type === 'Error').length === 2);
    expect(c.json.filter((m) => m.type === 'Error')).toEqual([
      { type: 'Error', code: 'INVALID_SETTINGS', description: expect.stringContaining('audio.input.encoding') },
      { type: 'Error', code: 'UNPARSABLE_CLIENT_MESSAGE', description: expect.any(String) },
    ]);
    expect(c.log).not.toContain('SettingsApplied');
  });

  it('answers a spoken turn in the documented order, with the canned transcript', async () => {
    const c = await connect({ transcripts: ['book a table'], replies: ['For how many?'], deliverySpeed: 0 });
    c.ws.send(settings(8000));
    await fake!.waitFor(() => c.log.includes('SettingsApplied'));
    c.ws.send(speechThenSilence(8000));
    c.ws.send(JSON.stringify({ type: 'KeepAlive' }));
    await fake!.waitFor(() => c.log.includes('AgentAudioDone'));
    const types = c.log.filter((t) => !t.startsWith('audio:'));
    expect(types).toEqual([
      'Welcome',
      'SettingsApplied',
      'UserStartedSpeaking',
      'ConversationText',
      'AgentThinking',
      'ConversationText',
      'AgentStartedSpeaking',
      'AgentAudioDone',
    ]);
    expect(c.json.filter((m) => m.type === 'ConversationText').map((m) => [m.role, m.content])).toEqual([
      ['user', 'book a table'],
      ['assistant', 'For how many?'],
    ]);
    const record = fake!.sessions[0]!;
    expect(record.audio.bytes).toBe(speechThenSilence(8000).length);
    expect(record.keepAlivesAtMs).toHaveLength(1);
    expect(record.turns).toEqual([{ transcript: 'book a table', reply: 'For how many?', speechStartAudioMs: 0, speechEndAudioMs: 400 }]);
  });

  it('ends a turn when the audio stops in the middle of speech', async () => {
    const c = await connect({ deliverySpeed: 0, vad: { hangoverMs: 200 } });
    c.ws.send(settings(16000));
    await fake!.waitFor(() => c.log.includes('SettingsApplied'));
    c.ws.send(toneLinear16({ sampleRate: 16000, frequencyHz: 300, durationMs: 300, levelDbfs: -20 }));
    await fake!.waitFor(() => c.log.includes('AgentAudioDone'));
    expect(fake!.sessions[0]!.turns).toHaveLength(1);
  });

  it('stops speaking when the caller talks over it', async () => {
    const c = await connect({ greetingAudioMs: 3000, deliverySpeed: 1 });
    c.ws.send(settings(8000, 'A long greeting'));
    await fake!.waitFor(() => c.audioBytes() > 0);
    c.ws.send(speechThenSilence(8000));
    await fake!.waitFor(() => c.log.filter((t) => t === 'AgentAudioDone').length === 1);
    const record = fake!.sessions[0]!;
    expect(record.bargeIns).toBe(1);
    // The greeting never finished: one AgentAudioDone (the answer's) for two AgentStartedSpeaking.
    expect(c.log.filter((t) => t === 'AgentStartedSpeaking')).toHaveLength(2);
    expect(c.audioBytes()).toBeLessThan(8000 * 2 * 3);
  });

  it('sends Error then closes when told to fail after settings', async () => {
    const c = await connect({ errorAfterSettings: { code: 'FAILED_TO_THINK', description: 'llm down' } });
    c.ws.send(settings(8000));
    expect(await c.closed).toBe(1011);
    expect(c.json.map((m) => m.type)).toEqual(['Welcome', 'SettingsApplied', 'Error']);
    await fake!.waitFor(() => fake!.sessions[0]!.closed !== undefined);
    expect(fake!.sessions[0]!.closed).toMatchObject({ code: 1011, by: 'server' });
  });

  it('drops the connection without a close frame after disconnectAfterMs', async () => {
    const c = await connect({ disconnectAfterMs: 50 });
    c.ws.send(settings(8000));
    expect(await c.closed).toBe(1006);
    await fake!.waitFor(() => fake!.sessions[0]!.closed !== undefined);
    expect(fake!.sessions[0]!.closed?.by).toBe('server');
  });

  it('sends a Warning, or never applies settings, when told to', async () => {
    const warned = await connect({ warning: { code: 'W1', description: 'careful' } });
    warned.ws.send(settings(8000));
    await fake!.waitFor(() => warned.log.includes('Warning'));
    expect(warned.json.find((m) => m.type === 'Warning')).toEqual({ type: 'Warning', code: 'W1', description: 'careful' });

    fake!.behaviour = { noSettingsApplied: true };
    const ignored = await connect();
    ignored.ws.send(settings(8000));
    await fake!.waitFor(() => fake!.sessions[1]?.settings !== undefined);
    await new Promise((r) => setTimeout(r, 100));
    expect(ignored.log).toEqual(['Welcome']);
  });
});

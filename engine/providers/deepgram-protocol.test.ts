import { describe, expect, it } from 'vitest';
import { AgentEventMapper, buildSettings, keepAliveDelay, type DeepgramAgentOptions } from './deepgram-protocol.js';
import type { ProviderEvent } from './types.js';

const agent: DeepgramAgentOptions = {
  listenModel: 'nova-3',
  thinkProvider: 'open_ai',
  thinkModel: 'gpt-4o-mini',
  speakModel: 'aura-2-thalia-en',
};

function mapper(rate = 8000): AgentEventMapper {
  let n = 0;
  return new AgentEventMapper({ outputSampleRate: rate, newResponseId: () => `r${++n}` });
}

const pcm = (bytes: number): Buffer => Buffer.alloc(bytes, 1);
const types = (events: ProviderEvent[]): string[] => events.map((e) => e.type);

describe('buildSettings', () => {
  it.each([8000, 16000])('asks for linear16 both ways at the call rate (%i Hz), raw output', (rate) => {
    const s = buildSettings(agent, { encoding: 'linear16', sampleRate: rate });
    expect(s).toMatchObject({
      type: 'Settings',
      audio: {
        input: { encoding: 'linear16', sample_rate: rate },
        output: { encoding: 'linear16', sample_rate: rate, container: 'none' },
      },
      agent: {
        listen: { provider: { type: 'deepgram', version: 'v1', model: 'nova-3' } },
        think: { provider: { type: 'open_ai', model: 'gpt-4o-mini' } },
        speak: { provider: { type: 'deepgram', model: 'aura-2-thalia-en' } },
      },
    });
  });

  it('adds greeting, prompt and language only when configured', () => {
    const bare = buildSettings(agent, { encoding: 'linear16', sampleRate: 8000 }) as { agent: Record<string, unknown> };
    expect(bare.agent).not.toHaveProperty('greeting');
    expect(bare.agent.think).not.toHaveProperty('prompt');
    const full = buildSettings(
      { ...agent, greeting: 'Hello!', instructions: 'Be brief.', language: 'fr', listenModel: 'flux-general-en' },
      { encoding: 'linear16', sampleRate: 16000 },
    );
    expect(full).toMatchObject({
      agent: {
        greeting: 'Hello!',
        think: { prompt: 'Be brief.' },
        listen: { provider: { version: 'v2', model: 'flux-general-en', language: 'fr' } },
        speak: { provider: { language: 'fr' } },
      },
    });
  });
});

describe('AgentEventMapper', () => {
  it('maps the greeting: agent transcript, response with its text, audio, done', () => {
    const m = mapper(16000);
    expect(m.onMessage({ type: 'ConversationText', role: 'assistant', content: 'Hi there' })).toEqual([
      { type: 'transcript', role: 'agent', text: 'Hi there', final: true },
    ]);
    expect(m.onMessage({ type: 'AgentStartedSpeaking' })).toEqual([{ type: 'response_started', responseId: 'r1', text: 'Hi there' }]);
    const chunk = pcm(320);
    expect(m.onAudio(chunk)).toEqual([{ type: 'agent_audio', responseId: 'r1', pcm: chunk, sampleRate: 16000 }]);
    expect(m.onMessage({ type: 'AgentAudioDone' })).toEqual([{ type: 'response_done', responseId: 'r1' }]);
    expect(m.activeResponseId).toBeUndefined();
  });

  it('starts a response at the first audio when none was announced', () => {
    const m = mapper();
    expect(types(m.onAudio(pcm(160)))).toEqual(['response_started', 'agent_audio']);
    expect(types(m.onAudio(pcm(160)))).toEqual(['agent_audio']);
    expect(m.onAudio(Buffer.alloc(0))).toEqual([]);
  });

  it('ends the user turn at ConversationText(user) when it comes before AgentThinking, once', () => {
    const m = mapper();
    expect(m.onMessage({ type: 'UserStartedSpeaking' })).toEqual([{ type: 'user_started_speaking' }]);
    expect(m.onMessage({ type: 'ConversationText', role: 'user', content: 'opening hours?' })).toEqual([
      { type: 'user_stopped_speaking' },
      { type: 'transcript', role: 'user', text: 'opening hours?', final: true },
    ]);
    expect(m.onMessage({ type: 'AgentThinking', content: '...' })).toEqual([]);
  });

  it('ends the user turn at AgentThinking when it comes first', () => {
    const m = mapper();
    m.onMessage({ type: 'UserStartedSpeaking' });
    expect(types(m.onMessage({ type: 'AgentThinking', content: '' }))).toEqual(['user_stopped_speaking']);
    expect(types(m.onMessage({ type: 'ConversationText', role: 'user', content: 'x' }))).toEqual(['transcript']);
  });

  it('closes a still open user turn when the response starts, and opens nothing for a turnless transcript', () => {
    const m = mapper();
    m.onMessage({ type: 'UserStartedSpeaking' });
    expect(types(m.onMessage({ type: 'AgentStartedSpeaking' }))).toEqual(['user_stopped_speaking', 'response_started']);
    const n = mapper();
    expect(types(n.onMessage({ type: 'ConversationText', role: 'user', content: 'typed' }))).toEqual(['transcript']);
  });

  it('gives every response_started one response_done, even without AgentAudioDone', () => {
    const m = mapper();
    m.onMessage({ type: 'AgentStartedSpeaking' });
    expect(m.onMessage({ type: 'AgentStartedSpeaking' })).toEqual([
      { type: 'response_done', responseId: 'r1' },
      { type: 'response_started', responseId: 'r2' },
    ]);
  });

  it('drops the cancelled response audio until the next response starts', () => {
    const m = mapper();
    m.onMessage({ type: 'AgentStartedSpeaking' });
    m.onAudio(pcm(160));
    expect(m.cancel()).toBe('r1');
    expect(m.onAudio(pcm(160))).toEqual([]);
    expect(m.onAudio(pcm(100))).toEqual([]);
    expect(m.droppedAudioBytes).toBe(260);
    m.onMessage({ type: 'UserStartedSpeaking' });
    expect(m.onMessage({ type: 'ConversationText', role: 'assistant', content: 'Sure.' })).toHaveLength(1);
    expect(m.onMessage({ type: 'AgentStartedSpeaking' })).toEqual([
      { type: 'user_stopped_speaking' },
      { type: 'response_done', responseId: 'r1' },
      { type: 'response_started', responseId: 'r2', text: 'Sure.' },
    ]);
    expect(types(m.onAudio(pcm(160)))).toEqual(['agent_audio']);
  });

  it('stops dropping at the cancelled response AgentAudioDone', () => {
    const m = mapper();
    m.onMessage({ type: 'AgentStartedSpeaking' });
    m.cancel();
    expect(m.onAudio(pcm(160))).toEqual([]);
    expect(m.onMessage({ type: 'AgentAudioDone' })).toEqual([{ type: 'response_done', responseId: 'r1' }]);
    expect(m.onAudio(pcm(160)).map((e) => ('responseId' in e ? e.responseId : e.type))).toEqual(['r2', 'r2']);
  });

  it('ignores a cancel with no response playing', () => {
    const m = mapper();
    expect(m.cancel()).toBeUndefined();
    expect(types(m.onAudio(pcm(160)))).toEqual(['response_started', 'agent_audio']);
  });

  it('maps Warning and Error with their codes; Error alone is not fatal', () => {
    const m = mapper();
    expect(m.onMessage({ type: 'Warning', code: 'SLOW', description: 'slow think' })).toEqual([
      { type: 'warning', code: 'SLOW', message: 'slow think' },
    ]);
    expect(m.onMessage({ type: 'Error', code: 'FAILED_TO_SPEAK', description: 'tts down' })).toEqual([
      { type: 'error', code: 'FAILED_TO_SPEAK', message: 'tts down', retryable: false, fatal: false },
    ]);
    expect(m.onMessage({ type: 'Error' })).toEqual([
      { type: 'error', code: 'DEEPGRAM_ERROR', message: 'Deepgram reported an error', retryable: false, fatal: false },
    ]);
    expect(m.onMessage({ type: 'History', role: 'user', content: 'x' })).toEqual([]);
  });
});

describe('keepAliveDelay', () => {
  it('counts from the last audio or KeepAlive', () => {
    expect(keepAliveDelay(1000, 1000, 8000)).toBe(8000);
    expect(keepAliveDelay(5000, 1000, 8000)).toBe(4000);
    expect(keepAliveDelay(9000, 1000, 8000)).toBe(0);
    expect(keepAliveDelay(20000, 1000, 8000)).toBe(0);
  });
});

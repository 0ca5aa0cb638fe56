import { describe, expect, it } from 'vitest';
import { validateSettings } from './settings-validation.js';

const valid = (rate = 8000): Record<string, any> => ({
  type: 'Settings',
  audio: { input: { encoding: 'linear16', sample_rate: rate }, output: { encoding: 'linear16', sample_rate: rate, container: 'none' } },
  agent: {
    listen: { provider: { type: 'deepgram', model: 'nova-3' } },
    think: { provider: { type: 'open_ai', model: 'gpt-4o-mini' }, prompt: 'Be brief.' },
    speak: { provider: { type: 'deepgram', model: 'aura-2-thalia-en' } },
    greeting: 'Hello',
  },
});

describe('validateSettings', () => {
  it('accepts the provider settings and reads rates, models and greeting', () => {
    expect(validateSettings(valid(16000))).toEqual({
      ok: true,
      settings: {
        inputEncoding: 'linear16',
        inputSampleRate: 16000,
        outputEncoding: 'linear16',
        outputSampleRate: 16000,
        outputContainer: 'none',
        greeting: 'Hello',
        listenModel: 'nova-3',
        thinkProvider: 'open_ai',
        thinkModel: 'gpt-4o-mini',
        speakModel: 'aura-2-thalia-en',
        prompt: 'Be brief.',
      },
    });
  });

  it('applies the service defaults (linear16 at 24000 Hz) when audio fields are omitted', () => {
    const verdict = validateSettings({ type: 'Settings', audio: {}, agent: {} });
    expect(verdict).toMatchObject({ ok: true, settings: { inputSampleRate: 24000, outputSampleRate: 24000, outputContainer: 'none' } });
  });

  it.each([
    [{ type: 'Setting' }, 'type'],
    [{ ...valid(), audio: undefined }, 'audio: required'],
    [{ ...valid(), agent: 'x' }, 'agent: required'],
    [{ ...valid(), audio: { input: { encoding: 'pcm16', sample_rate: 8000 } } }, 'audio.input.encoding'],
    [{ ...valid(), audio: { input: { encoding: 'linear16', sample_rate: 8000.5 } } }, 'audio.input.sample_rate'],
    [{ ...valid(), audio: { output: { encoding: 'wav' } } }, 'audio.output.encoding'],
    [{ ...valid(), audio: { output: { sample_rate: -1 } } }, 'audio.output.sample_rate'],
    [{ ...valid(), audio: { output: { container: 'mp4' } } }, 'audio.output.container'],
    [{ ...valid(), agent: { think: { provider: {} } } }, 'agent.think.provider.type'],
    [{ ...valid(), agent: { greeting: 3 } }, 'agent.greeting'],
  ])('refuses %j naming %s', (message, field) => {
    const verdict = validateSettings(message);
    expect(verdict.ok).toBe(false);
    if (!verdict.ok) {
      expect(verdict.code).toBe('INVALID_SETTINGS');
      expect(verdict.description).toContain(field);
    }
  });

  it('says so when a documented encoding is one the fake cannot produce', () => {
    const message = valid();
    message.audio.output.encoding = 'mulaw';
    expect(validateSettings(message)).toMatchObject({ ok: false, code: 'UNSUPPORTED_BY_FAKE' });
  });
});

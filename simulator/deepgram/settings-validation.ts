/**
 * What the fake agent accepts as a Settings message. The encodings, containers and defaults are
 * those of the SDK's AgentV1Settings type (@deepgram/sdk 5.13); the fake itself only speaks and
 * listens in linear16, and says so with an Error rather than pretending to support the rest.
 * Error descriptions name the offending field, like the service's.
 */

export const INPUT_ENCODINGS = ['linear16', 'linear32', 'flac', 'alaw', 'mulaw', 'amr-nb', 'amr-wb', 'opus', 'ogg-opus', 'speex', 'g729'] as const;
export const OUTPUT_ENCODINGS = ['linear16', 'mulaw', 'alaw', 'mp3', 'opus', 'flac', 'aac'] as const;
export const OUTPUT_CONTAINERS = ['none', 'wav', 'ogg'] as const;
/** Defaults of the service when audio.input / audio.output fields are omitted. */
export const DEFAULT_SAMPLE_RATE = 24_000;

export interface AcceptedSettings {
  inputEncoding: string;
  inputSampleRate: number;
  outputEncoding: string;
  outputSampleRate: number;
  outputContainer: string;
  greeting?: string;
  listenModel?: string;
  thinkProvider?: string;
  thinkModel?: string;
  speakModel?: string;
  prompt?: string;
}

export type SettingsVerdict =
  | { ok: true; settings: AcceptedSettings }
  /** `code`: the Error code the fake answers with. */
  | { ok: false; code: 'INVALID_SETTINGS' | 'UNSUPPORTED_BY_FAKE'; description: string };

export function validateSettings(message: unknown): SettingsVerdict {
  const invalid = (description: string): SettingsVerdict => ({ ok: false, code: 'INVALID_SETTINGS', description });
  if (!isObject(message) || message.type !== 'Settings') return invalid('type: must be "Settings"');
  if (!isObject(message.audio)) return invalid('audio: required object');
  if (!isObject(message.agent)) return invalid('agent: required object');
  const { audio, agent } = message;

  const input = audio.input ?? {};
  if (!isObject(input)) return invalid('audio.input: must be an object');
  const inputEncoding = input.encoding ?? 'linear16';
  if (!isOneOf(inputEncoding, INPUT_ENCODINGS)) return invalid(`audio.input.encoding: unknown encoding ${JSON.stringify(inputEncoding)}`);
  const inputSampleRate = input.sample_rate ?? DEFAULT_SAMPLE_RATE;
  if (!isSampleRate(inputSampleRate)) return invalid(`audio.input.sample_rate: must be a positive whole number of Hz, got ${JSON.stringify(inputSampleRate)}`);

  const output = audio.output ?? {};
  if (!isObject(output)) return invalid('audio.output: must be an object');
  const outputEncoding = output.encoding ?? 'linear16';
  if (!isOneOf(outputEncoding, OUTPUT_ENCODINGS)) return invalid(`audio.output.encoding: unknown encoding ${JSON.stringify(outputEncoding)}`);
  const outputSampleRate = output.sample_rate ?? DEFAULT_SAMPLE_RATE;
  if (!isSampleRate(outputSampleRate)) return invalid(`audio.output.sample_rate: must be a positive whole number of Hz, got ${JSON.stringify(outputSampleRate)}`);
  const outputContainer = output.container ?? 'none';
  if (!isOneOf(outputContainer, OUTPUT_CONTAINERS)) return invalid(`audio.output.container: unknown container ${JSON.stringify(outputContainer)}`);

  const models: Partial<AcceptedSettings> = {};
  for (const part of ['listen', 'think', 'speak'] as const) {
    const section = agent[part];
    if (section === undefined) continue;
    if (!isObject(section) || !isObject(section.provider) || typeof section.provider.type !== 'string') {
      return invalid(`agent.${part}.provider.type: required string`);
    }
    const model = typeof section.provider.model === 'string' ? section.provider.model : undefined;
    if (part === 'listen') models.listenModel = model;
    if (part === 'speak') models.speakModel = model;
    if (part === 'think') {
      models.thinkProvider = section.provider.type;
      models.thinkModel = model;
      if (typeof section.prompt === 'string') models.prompt = section.prompt;
    }
  }
  if (agent.greeting !== undefined && typeof agent.greeting !== 'string') return invalid('agent.greeting: must be a string');

  if (inputEncoding !== 'linear16' || outputEncoding !== 'linear16' || outputContainer !== 'none') {
    return {
      ok: false,
      code: 'UNSUPPORTED_BY_FAKE',
      description: `the fake agent only handles linear16 in and linear16/container none out (got ${inputEncoding} in, ${outputEncoding}/${outputContainer} out)`,
    };
  }
  return {
    ok: true,
    settings: {
      inputEncoding,
      inputSampleRate,
      outputEncoding,
      outputSampleRate,
      outputContainer,
      ...(typeof agent.greeting === 'string' ? { greeting: agent.greeting } : {}),
      ...withoutUndefined(models),
    },
  };
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Record<string, any> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isOneOf(value: unknown, allowed: readonly string[]): value is string {
  return typeof value === 'string' && allowed.includes(value);
}

function isSampleRate(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value > 0 && value <= 192_000;
}

function withoutUndefined<T extends Json>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

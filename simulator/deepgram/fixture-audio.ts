/**
 * Recorded agent speech for the fake, from fixtures/audio (agent-greeting-8k.wav,
 * agent-reply-1-16k.wav, ...): opt in with `behaviour.agentAudio = fixtureAgentAudio()`. The file
 * recorded at the asked rate is used as is; otherwise the nearest one is resampled. Without any
 * file the fake's tone is used, so a missing fixture never breaks a conversation.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { resample } from '../../engine/audio/resample.js';
import { parseWav } from '../../engine/audio/wav.js';
import { toneLinear16 } from './tone.js';

type AgentAudio = (text: string, sampleRate: number, kind: 'greeting' | 'reply') => Buffer;

interface Recording {
  rate: number;
  pcm: Buffer;
}

export function fixtureAgentAudio(dir = resolve(import.meta.dirname, '../../fixtures/audio')): AgentAudio {
  const files = existsSync(dir) ? readdirSync(dir) : [];
  const load = (prefix: string): Recording[] =>
    files
      .filter((f) => f.startsWith(prefix) && /-\d+k\.wav$/.test(f))
      .map((f) => {
        const wav = parseWav(readFileSync(join(dir, f)));
        return { rate: wav.rate, pcm: wav.pcm };
      });
  const greeting = load('agent-greeting-');
  const replies = [...new Set(files.map((f) => /^(agent-reply-\d+)-/.exec(f)?.[1]).filter((n): n is string => n !== undefined))]
    .sort()
    .map((name) => load(`${name}-`));
  let replyCount = 0;
  return (_text, sampleRate, kind) => {
    const choices = kind === 'greeting' ? greeting : (replies[replyCount++ % Math.max(1, replies.length)] ?? []);
    const best = [...choices].sort((a, b) => Math.abs(a.rate - sampleRate) - Math.abs(b.rate - sampleRate))[0];
    if (!best) return toneLinear16({ sampleRate, frequencyHz: kind === 'greeting' ? 440 : 660, durationMs: 400 });
    return best.rate === sampleRate ? best.pcm : resample(best.pcm, best.rate, sampleRate);
  };
}

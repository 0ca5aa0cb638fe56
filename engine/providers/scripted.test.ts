import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { dbfs, silence } from '../audio/pcm.js';
import { dominantFrequency, tone } from '../audio/tone.js';
import type { VadEvent } from '../audio/vad.js';
import { encodeWav, parseWav } from '../audio/wav.js';
import { vadDetector } from '../call/adapters.js';
import { createScriptedProvider, type ScriptedProviderOptions } from './scripted.js';
import { ProviderError, type ProviderEvent, type ProviderSession, type SessionOptions } from './types.js';

const ROOT = join(import.meta.dirname, '..', '..');
const FIXTURES = join(ROOT, 'fixtures', 'audio');
const logger = pino({ level: 'silent' });

// ---------- test signals ----------

/** A deterministic PRNG, so noise is the same on every run. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/**
 * Voice-like sound: a 150 Hz buzz with harmonics through the telephone band, its loudness moving
 * at a syllable rate (4 Hz, never to silence), at about `level` dBFS RMS.
 */
function speechLike(ms: number, rate: number, level = -20): Buffer {
  const n = Math.round((rate * ms) / 1000);
  const out = Buffer.alloc(n * 2);
  const raw = new Float64Array(n);
  let sumSq = 0;
  for (let i = 0; i < n; i++) {
    const t = i / rate;
    let v = 0;
    for (let h = 1; h * 150 < Math.min(3400, rate / 2); h++) v += Math.sin(2 * Math.PI * 150 * h * t) / h;
    v *= 0.6 + 0.4 * Math.sin(2 * Math.PI * 4 * t);
    raw[i] = v;
    sumSq += v * v;
  }
  const gain = (10 ** (level / 20) * 32768) / Math.sqrt(sumSq / n);
  for (let i = 0; i < n; i++) out.writeInt16LE(Math.max(-32768, Math.min(32767, Math.round(raw[i] * gain))), i * 2);
  return out;
}

/** White noise at about `level` dBFS RMS. */
function noise(ms: number, rate: number, level: number, seed = 1): Buffer {
  const random = rng(seed);
  const n = Math.round((rate * ms) / 1000);
  const out = Buffer.alloc(n * 2);
  const amp = 10 ** (level / 20) * 32768 * Math.sqrt(3); // uniform noise: RMS = amp / sqrt(3)
  for (let i = 0; i < n; i++) out.writeInt16LE(Math.round((random() * 2 - 1) * amp), i * 2);
  return out;
}

/** Pushes audio as the AudioSocket delivers it: 20 ms frames. */
function pushFrames(session: ProviderSession, pcm: Buffer, rate: number): void {
  const frame = (rate / 50) * 2;
  for (let at = 0; at < pcm.length; at += frame) session.pushAudio(pcm.subarray(at, at + frame));
}

// ---------- harness ----------

let dir: string;
const TONES = { greeting: 500, reply1: 700, reply2: 900, fallback: 1100, dtmf: 1300, hint: 1500 } as const;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'scripted-test-'));
  for (const [name, hz] of Object.entries(TONES)) {
    writeFileSync(join(dir, `${name}.wav`), encodeWav(tone(hz, 1000, 16000, 0.3), 16000));
  }
  writeFileSync(join(dir, 'broken.wav'), 'this is not a wav file');
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const BASE_SCRIPT = `
think_ms: 20
chunk_ms: 200
delivery_speed: 50
greeting: { audio: greeting.wav, text: Hello there }
replies:
  1: { audio: reply1.wav, text: First answer, expected_user_text: my question }
  2: { audio: reply2.wav, text: Second answer }
`;

function writeScript(text: string): string {
  const path = join(dir, `script-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(path, text);
  return path;
}

interface Harness {
  session: ProviderSession;
  events: ProviderEvent[];
  rate: number;
  types(): string[];
  until(predicate: (events: ProviderEvent[]) => boolean, timeoutMs?: number): Promise<void>;
  audioOf(responseId: string): Buffer;
}

const open: ProviderSession[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

async function start(
  script: string,
  rate = 16000,
  options: ScriptedProviderOptions = {},
  extra: Pick<SessionOptions, 'callerSpeech'> = {},
): Promise<Harness> {
  const provider = createScriptedProvider({ scriptPath: writeScript(script), rootDir: dir, ...options });
  const events: ProviderEvent[] = [];
  const session = await provider.openSession({
    callId: 'call-1',
    format: { encoding: 'linear16', sampleRate: rate },
    logger,
    onEvent: (e) => events.push(e),
    ...extra,
  });
  open.push(session);
  return {
    session,
    events,
    rate,
    types: () => events.map((e) => e.type),
    async until(predicate, timeoutMs = 3000) {
      const deadline = Date.now() + timeoutMs;
      while (!predicate(events)) {
        if (Date.now() > deadline) throw new Error(`timed out; events: ${events.map((e) => e.type).join(', ')}`);
        await new Promise((r) => setTimeout(r, 5));
      }
    },
    audioOf(responseId) {
      return Buffer.concat(
        events.flatMap((e) => (e.type === 'agent_audio' && e.responseId === responseId ? [e.pcm] : [])),
      );
    },
  };
}

const count = (events: ProviderEvent[], type: ProviderEvent['type']) => events.filter((e) => e.type === type).length;
const responses = (events: ProviderEvent[]) =>
  events.flatMap((e) => (e.type === 'response_started' ? [e] : []));
const doneCount = (events: ProviderEvent[]) => count(events, 'response_done');

/** One caller turn: quiet, speech, then enough quiet for the VAD's hangover. */
function turnAudio(rate: number, speechMs = 1200): Buffer {
  return Buffer.concat([silence(rate, 400), speechLike(speechMs, rate), silence(rate, 600)]);
}

// ---------- tests ----------

describe('scripted provider', () => {
  it('is available and declares that it detects turns and speaks', () => {
    const provider = createScriptedProvider({ scriptPath: writeScript(BASE_SCRIPT), rootDir: dir });
    expect(provider.name).toBe('scripted');
    expect(provider.availability()).toEqual({ ok: true });
    expect(provider.capabilities).toEqual({ detectsTurns: true, speaks: true });
  });

  it('plays the greeting on open, after openSession has resolved', async () => {
    const provider = createScriptedProvider({ scriptPath: writeScript(BASE_SCRIPT), rootDir: dir });
    const events: ProviderEvent[] = [];
    const session = await provider.openSession({
      callId: 'call-g',
      format: { encoding: 'linear16', sampleRate: 16000 },
      logger,
      onEvent: (e) => events.push(e),
    });
    open.push(session);
    expect(events).toEqual([]); // nothing before the engine holds the session
    const deadline = Date.now() + 3000;
    while (doneCount(events) < 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));

    const started = responses(events);
    expect(started).toHaveLength(1);
    expect(started[0].text).toBe('Hello there');
    expect(events).toContainEqual({ type: 'transcript', role: 'agent', text: 'Hello there', final: true });
    const id = started[0].responseId;
    const chunks = events.filter((e) => e.type === 'agent_audio');
    expect(chunks.length).toBe(5); // 1000 ms in 200 ms chunks
    for (const c of chunks) expect(c).toMatchObject({ responseId: id, sampleRate: 16000 });
    const audio = Buffer.concat(chunks.map((c) => (c.type === 'agent_audio' ? c.pcm : Buffer.alloc(0))));
    expect(audio.length).toBe(32000);
    expect(dominantFrequency(audio, 16000)).toBeCloseTo(TONES.greeting, -1);
    expect(events.at(-1)).toEqual({ type: 'response_done', responseId: id });
    expect(events.map((e) => e.type)).not.toContain('user_started_speaking');
  });

  it('answers a spoken turn with reply 1 and the next one with reply 2', async () => {
    const h = await start(BASE_SCRIPT);
    await h.until((ev) => doneCount(ev) === 1); // greeting

    pushFrames(h.session, turnAudio(16000), 16000);
    expect(count(h.events, 'user_started_speaking')).toBe(1);
    expect(count(h.events, 'user_stopped_speaking')).toBe(1);
    expect(h.events).toContainEqual({ type: 'transcript', role: 'user', text: 'my question', final: true });
    await h.until((ev) => doneCount(ev) === 2);
    const first = responses(h.events)[1];
    expect(first.text).toBe('First answer');
    expect(dominantFrequency(h.audioOf(first.responseId), 16000)).toBeCloseTo(TONES.reply1, -1);

    pushFrames(h.session, turnAudio(16000, 800), 16000);
    expect(h.events).toContainEqual({ type: 'transcript', role: 'user', text: '<turn 2>', final: true });
    await h.until((ev) => doneCount(ev) === 3);
    const second = responses(h.events)[2];
    expect(second.text).toBe('Second answer');
    expect(dominantFrequency(h.audioOf(second.responseId), 16000)).toBeCloseTo(TONES.reply2, -1);

    // Order within a turn: stopped speaking, user transcript, then the answer.
    const t = h.types();
    const stop = t.lastIndexOf('user_stopped_speaking');
    expect(t.slice(stop, stop + 4)).toEqual(['user_stopped_speaking', 'transcript', 'response_started', 'transcript']);
  });

  it('listens to the engine\'s speech events when offered them, and then runs no detector of its own', async () => {
    let engineListener: ((event: VadEvent) => void) | undefined;
    const h = await start(BASE_SCRIPT, 16000, {}, { callerSpeech: { onEvent: (l) => (engineListener = l) } });
    await h.until((ev) => doneCount(ev) === 1); // greeting
    expect(engineListener).toBeDefined();

    // Speech pushed in is not analysed here...
    pushFrames(h.session, turnAudio(16000), 16000);
    expect(count(h.events, 'user_started_speaking')).toBe(0);
    // ...the engine's events make the turn.
    engineListener!({ type: 'speech-start', atMs: 400, sample: 6400, detectedAtMs: 500 });
    expect(count(h.events, 'user_started_speaking')).toBe(1);
    engineListener!({ type: 'speech-end', atMs: 1600, sample: 25600, detectedAtMs: 1900, speechMs: 1200 });
    expect(count(h.events, 'user_stopped_speaking')).toBe(1);
    expect(h.events).toContainEqual({ type: 'transcript', role: 'user', text: 'my question', final: true });
    await h.until((ev) => doneCount(ev) === 2);
    expect(responses(h.events)[1].text).toBe('First answer');

    // Nothing after close.
    await h.session.close();
    engineListener!({ type: 'speech-start', atMs: 3000, sample: 48000, detectedAtMs: 3100 });
    expect(count(h.events, 'user_started_speaking')).toBe(1);
  });

  it('makes the same turns from the engine\'s detector as from its own', async () => {
    const audio = Buffer.concat([turnAudio(16000), noise(500, 16000, -50), turnAudio(16000, 800)]);
    const own = await start(BASE_SCRIPT);
    const engineVad = vadDetector(16000);
    const shared = await start(BASE_SCRIPT, 16000, {}, { callerSpeech: { onEvent: (l) => engineVad.onEvent!(l) } });
    for (const h of [own, shared]) await h.until((ev) => doneCount(ev) === 1);
    const frame = 640;
    for (let at = 0; at < audio.length; at += frame) {
      const pcm = audio.subarray(at, at + frame);
      own.session.pushAudio(pcm);
      // As the call session does: the provider is pushed the frame, then the engine's VAD hears it.
      shared.session.pushAudio(pcm);
      engineVad.isSpeech(pcm);
    }
    const turns = (h: Harness) => h.events.filter((e) => e.type === 'user_started_speaking' || e.type === 'user_stopped_speaking' || (e.type === 'transcript' && e.role === 'user'));
    expect(turns(own)).toHaveLength(6);
    expect(turns(shared)).toEqual(turns(own));
  });

  it('runs its own detector when it was given VAD tuning, even when offered the engine\'s events', async () => {
    const h = await start(BASE_SCRIPT, 16000, { vad: { minSilenceMs: 300 } }, { callerSpeech: { onEvent: () => undefined } });
    await h.until((ev) => doneCount(ev) === 1);
    pushFrames(h.session, turnAudio(16000), 16000);
    expect(count(h.events, 'user_stopped_speaking')).toBe(1);
  });

  it('reports speech onset promptly and end of speech only after the VAD hangover', async () => {
    const h = await start(BASE_SCRIPT.replace(/greeting:.*\n/, ''));
    const rate = 16000;
    const audio = Buffer.concat([silence(rate, 1000), speechLike(1200, rate), silence(rate, 1000)]);
    const frame = (rate / 50) * 2;
    const at: Record<string, number> = {};
    for (let i = 0; i * frame < audio.length; i++) {
      h.session.pushAudio(audio.subarray(i * frame, (i + 1) * frame));
      for (const e of h.events) if (!(e.type in at)) at[e.type] = i * 20;
    }
    // Speech runs from 1000 to 2200 ms.
    expect(at.user_started_speaking).toBeGreaterThanOrEqual(1000);
    expect(at.user_started_speaking).toBeLessThanOrEqual(1300);
    expect(at.user_stopped_speaking).toBeGreaterThanOrEqual(2200 + 200);
    expect(at.user_stopped_speaking).toBeLessThanOrEqual(2200 + 600);
  });

  it.each([
    ['digital silence', () => silence(8000, 5000)],
    ['-60 dBFS white noise', () => noise(5000, 8000, -60, 7)],
    ['digital silence, then -60 dBFS noise', () => Buffer.concat([silence(8000, 2000), noise(5000, 8000, -60, 7)])],
    ['-45 dBFS steady white noise (a noisy line)', () => noise(6000, 8000, -45, 8)],
    ['-45 dBFS noise, then the pink noise fixture', () => {
      const pink = join(FIXTURES, 'noise-pink-8k.wav');
      return Buffer.concat([noise(3000, 8000, -45, 8), existsSync(pink) ? parseWav(readFileSync(pink)).pcm : noise(3000, 8000, -45, 9)]);
    }],
    // A silent SIP phone sends all-zero frames; then the line comes alive with steady noise.
    ['digital silence, then the pink noise fixture', () => Buffer.concat([silence(8000, 2000), parseWav(readFileSync(join(FIXTURES, 'noise-pink-8k.wav'))).pcm])],
    ['digital silence, then -35 dBFS steady white noise', () => Buffer.concat([silence(8000, 2000), noise(4000, 8000, -35, 10)])],
  ])('never takes %s for a turn', async (_name, audio) => {
    const h = await start(BASE_SCRIPT.replace(/greeting:.*\n/, ''), 8000);
    pushFrames(h.session, audio(), 8000);
    await new Promise((r) => setTimeout(r, 60)); // past think_ms: no answer either
    expect(h.events).toEqual([]);
  });

  it('hears a caller who speaks soon after the line noise starts: one turn, started promptly', async () => {
    const h = await start(BASE_SCRIPT.replace(/greeting:.*\n/, ''), 8000);
    const rate = 8000;
    const frame = (rate / 50) * 2;
    // Digital silence 0–1000 ms, -35 dBFS white noise from 1000 ms, speech 1600–2800 ms over it.
    const speech = Buffer.concat([silence(rate, 600), speechLike(1200, rate, -20), silence(rate, 800)]);
    const line = noise(2600, rate, -35, 11);
    const mixed = Buffer.alloc(line.length);
    for (let i = 0; i < line.length; i += 2) {
      mixed.writeInt16LE(Math.max(-32768, Math.min(32767, line.readInt16LE(i) + speech.readInt16LE(i))), i);
    }
    const audio = Buffer.concat([silence(rate, 1000), mixed]);
    let startedAt: number | undefined;
    for (let i = 0; i * frame < audio.length; i++) {
      h.session.pushAudio(audio.subarray(i * frame, (i + 1) * frame));
      if (startedAt === undefined && count(h.events, 'user_started_speaking') > 0) startedAt = (i + 1) * 20;
    }
    expect(count(h.events, 'user_started_speaking')).toBe(1);
    expect(count(h.events, 'user_stopped_speaking')).toBe(1);
    expect(startedAt).toBeGreaterThanOrEqual(1600);
    expect(startedAt).toBeLessThanOrEqual(1600 + 250);
  });

  it('still hears speech after the noise (the detector is not just deaf)', async () => {
    const h = await start(BASE_SCRIPT.replace(/greeting:.*\n/, ''), 8000);
    pushFrames(h.session, noise(3000, 8000, -50, 9), 8000);
    pushFrames(h.session, Buffer.concat([speechLike(1000, 8000, -25), silence(8000, 600)]), 8000);
    expect(count(h.events, 'user_started_speaking')).toBe(1);
    expect(count(h.events, 'user_stopped_speaking')).toBe(1);
  });

  it('cancelResponse stops the remaining chunks at once, with no response_done', async () => {
    const h = await start(BASE_SCRIPT.replace('delivery_speed: 50', 'delivery_speed: 1'));
    await h.until((ev) => count(ev, 'agent_audio') >= 2);
    h.session.cancelResponse();
    const sent = count(h.events, 'agent_audio');
    await new Promise((r) => setTimeout(r, 600)); // 3 more chunks were due in this time
    expect(count(h.events, 'agent_audio')).toBe(sent);
    expect(sent).toBeLessThan(5);
    expect(doneCount(h.events)).toBe(0);
    h.session.cancelResponse(); // harmless when nothing plays
  });

  it('a cancel during thinking drops the answer that was about to start', async () => {
    const h = await start(BASE_SCRIPT.replace('think_ms: 20', 'think_ms: 200').replace(/greeting:.*\n/, ''));
    pushFrames(h.session, turnAudio(16000), 16000);
    expect(count(h.events, 'user_stopped_speaking')).toBe(1);
    h.session.cancelResponse();
    await new Promise((r) => setTimeout(r, 400));
    expect(count(h.events, 'response_started')).toBe(0);
  });

  it('reports caller speech during a response (barge-in is the engine’s call) and keeps delivering until cancelled', async () => {
    const h = await start(BASE_SCRIPT.replace('delivery_speed: 50', 'delivery_speed: 1'));
    await h.until((ev) => count(ev, 'agent_audio') >= 1);
    pushFrames(h.session, Buffer.concat([speechLike(400, 16000)]), 16000);
    expect(count(h.events, 'user_started_speaking')).toBe(1);
    const before = count(h.events, 'agent_audio');
    await h.until((ev) => count(ev, 'agent_audio') > before); // not cancelled by the provider itself
    h.session.cancelResponse();
    const after = count(h.events, 'agent_audio');
    pushFrames(h.session, silence(16000, 600), 16000);
    expect(count(h.events, 'user_stopped_speaking')).toBe(1);
    await h.until((ev) => responses(ev).length === 2); // the interruption was turn 1
    expect(responses(h.events)[1].text).toBe('First answer');
    expect(h.events.filter((e) => e.type === 'agent_audio' && e.responseId === responses(h.events)[0].responseId).length).toBe(after);
  });

  it('a new answer ends an older one still being delivered, with its response_done', async () => {
    const h = await start(BASE_SCRIPT.replace('delivery_speed: 50', 'delivery_speed: 1'));
    await h.until((ev) => count(ev, 'agent_audio') >= 1);
    pushFrames(h.session, turnAudio(16000, 600), 16000);
    await h.until((ev) => responses(ev).length === 2);
    const [greeting, reply] = responses(h.events);
    const t = h.events;
    const doneIdx = t.findIndex((e) => e.type === 'response_done' && e.responseId === greeting.responseId);
    const startIdx = t.findIndex((e) => e.type === 'response_started' && e.responseId === reply.responseId);
    expect(doneIdx).toBeGreaterThan(-1);
    expect(doneIdx).toBeLessThan(startIdx);
    expect(t.slice(doneIdx).some((e) => e.type === 'agent_audio' && e.responseId === greeting.responseId)).toBe(false);
  });

  it('converts the script audio to the call rate (8 kHz)', async () => {
    const h = await start(BASE_SCRIPT, 8000);
    await h.until((ev) => doneCount(ev) === 1);
    const chunks = h.events.filter((e) => e.type === 'agent_audio');
    for (const c of chunks) expect(c).toMatchObject({ sampleRate: 8000 });
    const audio = h.audioOf(responses(h.events)[0].responseId);
    expect(audio.length).toBe(16000); // 1 s at 8 kHz
    expect(dominantFrequency(audio, 8000)).toBeCloseTo(TONES.greeting, -1);
    expect(dbfs(audio)).toBeGreaterThan(-16); // a 0.3 peak sine is about -13.5 dBFS: no level lost
  });

  it('answers listed DTMF digits and ignores the others', async () => {
    const h = await start(`${BASE_SCRIPT.replace(/greeting:.*\n/, '')}on_dtmf:\n  "5": { audio: dtmf.wav, text: Five }\n`);
    h.session.pushDtmf?.('7');
    h.session.pushDtmf?.('5');
    await h.until((ev) => doneCount(ev) === 1);
    expect(responses(h.events).map((r) => r.text)).toEqual(['Five']);
    expect(h.events).toContainEqual({ type: 'transcript', role: 'user', text: '<dtmf 5>', final: true });
    expect(count(h.events, 'user_started_speaking')).toBe(0);
  });

  it('falls back to the default reply, and warns when there is none', async () => {
    const withDefault = await start(`${BASE_SCRIPT.replace(/greeting:.*\n/, '')}default: { audio: fallback.wav, text: Fallback }\n`);
    for (let i = 1; i <= 3; i++) {
      pushFrames(withDefault.session, turnAudio(16000, 500), 16000);
      await withDefault.until((ev) => doneCount(ev) === i);
    }
    expect(responses(withDefault.events).map((r) => r.text)).toEqual(['First answer', 'Second answer', 'Fallback']);

    const without = await start(BASE_SCRIPT.replace(/greeting:.*\n/, ''));
    for (let i = 1; i <= 2; i++) {
      pushFrames(without.session, turnAudio(16000, 500), 16000);
      await without.until((ev) => doneCount(ev) === i);
    }
    pushFrames(without.session, turnAudio(16000, 500), 16000);
    await new Promise((r) => setTimeout(r, 100));
    expect(count(without.events, 'response_started')).toBe(2);
    expect(without.events).toContainEqual(expect.objectContaining({ type: 'warning', code: 'SCRIPT_NO_REPLY' }));
  });

  it('uses the utterance the harness names to choose a transcripts reply', async () => {
    const script = `${BASE_SCRIPT.replace(/greeting:.*\n/, '')}transcripts:\n  "What time do you open?": { audio: hint.wav, text: Nine }\n`;
    const h = await start(script, 16000, { utteranceFor: (callId, turn) => (callId === 'call-1' && turn === 1 ? 'what time do you open' : undefined) });
    pushFrames(h.session, turnAudio(16000), 16000);
    await h.until((ev) => doneCount(ev) === 1);
    pushFrames(h.session, turnAudio(16000), 16000);
    await h.until((ev) => doneCount(ev) === 2);
    expect(h.events).toContainEqual({ type: 'transcript', role: 'user', text: 'what time do you open', final: true });
    expect(responses(h.events).map((r) => r.text)).toEqual(['Nine', 'Second answer']);
  });

  it('close() is idempotent, emits closed once and stops everything pending', async () => {
    const h = await start(BASE_SCRIPT); // the greeting is still scheduled
    await h.session.close();
    await h.session.close();
    h.session.pushAudio(speechLike(1000, 16000));
    h.session.pushDtmf?.('1');
    await new Promise((r) => setTimeout(r, 100));
    expect(h.events).toEqual([{ type: 'closed', reason: 'closed by the engine', expected: true }]);
  });

  it('a listener that throws does not break the session', async () => {
    const provider = createScriptedProvider({ scriptPath: writeScript(BASE_SCRIPT), rootDir: dir });
    const seen: string[] = [];
    const session = await provider.openSession({
      callId: 'call-t',
      format: { encoding: 'linear16', sampleRate: 16000 },
      logger,
      onEvent: (e) => {
        seen.push(e.type);
        throw new Error('listener bug');
      },
    });
    open.push(session);
    const deadline = Date.now() + 3000;
    while (!seen.includes('response_done') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    expect(seen).toContain('response_done');
  });
});

describe('scripted provider with a broken script', () => {
  it.each([
    ['a missing key', 'replies:\n  1: { text: no audio }\n', 'replies.1.audio: Required', 'SCRIPT_INVALID'],
    ['a missing file', 'greeting: { audio: nowhere.wav }\n', 'greeting.audio: file not found', 'SCRIPT_INVALID'],
    ['a broken WAV', 'replies:\n  2: { audio: broken.wav }\n', 'replies.2.audio:', 'SCRIPT_INVALID'],
    ['a typo', 'think_ms: 10\nreplys: {}\n', 'replys: unknown key', 'SCRIPT_INVALID'],
    ['bad YAML', 'replies: [\n', 'not valid YAML', 'SCRIPT_YAML'],
  ])('is unavailable with %s, naming it, and refuses sessions', async (_name, text, expected, code) => {
    const provider = createScriptedProvider({ scriptPath: writeScript(text), rootDir: dir, logger });
    const availability = provider.availability();
    expect(availability.ok).toBe(false);
    if (!availability.ok) expect(availability.reason).toContain(expected);
    const opening = provider.openSession({
      callId: 'x',
      format: { encoding: 'linear16', sampleRate: 8000 },
      logger,
      onEvent: () => {},
    });
    await expect(opening).rejects.toBeInstanceOf(ProviderError);
    await expect(opening).rejects.toMatchObject({ code, retryable: false });
  });

  it('is unavailable when the script file does not exist', () => {
    const provider = createScriptedProvider({ scriptPath: join(dir, 'absent.yaml'), rootDir: dir });
    const availability = provider.availability();
    expect(availability.ok).toBe(false);
    if (!availability.ok) expect(availability.reason).toContain('absent.yaml');
  });

  it('refuses an audio format it cannot take', async () => {
    const provider = createScriptedProvider({ scriptPath: writeScript(BASE_SCRIPT), rootDir: dir });
    await expect(
      provider.openSession({ callId: 'x', format: { encoding: 'linear16', sampleRate: 100 }, logger, onEvent: () => {} }),
    ).rejects.toMatchObject({ code: 'SCRIPTED_BAD_FORMAT' });
  });
});

describe.skipIf(!existsSync(join(ROOT, 'config', 'scripts', 'demo.yaml')) || !existsSync(join(FIXTURES, 'caller-hello-8k.wav')))(
  'the demo script with recorded speech',
  () => {
    it('loads by default and answers recorded caller speech at 8 kHz, turn after turn', async () => {
      const provider = createScriptedProvider({ rootDir: ROOT });
      expect(provider.availability()).toEqual({ ok: true });
      const events: ProviderEvent[] = [];
      const session = await provider.openSession({
        callId: 'demo',
        format: { encoding: 'linear16', sampleRate: 8000 },
        logger,
        onEvent: (e) => events.push(e),
      });
      open.push(session);
      const hello = parseWav(readFileSync(join(FIXTURES, 'caller-hello-8k.wav')));
      const question = parseWav(readFileSync(join(FIXTURES, 'caller-question-8k.wav')));
      expect(hello.rate).toBe(8000);
      const tail = silence(8000, 500);

      const waitForResponses = async (n: number) => {
        const deadline = Date.now() + 5000;
        while (responses(events).length < n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      };
      await waitForResponses(1); // the greeting
      pushFrames(session, Buffer.concat([hello.pcm, tail]), 8000);
      expect(count(events, 'user_started_speaking')).toBe(1);
      expect(count(events, 'user_stopped_speaking')).toBe(1);
      await waitForResponses(2);
      pushFrames(session, Buffer.concat([question.pcm, tail]), 8000);
      expect(count(events, 'user_stopped_speaking')).toBe(2);
      await waitForResponses(3);
      const texts = responses(events).map((r) => r.text);
      expect(texts[1]).toBe(readFileSync(join(FIXTURES, 'agent-reply-1-16k.txt'), 'utf8').trim());
      expect(texts[2]).toBe(readFileSync(join(FIXTURES, 'agent-reply-2-16k.txt'), 'utf8').trim());
      expect(events).toContainEqual({ type: 'transcript', role: 'user', text: 'Hello, I would like to check my order.', final: true });
    });
  },
);

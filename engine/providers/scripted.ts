/**
 * The `scripted` provider: deterministic, offline, no network, no API key. The default provider
 * of the simulator, the demo and the acceptance tests.
 *
 * IT DOES NOT UNDERSTAND SPEECH. It hears *that* the caller spoke, never *what* was said: a real
 * voice-activity detector (engine/audio/vad.ts) runs over the caller audio pushed in, and every
 * end of speech is one caller turn. When the engine offers its own detector's events for that
 * audio (SessionOptions.callerSpeech) and no VAD tuning was given here, it listens to those
 * instead of running a second detector over the same frames. The answer to turn N is whatever
 * the YAML script lists for turn N (or for an utterance the harness says was played, or its
 * default), played from a recorded file. The user transcript it reports is the script's
 * `expected_user_text`, the harness's hint, or "<turn N>" — never a recognition result.
 *
 * Events, per turn:
 *   VAD speech-start          -> user_started_speaking   (also while the agent is speaking: the
 *                                                         call session decides about barge-in)
 *   VAD speech-end (after the VAD's hangover, minSilenceMs)
 *                             -> user_stopped_speaking, transcript(user, final)
 *   think_ms later            -> response_started{text}, transcript(agent, final),
 *                                agent_audio x N (chunk_ms each, at the session's sample rate),
 *                                response_done
 * The greeting is a response emitted right after openSession() resolves; DTMF digits listed
 * under `on_dtmf` are answered like a turn (without the speaking events).
 *
 * Delivery: chunks are paced `delivery_speed` times faster than real time (4 by default), like a
 * streaming TTS, so that a cancel has something left to stop; 0 sends a response in one burst.
 * The call session queues the audio and plays it at real time.
 *
 * cancelResponse() drops the current response's remaining chunks and any answer still "thinking";
 * no response_done follows for it. A new answer that starts while an older one is still being
 * delivered (the caller spoke over the agent and the session did not cancel) ends the older one
 * early with its response_done: response_done means "no more audio for this response".
 */
import { resolve } from 'node:path';
import type { Logger } from 'pino';
import { VoiceActivityDetector, type VadEvent, type VadOptions } from '../audio/vad.js';
import { sendPaced, splitPcm, type PacedSend } from './paced-chunks.js';
import { loadScriptFile, replyForTurn, type Script, type ScriptGreeting, type ScriptReply } from './script.js';
import { ScriptAudio } from './script-audio.js';
import {
  ProviderError,
  type Provider,
  type ProviderEvent,
  type ProviderSession,
  type SessionOptions,
} from './types.js';

export const SCRIPTED_PROVIDER_NAME = 'scripted';

/** The script used when none is given, relative to rootDir. */
export const DEFAULT_SCRIPT_PATH = 'config/scripts/demo.yaml';

export interface ScriptedProviderOptions {
  /** YAML script. Default: config/scripts/demo.yaml under rootDir. */
  scriptPath?: string;
  /** Repository root: the default script and relative audio paths the script's folder lacks. Default: cwd. */
  rootDir?: string;
  /** VAD tuning for caller turns (its defaults suit telephone audio). */
  vad?: Omit<VadOptions, 'rate' | 'onFrame'>;
  /**
   * What the caller said in a turn, when the harness knows (the transcript sidecar of the
   * fixture it played). Selects a `transcripts` reply and becomes the user transcript.
   */
  utteranceFor?: (callId: string, turn: number) => string | undefined;
  /** For load problems at creation; sessions log with the logger they are given. */
  logger?: Logger;
}

type Loaded = { ok: true; script: Script; audio: ScriptAudio } | { ok: false; code: string; reason: string };

/** Creates the provider; the script and its audio are loaded now (see availability()). */
export function createScriptedProvider(options: ScriptedProviderOptions = {}): Provider {
  const rootDir = resolve(options.rootDir ?? process.cwd());
  const scriptPath = resolve(rootDir, options.scriptPath ?? DEFAULT_SCRIPT_PATH);
  const loaded = load(scriptPath, rootDir);
  if (!loaded.ok) options.logger?.error({ provider: SCRIPTED_PROVIDER_NAME, code: loaded.code, reason: loaded.reason }, 'script failed to load');

  return {
    name: SCRIPTED_PROVIDER_NAME,
    capabilities: { detectsTurns: true, speaks: true },
    availability() {
      return loaded.ok ? { ok: true } : { ok: false, reason: loaded.reason };
    },
    async openSession(session: SessionOptions): Promise<ProviderSession> {
      if (!loaded.ok) throw new ProviderError(loaded.code, loaded.reason);
      const { encoding, sampleRate } = session.format;
      if (encoding !== 'linear16' || !Number.isInteger(sampleRate) || sampleRate < 8000) {
        throw new ProviderError('SCRIPTED_BAD_FORMAT', `unsupported audio format ${encoding}@${sampleRate}`);
      }
      return new ScriptedSession(loaded.script, loaded.audio, session, options);
    },
  };
}

function load(scriptPath: string, rootDir: string): Loaded {
  try {
    const script = loadScriptFile(scriptPath, rootDir);
    return { ok: true, script, audio: new ScriptAudio(script) };
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    return { ok: false, code: typeof code === 'string' ? code : 'SCRIPT_INVALID', reason: (err as Error).message };
  }
}

interface Delivery {
  id: string;
  cancelled: boolean;
  send?: PacedSend;
}

class ScriptedSession implements ProviderSession {
  readonly provider = SCRIPTED_PROVIDER_NAME;
  private readonly log: Logger;
  /** Its own detector; undefined when it listens to the engine's (callerSpeech). */
  private readonly vad: VoiceActivityDetector | undefined;
  private readonly rate: number;
  private closed = false;
  private turn = 0;
  private responses = 0;
  /** An answer waiting for think_ms (or the greeting waiting for the next tick). */
  private thinking: NodeJS.Timeout | undefined;
  private current: Delivery | undefined;

  constructor(
    private readonly script: Script,
    private readonly audio: ScriptAudio,
    private readonly options: SessionOptions,
    private readonly providerOptions: ScriptedProviderOptions,
  ) {
    this.rate = options.format.sampleRate;
    this.log = options.logger.child({ provider: SCRIPTED_PROVIDER_NAME });
    if (options.callerSpeech && providerOptions.vad === undefined) {
      options.callerSpeech.onEvent((event) => {
        if (!this.closed) this.onSpeech([event]);
      });
    } else {
      this.vad = new VoiceActivityDetector({ ...providerOptions.vad, rate: this.rate });
    }
    this.log.debug({ detector: this.vad ? 'own' : 'engine', sampleRate: this.rate }, 'listening for caller turns');
    // Not synchronously: the caller of openSession() must hold the session before events come.
    const greeting = script.greeting;
    if (greeting) this.thinking = setTimeout(() => this.respond(greeting), 0);
  }

  pushAudio(pcm: Buffer): void {
    if (this.closed || !this.vad) return;
    let events: readonly VadEvent[];
    try {
      events = this.vad.push(pcm);
    } catch (err) {
      this.log.error({ err }, 'VAD failed on caller audio');
      return;
    }
    this.onSpeech(events);
  }

  private onSpeech(events: readonly VadEvent[]): void {
    for (const event of events) {
      if (event.type === 'speech-start') {
        this.log.debug({ atMs: event.atMs, delivering: this.current !== undefined }, 'caller speech started');
        this.emit({ type: 'user_started_speaking' });
      } else {
        this.endOfTurn(event.speechMs);
      }
    }
  }

  pushDtmf(digit: string): void {
    if (this.closed) return;
    const reply = this.script.onDtmf.get(digit);
    if (!reply) {
      this.log.debug({ digit }, 'DTMF digit has no scripted reply');
      return;
    }
    this.emit({ type: 'transcript', role: 'user', text: `<dtmf ${digit}>`, final: true });
    this.answerAfterThinking(reply);
  }

  cancelResponse(): void {
    this.clearThinking();
    const current = this.current;
    this.current = undefined;
    if (current) {
      current.cancelled = true;
      current.send?.cancel();
      this.log.debug({ responseId: current.id }, 'response cancelled');
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.cancelResponse();
    this.closed = true; // before the event: a listener calling close() again must find it done
    this.vad?.reset();
    this.deliver({ type: 'closed', reason: 'closed by the engine', expected: true });
  }

  private endOfTurn(speechMs: number): void {
    const turn = ++this.turn;
    this.emit({ type: 'user_stopped_speaking' });
    const utterance = this.providerOptions.utteranceFor?.(this.options.callId, turn);
    const reply = replyForTurn(this.script, turn, utterance);
    const userText = utterance ?? reply?.expected_user_text ?? `<turn ${turn}>`;
    this.log.debug({ turn, speechMs: Math.round(speechMs), reply: reply?.key }, 'caller turn ended');
    this.emit({ type: 'transcript', role: 'user', text: userText, final: true });
    if (!reply) {
      this.emit({ type: 'warning', code: 'SCRIPT_NO_REPLY', message: `${this.script.source}: no reply for turn ${turn} and no default` });
      return;
    }
    this.answerAfterThinking(reply);
  }

  private answerAfterThinking(reply: ScriptReply): void {
    // A newer turn replaces an answer that has not begun yet, as a real agent would.
    this.clearThinking();
    this.thinking = setTimeout(() => this.respond(reply), this.script.thinkMs);
  }

  private respond(entry: ScriptReply | ScriptGreeting): void {
    this.thinking = undefined;
    if (this.closed) return;
    this.endCurrentEarly();

    const delivery: Delivery = { id: `${this.options.callId}-r${++this.responses}`, cancelled: false };
    this.current = delivery;
    const pcm = this.audio.pcm(entry.audio, this.rate);
    const chunks = splitPcm(pcm, this.rate, this.script.chunkMs);
    this.log.debug({ responseId: delivery.id, entry: entry.key, chunks: chunks.length }, 'response started');
    this.emit({ type: 'response_started', responseId: delivery.id, text: entry.text });
    if (entry.text) this.emit({ type: 'transcript', role: 'agent', text: entry.text, final: true });
    // The listener may cancel or close from inside any event above or below; check each time.
    if (delivery.cancelled || this.closed) return;

    const speed = this.script.deliverySpeed;
    delivery.send = sendPaced({
      chunks,
      intervalMs: speed > 0 ? this.script.chunkMs / speed : 0,
      onChunk: (chunk) => {
        if (!delivery.cancelled) this.emit({ type: 'agent_audio', responseId: delivery.id, pcm: chunk, sampleRate: this.rate });
      },
      onDone: () => {
        if (delivery.cancelled) return;
        if (this.current === delivery) this.current = undefined;
        this.emit({ type: 'response_done', responseId: delivery.id });
      },
    });
    // A cancel during the first, synchronous chunks found no `send` to stop yet.
    if (delivery.cancelled) delivery.send.cancel();
  }

  /** Stops the response still being delivered, with its response_done (it gets no more audio). */
  private endCurrentEarly(): void {
    const current = this.current;
    if (!current) return;
    this.current = undefined;
    current.cancelled = true;
    current.send?.cancel();
    this.log.debug({ responseId: current.id }, 'response superseded by a newer one');
    this.emit({ type: 'response_done', responseId: current.id });
  }

  private clearThinking(): void {
    if (this.thinking) clearTimeout(this.thinking);
    this.thinking = undefined;
  }

  /** Nothing but `closed` is emitted after close(). */
  private emit(event: ProviderEvent): void {
    if (!this.closed) this.deliver(event);
  }

  /** Events go out from timers: a throwing listener must not become an uncaught exception. */
  private deliver(event: ProviderEvent): void {
    try {
      this.options.onEvent(event);
    } catch (err) {
      this.log.error({ err, event: event.type }, 'provider event listener threw');
    }
  }
}

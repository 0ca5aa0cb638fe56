/**
 * One conversation of the fake Deepgram agent, on one accepted WebSocket.
 *
 * Protocol, in the order the service uses: Welcome on connect; Settings -> SettingsApplied (or
 * Error); the greeting as ConversationText(assistant) + AgentStartedSpeaking + binary audio +
 * AgentAudioDone; then for each caller turn found by the energy detector: UserStartedSpeaking at
 * onset, and after the end of speech ConversationText(user), AgentThinking, ConversationText
 * (assistant), AgentStartedSpeaking, audio, AgentAudioDone. Like the service, it stops speaking
 * (no more audio, no AgentAudioDone) when the caller starts a new turn over it.
 *
 * Everything received and sent is recorded for assertions; times are ms since the connection.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { WebSocket } from 'ws';
import { EnergyTurnDetector, type EnergyTurnDetectorOptions } from './energy-turn-detector.js';
import { validateSettings, type AcceptedSettings } from './settings-validation.js';
import { splitPcm } from '../../engine/providers/paced-chunks.js';
import { toneLinear16 } from './tone.js';

export interface FakeAgentBehaviour {
  /** Canned user transcripts, one per detected turn (cycled). */
  transcripts?: string[];
  /** Canned agent replies, one per turn (cycled); default "You said: <transcript>". */
  replies?: string[];
  /** Delay between AgentThinking and the answer (ConversationText + AgentStartedSpeaking). Default 20. */
  slowResponseMs?: number;
  /** After SettingsApplied: send this Error, then close the socket (code 1011). */
  errorAfterSettings?: boolean | { code?: string; description?: string };
  /** Abruptly terminate the TCP connection this long after SettingsApplied (no close frame). */
  disconnectAfterMs?: number;
  /** Answer every upgrade with HTTP 401, whatever the key. */
  rejectAuth?: boolean;
  /** After SettingsApplied: send this Warning. */
  warning?: boolean | { code?: string; description?: string };
  /** Never answer Settings (the client's settings timeout is then what ends the wait). */
  noSettingsApplied?: boolean;
  /** Length of each answer's audio. Default 400 ms. */
  replyAudioMs?: number;
  /** Length of the greeting's audio. Default 400 ms. */
  greetingAudioMs?: number;
  /** Size of each binary audio message. Default 100 ms. */
  audioChunkMs?: number;
  /** How much faster than real time audio is sent; 0 sends every chunk at once. Default 4. */
  deliverySpeed?: number;
  /** Agent speech in linear16 at `sampleRate`; default a tone (440 Hz greeting, 660 Hz answers). */
  agentAudio?: (text: string, sampleRate: number, kind: 'greeting' | 'reply') => Buffer;
  /** Energy detector settings (threshold, onset, hangover). */
  vad?: Omit<EnergyTurnDetectorOptions, 'sampleRate'>;
}

export interface FakeAgentTurnRecord {
  transcript: string;
  reply: string;
  /** Audio time (ms of caller audio received) of the turn's onset and end. */
  speechStartAudioMs: number;
  speechEndAudioMs: number;
}

export interface FakeAgentSessionRecord {
  readonly id: number;
  readonly authorization: string | undefined;
  /** performance.now() at the upgrade; every `atMs` below is relative to it. */
  readonly connectedAt: number;
  /** The raw Settings message, when one was received. */
  settings?: Record<string, unknown>;
  settingsAtMs?: number;
  /** The Settings the fake accepted. */
  accepted?: AcceptedSettings;
  /** Every JSON message received, by type. */
  received: { atMs: number; type: string }[];
  keepAlivesAtMs: number[];
  audio: { bytes: number; messages: number; firstAtMs?: number; lastAtMs?: number; beforeSettingsBytes: number };
  /** Every message sent: JSON by type, audio as 'audio' with its size. */
  sent: { atMs: number; type: string; bytes?: number }[];
  turns: FakeAgentTurnRecord[];
  /** Caller turns that started while the agent was speaking (the agent stopped). */
  bargeIns: number;
  closed?: { atMs: number; code: number; by: 'client' | 'server' };
}

export const DEFAULT_TRANSCRIPT = 'What are your opening hours?';

export class FakeAgentSession {
  readonly record: FakeAgentSessionRecord;
  private readonly timers = new Set<NodeJS.Timeout>();
  private detector: EnergyTurnDetector | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  /** Stops the audio being sent, if any. */
  private stopSpeaking: (() => void) | undefined;
  private pendingReply: NodeJS.Timeout | undefined;
  private speechStartAudioMs = 0;
  private speechEndedAt = 0;
  private serverClosing = false;

  constructor(
    private readonly ws: WebSocket,
    id: number,
    authorization: string | undefined,
    private readonly behaviour: FakeAgentBehaviour,
    private readonly log: Logger,
  ) {
    this.record = {
      id,
      authorization,
      connectedAt: performance.now(),
      received: [],
      keepAlivesAtMs: [],
      audio: { bytes: 0, messages: 0, beforeSettingsBytes: 0 },
      sent: [],
      turns: [],
      bargeIns: 0,
    };
    ws.on('message', (data, isBinary) => this.onMessage(toBuffer(data), isBinary));
    ws.on('close', (code) => this.onClose(code));
    ws.on('error', (err) => this.log.debug({ err: err.message }, 'fake deepgram socket error'));
    this.sendJson({ type: 'Welcome', request_id: randomUUID() });
  }

  /** Closes the TCP connection at once, without a close frame (a lost connection). */
  terminate(): void {
    this.serverClosing = true;
    this.ws.terminate();
  }

  private onMessage(data: Buffer, isBinary: boolean): void {
    if (isBinary) {
      this.onAudio(data);
      return;
    }
    let message: unknown;
    try {
      message = JSON.parse(data.toString('utf8'));
    } catch {
      this.sendError('UNPARSABLE_CLIENT_MESSAGE', 'the message is not valid JSON');
      return;
    }
    const type = typeof (message as { type?: unknown })?.type === 'string' ? (message as { type: string }).type : '<none>';
    this.record.received.push({ atMs: this.elapsed(), type });
    if (type === 'Settings') this.onSettings(message as Record<string, unknown>);
    else if (type === 'KeepAlive') this.record.keepAlivesAtMs.push(this.elapsed());
  }

  private onSettings(message: Record<string, unknown>): void {
    if (this.record.settings) {
      this.sendError('SETTINGS_ALREADY_APPLIED', 'Settings may be sent once per connection');
      return;
    }
    this.record.settings = message;
    this.record.settingsAtMs = this.elapsed();
    const verdict = validateSettings(message);
    if (!verdict.ok) {
      this.sendError(verdict.code, verdict.description);
      return;
    }
    if (this.behaviour.noSettingsApplied) return;
    const settings = verdict.settings;
    this.record.accepted = settings;
    this.detector = new EnergyTurnDetector({ ...this.behaviour.vad, sampleRate: settings.inputSampleRate });
    this.sendJson({ type: 'SettingsApplied' });

    const { errorAfterSettings, warning, disconnectAfterMs } = this.behaviour;
    if (errorAfterSettings) {
      const e = errorAfterSettings === true ? {} : errorAfterSettings;
      this.sendError(e.code ?? 'FAILED_TO_THINK', e.description ?? 'the think provider failed');
      this.serverClosing = true;
      this.ws.close(1011, 'error');
      return;
    }
    if (warning) {
      const w = warning === true ? {} : warning;
      this.sendJson({ type: 'Warning', code: w.code ?? 'SLOW_THINK_REQUEST', description: w.description ?? 'the think provider is slow' });
    }
    if (disconnectAfterMs !== undefined) this.after(disconnectAfterMs, () => this.terminate());
    if (settings.greeting) {
      this.sendJson({ type: 'ConversationText', role: 'assistant', content: settings.greeting });
      this.speak(settings.greeting, 'greeting');
    }
  }

  private onAudio(pcm: Buffer): void {
    const audio = this.record.audio;
    if (!this.detector) {
      audio.beforeSettingsBytes += pcm.length;
      return;
    }
    const at = this.elapsed();
    audio.bytes += pcm.length;
    audio.messages++;
    audio.firstAtMs ??= at;
    audio.lastAtMs = at;
    for (const event of this.detector.push(pcm)) {
      if (event.type === 'speech_start') this.onSpeechStart(event.atMs);
      else this.onSpeechEnd(event.atMs);
    }
    // Audio that stops in the middle of speech ends the turn, as the service's endpointing does.
    clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    if (this.detector.inSpeech) {
      this.idleTimer = setTimeout(() => {
        this.idleTimer = undefined;
        for (const event of this.detector?.flush() ?? []) if (event.type === 'speech_end') this.onSpeechEnd(event.atMs);
      }, this.behaviour.vad?.hangoverMs ?? 400);
    }
  }

  private onSpeechStart(atMs: number): void {
    if (this.stopSpeaking) {
      this.record.bargeIns++;
      this.stopSpeaking();
    }
    this.cancelPendingReply();
    this.speechStartAudioMs = atMs;
    this.sendJson({ type: 'UserStartedSpeaking' });
  }

  private onSpeechEnd(atMs: number): void {
    const index = this.record.turns.length;
    const transcripts = this.behaviour.transcripts?.length ? this.behaviour.transcripts : [DEFAULT_TRANSCRIPT];
    const transcript = transcripts[index % transcripts.length]!;
    const reply = this.behaviour.replies?.length ? this.behaviour.replies[index % this.behaviour.replies.length]! : `You said: ${transcript}`;
    this.record.turns.push({ transcript, reply, speechStartAudioMs: this.speechStartAudioMs, speechEndAudioMs: atMs });
    this.speechEndedAt = performance.now();
    this.sendJson({ type: 'ConversationText', role: 'user', content: transcript });
    this.sendJson({ type: 'AgentThinking', content: `answering: ${transcript}` });
    this.cancelPendingReply();
    this.pendingReply = this.after(this.behaviour.slowResponseMs ?? 20, () => {
      this.pendingReply = undefined;
      this.sendJson({ type: 'ConversationText', role: 'assistant', content: reply });
      this.speak(reply, 'reply');
    });
  }

  private cancelPendingReply(): void {
    if (!this.pendingReply) return;
    clearTimeout(this.pendingReply);
    this.timers.delete(this.pendingReply);
    this.pendingReply = undefined;
  }

  /** AgentStartedSpeaking, the audio in chunks paced against a monotonic deadline, AgentAudioDone. */
  private speak(text: string, kind: 'greeting' | 'reply'): void {
    this.stopSpeaking?.();
    const rate = this.record.accepted!.outputSampleRate;
    const pcm =
      this.behaviour.agentAudio?.(text, rate, kind) ??
      toneLinear16({ sampleRate: rate, frequencyHz: kind === 'greeting' ? 440 : 660, durationMs: (kind === 'greeting' ? this.behaviour.greetingAudioMs : this.behaviour.replyAudioMs) ?? 400 });
    const chunkMs = this.behaviour.audioChunkMs ?? 100;
    const chunks = splitPcm(pcm, rate, chunkMs);
    const speed = this.behaviour.deliverySpeed ?? 4;
    const intervalMs = speed > 0 ? chunkMs / speed : 0;
    const latency = kind === 'reply' ? (performance.now() - this.speechEndedAt) / 1000 : 0;
    this.sendJson({ type: 'AgentStartedSpeaking', total_latency: latency, tts_latency: latency / 3, ttt_latency: (latency * 2) / 3 });

    const start = performance.now();
    let next = 0;
    let timer: NodeJS.Timeout | undefined;
    const stop = (): void => {
      if (timer) {
        clearTimeout(timer);
        this.timers.delete(timer);
      }
      if (this.stopSpeaking === stop) this.stopSpeaking = undefined;
    };
    const sendDue = (): void => {
      timer = undefined;
      // Every chunk whose deadline has passed goes now, so lateness never accumulates.
      while (next < chunks.length && (intervalMs === 0 || start + next * intervalMs <= performance.now())) {
        this.sendAudio(chunks[next++]!);
      }
      if (next >= chunks.length) {
        stop();
        this.sendJson({ type: 'AgentAudioDone' });
        return;
      }
      timer = this.after(Math.max(0, start + next * intervalMs - performance.now()), sendDue);
    };
    this.stopSpeaking = stop;
    sendDue();
  }

  private onClose(code: number): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    clearTimeout(this.idleTimer);
    this.stopSpeaking = undefined;
    this.record.closed = { atMs: this.elapsed(), code, by: this.serverClosing ? 'server' : 'client' };
    this.log.debug({ session: this.record.id, code }, 'fake deepgram session closed');
  }

  private after(ms: number, fn: () => void): NodeJS.Timeout {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      fn();
    }, ms);
    this.timers.add(timer);
    return timer;
  }

  private sendJson(message: Record<string, unknown> & { type: string }): void {
    if (this.ws.readyState !== this.ws.OPEN) return;
    this.record.sent.push({ atMs: this.elapsed(), type: message.type });
    this.ws.send(JSON.stringify(message));
  }

  private sendError(code: string, description: string): void {
    this.sendJson({ type: 'Error', code, description });
  }

  private sendAudio(pcm: Buffer): void {
    if (this.ws.readyState !== this.ws.OPEN) return;
    this.record.sent.push({ atMs: this.elapsed(), type: 'audio', bytes: pcm.length });
    this.ws.send(pcm, { binary: true });
  }

  private elapsed(): number {
    return performance.now() - this.record.connectedAt;
  }
}

function toBuffer(data: Buffer | ArrayBuffer | Buffer[]): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

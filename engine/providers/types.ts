/**
 * The provider boundary: one interface for every speech back end (scripted, Deepgram, ...).
 *
 * Shaped like livekit agents-js capabilities: a provider declares what it can do, opens one
 * session per call with the call's audio format, takes caller frames, and reports what happens
 * as typed events. The call session owns meaning (barge-in, playback); a provider only listens
 * and speaks.
 */
import type { Logger } from 'pino';
import type { VadEvent } from '../audio/vad.js';

/** Signed 16-bit little-endian mono PCM at a sample rate: what AudioSocket carries. */
export interface AudioFormat {
  encoding: 'linear16';
  sampleRate: number;
}

export type ProviderEvent =
  /** The provider heard the caller start a turn (its own VAD or the service's). */
  | { type: 'user_started_speaking' }
  /** The caller's turn ended (end of speech): the response time is measured from here. */
  | { type: 'user_stopped_speaking' }
  | { type: 'transcript'; role: 'user' | 'agent'; text: string; final: boolean }
  /** A response begins; its audio follows as agent_audio chunks with the same responseId. */
  | { type: 'response_started'; responseId: string; text?: string }
  /** A chunk of agent speech, linear16 at `sampleRate` (may differ from the call's rate). */
  | { type: 'agent_audio'; responseId: string; pcm: Buffer; sampleRate: number }
  /** All audio of the response has been delivered. */
  | { type: 'response_done'; responseId: string }
  | { type: 'warning'; code: string; message: string }
  /** retryable: the same session may recover; fatal: the session is over. */
  | { type: 'error'; code: string; message: string; retryable: boolean; fatal: boolean }
  /** The session ended (closed by us, by the service, or lost). */
  | { type: 'closed'; reason: string; expected: boolean };

export type ProviderEventListener = (event: ProviderEvent) => void;

export interface SessionOptions {
  callId: string;
  /** The format of caller audio pushed into the session, and preferred for agent audio. */
  format: AudioFormat;
  logger: Logger;
  onEvent: ProviderEventListener;
  /**
   * The engine's own voice-activity events (engine/audio/vad.ts, default tuning) over exactly the
   * audio this session is pushed, for a provider that would otherwise run a detector of its own:
   * the engine already runs one per call for barge-in. Given only when the session's audio is the
   * audio that detector hears (same rate); each event comes as the frame it completes is pushed.
   */
  callerSpeech?: CallerSpeech;
}

export interface CallerSpeech {
  onEvent(listener: (event: VadEvent) => void): void;
}

export interface ProviderSession {
  readonly provider: string;
  /** Caller audio, one or more 20 ms frames in the session's format. */
  pushAudio(pcm: Buffer): void;
  /** Caller DTMF, for providers that use it. */
  pushDtmf?(digit: string): void;
  /** Barge-in: stop generating the current response; queued audio is the caller's to drop. */
  cancelResponse(): void;
  /** Ends the session; safe to call twice. */
  close(): Promise<void>;
}

export interface ProviderCapabilities {
  /** The provider detects turns itself (emits user_started/stopped_speaking). */
  detectsTurns: boolean;
  /** The provider produces agent audio (TTS) itself. */
  speaks: boolean;
}

export interface Provider {
  readonly name: string;
  readonly capabilities: ProviderCapabilities;
  /** For /ready: whether a session could be opened now (e.g. API key present), and why not. */
  availability(): { ok: true } | { ok: false; reason: string };
  /** Opens a session; rejects with ProviderError when it cannot. */
  openSession(options: SessionOptions): Promise<ProviderSession>;
}

export class ProviderError extends Error {
  readonly code: string;
  readonly retryable: boolean;
  constructor(code: string, message: string, retryable = false) {
    super(message);
    this.name = 'ProviderError';
    this.code = code;
    this.retryable = retryable;
  }
}

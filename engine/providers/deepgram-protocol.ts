/**
 * Deepgram Voice Agent wire semantics, without sockets: the Settings message for a call, and the
 * mapping of server messages to ProviderEvents (who is speaking, which response audio belongs to,
 * what a barge-in drops). deepgram.ts owns the connection; this file owns meaning, so every rule
 * below is unit-tested without a server.
 *
 * Turn-taking rules (Deepgram has no "user stopped speaking" message):
 * - UserStartedSpeaking -> user_started_speaking, and a user turn is open.
 * - The open turn ends at the first of AgentThinking or ConversationText(role=user): that is the
 *   earliest moment the service tells us it has stopped listening and is answering, so the engine
 *   measures response time from there. If neither came, the next response start closes the turn,
 *   so user_started/user_stopped always come in pairs. A transcript with no open turn (text typed
 *   or injected) opens and closes nothing.
 * - A response starts at AgentStartedSpeaking, or at the first binary audio when none was
 *   announced; it ends at AgentAudioDone, or when the next response starts (every response_started
 *   gets one response_done).
 * - cancelResponse(): Deepgram has no cancel message (it stops by itself when it hears the caller),
 *   so audio of the cancelled response that is still in flight is dropped here until its
 *   AgentAudioDone or the next AgentStartedSpeaking.
 */
import type { AudioFormat, ProviderEvent } from './types.js';

export interface DeepgramAgentOptions {
  /** Speech-to-text model, e.g. "nova-3" (flux-* models use listen provider version v2). */
  listenModel: string;
  /** LLM provider type as Deepgram names it: open_ai, anthropic, google, groq, aws_bedrock. */
  thinkProvider: string;
  thinkModel: string;
  /** Deepgram TTS voice, e.g. "aura-2-thalia-en". */
  speakModel: string;
  /** System prompt of the LLM. */
  instructions?: string;
  /** Spoken by the agent as soon as the settings are applied. */
  greeting?: string;
  /** Language code for listen and speak, when set. */
  language?: string;
}

/** The Settings message, as JSON; both directions of audio in the call's own format. */
export function buildSettings(agent: DeepgramAgentOptions, format: AudioFormat): Record<string, unknown> {
  const listenProvider: Record<string, unknown> = {
    type: 'deepgram',
    version: agent.listenModel.startsWith('flux') ? 'v2' : 'v1',
    model: agent.listenModel,
  };
  if (agent.language) listenProvider.language = agent.language;
  const think: Record<string, unknown> = { provider: { type: agent.thinkProvider, model: agent.thinkModel } };
  if (agent.instructions) think.prompt = agent.instructions;
  const speakProvider: Record<string, unknown> = { type: 'deepgram', model: agent.speakModel };
  if (agent.language) speakProvider.language = agent.language;
  const settings: Record<string, unknown> = {
    type: 'Settings',
    audio: {
      input: { encoding: format.encoding, sample_rate: format.sampleRate },
      // container "none": raw samples, no WAV header at the start of every response.
      output: { encoding: format.encoding, sample_rate: format.sampleRate, container: 'none' },
    },
    agent: {
      listen: { provider: listenProvider },
      think,
      speak: { provider: speakProvider },
      ...(agent.greeting ? { greeting: agent.greeting } : {}),
    },
  };
  return settings;
}

/** A server JSON message: only `type` is known for sure; the rest is read defensively. */
export interface ServerMessage {
  type: string;
  [key: string]: unknown;
}

export interface AgentEventMapperOptions {
  /** The rate of agent audio (what the Settings asked for). */
  outputSampleRate: number;
  /** Response ids, unique within the session. */
  newResponseId: () => string;
}

/** Turns the server's message stream into ProviderEvents; one instance per session. */
export class AgentEventMapper {
  private readonly outputSampleRate: number;
  private readonly newResponseId: () => string;
  private currentResponse: string | undefined;
  /** Assistant text that arrived before its response started (Deepgram sends it first). */
  private pendingAgentText: string | undefined;
  private userTurnOpen = false;
  private droppingCancelledAudio = false;
  private droppedBytes = 0;

  constructor(options: AgentEventMapperOptions) {
    this.outputSampleRate = options.outputSampleRate;
    this.newResponseId = options.newResponseId;
  }

  /** The response whose audio is being delivered, if any. */
  get activeResponseId(): string | undefined {
    return this.currentResponse;
  }

  /** Bytes of agent audio dropped after cancel() so far. */
  get droppedAudioBytes(): number {
    return this.droppedBytes;
  }

  onMessage(message: ServerMessage): ProviderEvent[] {
    const out: ProviderEvent[] = [];
    switch (message.type) {
      case 'UserStartedSpeaking':
        this.userTurnOpen = true;
        out.push({ type: 'user_started_speaking' });
        break;
      case 'AgentThinking':
        this.closeUserTurn(out);
        break;
      case 'ConversationText': {
        const text = typeof message.content === 'string' ? message.content : '';
        if (message.role === 'user') {
          this.closeUserTurn(out);
          out.push({ type: 'transcript', role: 'user', text, final: true });
        } else {
          out.push({ type: 'transcript', role: 'agent', text, final: true });
          // Text for the response about to start; a response still playing already has its text
          // (unless it was cancelled: then this is the answer to the barge-in).
          if (this.currentResponse === undefined || this.droppingCancelledAudio) this.pendingAgentText = text;
        }
        break;
      }
      case 'AgentStartedSpeaking':
        this.droppingCancelledAudio = false;
        this.startResponse(out);
        break;
      case 'AgentAudioDone':
        if (this.droppingCancelledAudio) this.droppingCancelledAudio = false;
        this.endResponse(out);
        break;
      case 'Warning':
        out.push({ type: 'warning', code: stringField(message.code, 'DEEPGRAM_WARNING'), message: stringField(message.description, '') });
        break;
      case 'Error':
        // Not fatal by itself: the service decides by closing the socket, which deepgram.ts reports.
        out.push({
          type: 'error',
          code: stringField(message.code, 'DEEPGRAM_ERROR'),
          message: stringField(message.description, 'Deepgram reported an error'),
          retryable: false,
          fatal: false,
        });
        break;
      default:
        break;
    }
    return out;
  }

  onAudio(pcm: Buffer): ProviderEvent[] {
    if (pcm.length === 0) return [];
    if (this.droppingCancelledAudio) {
      this.droppedBytes += pcm.length;
      return [];
    }
    const out: ProviderEvent[] = [];
    if (this.currentResponse === undefined) this.startResponse(out);
    out.push({ type: 'agent_audio', responseId: this.currentResponse!, pcm, sampleRate: this.outputSampleRate });
    return out;
  }

  /**
   * Barge-in. Audio of the current response that still arrives is dropped until the service says
   * that response is over or a new one starts. Returns the cancelled response id, if any.
   */
  cancel(): string | undefined {
    const cancelled = this.currentResponse;
    if (cancelled !== undefined) this.droppingCancelledAudio = true;
    return cancelled;
  }

  private closeUserTurn(out: ProviderEvent[]): void {
    if (!this.userTurnOpen) return;
    this.userTurnOpen = false;
    out.push({ type: 'user_stopped_speaking' });
  }

  private startResponse(out: ProviderEvent[]): void {
    this.closeUserTurn(out);
    this.endResponse(out);
    const responseId = this.newResponseId();
    this.currentResponse = responseId;
    const text = this.pendingAgentText;
    this.pendingAgentText = undefined;
    out.push(text === undefined ? { type: 'response_started', responseId } : { type: 'response_started', responseId, text });
  }

  private endResponse(out: ProviderEvent[]): void {
    if (this.currentResponse === undefined) return;
    out.push({ type: 'response_done', responseId: this.currentResponse });
    this.currentResponse = undefined;
  }
}

/**
 * When the next KeepAlive is due, in ms from `now` (0 = send one now). Deepgram wants one about
 * every `intervalMs` while no audio flows; audio itself keeps the session alive, so the clock
 * restarts at the last audio or KeepAlive sent, whichever is later.
 */
export function keepAliveDelay(now: number, lastActivityAt: number, intervalMs: number): number {
  return Math.max(0, lastActivityAt + intervalMs - now);
}

function stringField(value: unknown, fallback: string): string {
  return typeof value === 'string' && value !== '' ? value : fallback;
}

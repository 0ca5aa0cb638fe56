/**
 * The Deepgram Voice Agent provider: one Deepgram agent WebSocket per call (listen + think + speak
 * in the service), through `@deepgram/sdk` 5.13.
 *
 * This file owns the connection: open, Settings, KeepAlive, close, and turning transport failures
 * into events. What the server's messages mean is in deepgram-protocol.ts.
 *
 * Failure policy: the SDK's automatic reconnect is disabled. A reconnect would silently start a
 * new agent conversation with no memory of the call, so a lost connection is reported at once as
 * a fatal `error` plus `closed {expected:false}`, and the call session decides (fallback provider
 * or apology and hang-up). Nothing here retries or leaves a timer behind after close().
 *
 * Error codes (ProviderError.code / error event code):
 *   DEEPGRAM_NO_API_KEY        no key configured (openSession)
 *   DEEPGRAM_AUTH_REJECTED     the service refused the key (HTTP 401/403 on upgrade)
 *   DEEPGRAM_CONNECT_FAILED    no WebSocket (refused, DNS, other HTTP status); retryable
 *   DEEPGRAM_CONNECT_TIMEOUT   no WebSocket within connectTimeoutMs; retryable
 *   DEEPGRAM_SETTINGS_TIMEOUT  connected, but no SettingsApplied within connectTimeoutMs; retryable
 *   DEEPGRAM_SETTINGS_REJECTED the service answered Settings with Error
 *   DEEPGRAM_CLOSED            close() was called while the session was still opening
 *   DEEPGRAM_CONNECTION_LOST   the open session's socket closed without close() (fatal event)
 *   <server code>              an Error message from the service, its own code (e.g. FAILED_TO_SPEAK)
 */
import { DeepgramClient } from '@deepgram/sdk';
import type { Logger } from 'pino';
import { pino } from 'pino';
import { AgentEventMapper, buildSettings, keepAliveDelay, type DeepgramAgentOptions, type ServerMessage } from './deepgram-protocol.js';
import { ProviderError, type Provider, type ProviderEvent, type ProviderSession, type SessionOptions } from './types.js';

export interface DeepgramProviderConfig {
  /** The value of DEEPGRAM_API_KEY, read by the caller; never logged. */
  apiKey: string | undefined;
  /** Agent service base URL, e.g. ws://127.0.0.1:PORT for the fake; default the SDK's wss://agent.deepgram.com. */
  baseUrl?: string;
  listenModel?: string;
  thinkProvider?: string;
  thinkModel?: string;
  speakModel?: string;
  greeting?: string;
  /** The LLM's system prompt. */
  instructions?: string;
  language?: string;
  /** KeepAlive period while no caller audio is sent (Deepgram: about 8 s). */
  keepAliveMs?: number;
  /** Budget for connect + Settings -> SettingsApplied. */
  connectTimeoutMs?: number;
  /** How long close() waits for the WebSocket closing handshake before giving up on it. */
  closeTimeoutMs?: number;
}

export interface DeepgramProviderDeps {
  /** Provider-level logger (availability, misuse); sessions log to their own call logger. */
  logger?: Logger;
  /** Monotonic clock in ms, for KeepAlive timing. Default performance.now. */
  now?: () => number;
}

export const DEEPGRAM_DEFAULTS = {
  listenModel: 'nova-3',
  thinkProvider: 'open_ai',
  thinkModel: 'gpt-4o-mini',
  speakModel: 'aura-2-thalia-en',
  keepAliveMs: 8_000,
  connectTimeoutMs: 10_000,
  closeTimeoutMs: 2_000,
} as const;

export function createDeepgramProvider(config: DeepgramProviderConfig, deps: DeepgramProviderDeps = {}): Provider {
  const logger = deps.logger ?? pino({ level: 'silent' });
  const now = deps.now ?? (() => performance.now());
  return {
    name: 'deepgram',
    capabilities: { detectsTurns: true, speaks: true },
    availability() {
      return config.apiKey ? { ok: true } : { ok: false, reason: 'DEEPGRAM_API_KEY is not set' };
    },
    async openSession(options: SessionOptions): Promise<ProviderSession> {
      if (!config.apiKey) {
        logger.warn({ callId: options.callId }, 'deepgram session refused: DEEPGRAM_API_KEY is not set');
        throw new ProviderError('DEEPGRAM_NO_API_KEY', 'DEEPGRAM_API_KEY is not set');
      }
      const session = new DeepgramSession(config, config.apiKey, options, now);
      await session.open();
      return session;
    },
  };
}

type AgentSocket = Awaited<ReturnType<DeepgramClient['agent']['v1']['connect']>>;
type SocketCloseEvent = { code?: number; reason?: string };
type SessionState = 'opening' | 'open' | 'closing' | 'closed';

const SOCKET_CLOSED = 3;

class DeepgramSession implements ProviderSession {
  readonly provider = 'deepgram';
  private state: SessionState = 'opening';
  private readonly log: Logger;
  private readonly onEvent: (event: ProviderEvent) => void;
  private readonly mapper: AgentEventMapper;
  private readonly keepAliveMs: number;
  private readonly connectTimeoutMs: number;
  private readonly closeTimeoutMs: number;
  private readonly settings: Record<string, unknown>;
  private socket: AgentSocket | undefined;
  private socketOpened = false;
  /** Every socket callback runs through this chain, so a Blob's async read keeps message order. */
  private inbound: Promise<void> = Promise.resolve();
  private openTimer: NodeJS.Timeout | undefined;
  private keepAliveTimer: NodeJS.Timeout | undefined;
  private lastActivityAt = 0;
  private lastSocketError: string | undefined;
  private lastServerError: { code: string; description: string } | undefined;
  private settle: { resolve: () => void; reject: (err: ProviderError) => void } | undefined;
  private closing: Promise<void> | undefined;
  private responseCount = 0;
  private audioDroppedWhileClosed = false;

  constructor(
    private readonly config: DeepgramProviderConfig,
    private readonly apiKey: string,
    options: SessionOptions,
    private readonly now: () => number,
  ) {
    this.log = options.logger.child({ provider: 'deepgram' });
    this.onEvent = options.onEvent;
    this.keepAliveMs = config.keepAliveMs ?? DEEPGRAM_DEFAULTS.keepAliveMs;
    this.connectTimeoutMs = config.connectTimeoutMs ?? DEEPGRAM_DEFAULTS.connectTimeoutMs;
    this.closeTimeoutMs = config.closeTimeoutMs ?? DEEPGRAM_DEFAULTS.closeTimeoutMs;
    this.mapper = new AgentEventMapper({
      outputSampleRate: options.format.sampleRate,
      newResponseId: () => `dg-${++this.responseCount}`,
    });
    this.settings = buildSettings(agentOptions(config), options.format);
  }

  /** Resolves once the service has applied the Settings; rejects with ProviderError otherwise. */
  open(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.settle = { resolve, reject };
      this.openTimer = setTimeout(() => {
        this.failOpen(
          this.socketOpened
            ? new ProviderError('DEEPGRAM_SETTINGS_TIMEOUT', `Deepgram did not apply the settings within ${this.connectTimeoutMs} ms`, true)
            : new ProviderError('DEEPGRAM_CONNECT_TIMEOUT', `no connection to Deepgram within ${this.connectTimeoutMs} ms`, true),
        );
      }, this.connectTimeoutMs);
      this.connect().catch((err: unknown) => {
        this.failOpen(new ProviderError('DEEPGRAM_CONNECT_FAILED', `cannot connect to Deepgram: ${errorMessage(err)}`, true));
      });
    });
  }

  pushAudio(pcm: Buffer): void {
    if (this.state !== 'open' || !this.socket) {
      if (!this.audioDroppedWhileClosed) this.log.debug({ state: this.state }, 'caller audio dropped: session not open');
      this.audioDroppedWhileClosed = true;
      return;
    }
    this.lastActivityAt = this.now();
    try {
      this.socket.sendMedia(pcm);
    } catch (err) {
      // The close event that follows reports the loss; here only note it.
      this.log.debug({ err: errorMessage(err) }, 'caller audio not sent');
    }
  }

  cancelResponse(): void {
    const cancelled = this.mapper.cancel();
    this.log.debug({ responseId: cancelled }, cancelled ? 'response cancelled: its remaining audio is dropped' : 'cancel with no response playing');
  }

  close(): Promise<void> {
    this.closing ??= this.closeOnce();
    return this.closing;
  }

  private async closeOnce(): Promise<void> {
    const wasOpen = this.state === 'open';
    if (this.state === 'opening') {
      this.failOpen(new ProviderError('DEEPGRAM_CLOSED', 'the session was closed before Deepgram was ready'));
      return;
    }
    this.clearTimers();
    if (this.state === 'closed') return;
    this.state = 'closing';
    await this.closeSocket();
    this.state = 'closed';
    if (wasOpen) this.emit({ type: 'closed', reason: 'closed by engine', expected: true });
    this.log.info({ droppedAgentAudioBytes: this.mapper.droppedAudioBytes }, 'deepgram session closed');
  }

  private async connect(): Promise<void> {
    const client = new DeepgramClient({ apiKey: this.apiKey, ...(this.config.baseUrl ? { baseUrl: this.config.baseUrl } : {}) });
    const socket = await client.agent.v1.connect({
      // No reconnect: a new socket would be a new conversation (see the header comment).
      reconnectAttempts: 0,
      shouldReconnect: () => false,
      connectionTimeoutInSeconds: this.connectTimeoutMs / 1000,
    });
    if (this.state !== 'opening') return; // closed or timed out while the SDK was loading
    this.socket = socket;
    socket.on('open', () => this.enqueue(() => this.onSocketOpen()));
    socket.on('message', (message: unknown) => this.enqueue(() => this.onSocketMessage(message)));
    socket.on('close', (event: SocketCloseEvent) => this.enqueue(() => this.onSocketClose(event)));
    // Recorded at once: the SDK fires `close` before `error` for a failed upgrade, and the close
    // handler (queued) needs the reason.
    socket.on('error', (err: Error) => {
      this.lastSocketError = err.message;
    });
    socket.connect();
  }

  private enqueue(step: () => void | Promise<void>): void {
    this.inbound = this.inbound.then(step).catch((err: unknown) => {
      this.log.error({ err: errorMessage(err) }, 'deepgram message handling failed');
    });
  }

  private onSocketOpen(): void {
    if (this.state !== 'opening' || !this.socket) return;
    this.socketOpened = true;
    const audio = this.settings.audio as { input: { sample_rate: number } };
    this.log.debug({ sampleRate: audio.input.sample_rate }, 'deepgram connected, sending settings');
    this.socket.sendSettings(this.settings as unknown as Parameters<AgentSocket['sendSettings']>[0]);
  }

  private async onSocketMessage(message: unknown): Promise<void> {
    if (this.state !== 'open' && this.state !== 'opening') return;
    const audio = await asBuffer(message);
    if (audio) {
      this.lastServerError = undefined;
      if (this.state === 'open') this.emitAll(this.mapper.onAudio(audio));
      return;
    }
    if (!isServerMessage(message)) {
      this.log.debug({ kind: typeof message }, 'unrecognised message from deepgram ignored');
      return;
    }
    if (this.state === 'opening') {
      this.onOpeningMessage(message);
      return;
    }
    // A close is blamed on an Error only when nothing else came in between.
    this.lastServerError = undefined;
    if (message.type === 'Error') {
      this.lastServerError = { code: String(message.code ?? ''), description: String(message.description ?? '') };
      this.log.warn(this.lastServerError, 'deepgram error');
    } else if (message.type === 'Warning') {
      this.log.warn({ code: message.code, description: message.description }, 'deepgram warning');
    }
    for (const event of this.mapper.onMessage(message)) {
      if (event.type === 'transcript') this.log.info({ role: event.role, text: event.text }, 'transcript');
      this.emit(event);
    }
  }

  private onOpeningMessage(message: ServerMessage): void {
    switch (message.type) {
      case 'Welcome':
        this.log.debug({ requestId: message.request_id }, 'deepgram welcome');
        return;
      case 'SettingsApplied':
        this.state = 'open';
        clearTimeout(this.openTimer);
        this.openTimer = undefined;
        this.lastActivityAt = this.now();
        this.scheduleKeepAlive(this.keepAliveMs);
        this.log.info('deepgram session ready');
        this.settle?.resolve();
        this.settle = undefined;
        return;
      case 'Error': {
        const code = String(message.code ?? 'UNKNOWN');
        const description = String(message.description ?? '');
        this.lastServerError = { code, description };
        this.failOpen(new ProviderError('DEEPGRAM_SETTINGS_REJECTED', `Deepgram refused the settings: ${code}: ${description}`));
        return;
      }
      default:
        // Anything else before SettingsApplied is handed on once the session is open; nothing
        // else is expected, so it is mapped now (the listener is already there).
        this.emitAll(this.mapper.onMessage(message));
    }
  }

  private onSocketClose(event: SocketCloseEvent): void {
    if (this.state === 'opening') {
      this.failOpen(this.openFailure(event));
      return;
    }
    if (this.state !== 'open') return; // our own close, or already reported
    this.state = 'closed';
    this.clearTimers();
    const reason = `Deepgram closed the connection (code ${event.code ?? 'none'}${event.reason ? `, ${event.reason}` : ''}${this.lastSocketError ? `, ${this.lastSocketError}` : ''})`;
    const serverError = this.lastServerError;
    this.log.error({ code: event.code, serverError: serverError?.code }, 'deepgram connection lost');
    this.emit({
      type: 'error',
      code: serverError ? serverError.code : 'DEEPGRAM_CONNECTION_LOST',
      message: serverError ? `${serverError.description} (then the connection closed)` : reason,
      retryable: false,
      fatal: true,
    });
    this.emit({ type: 'closed', reason, expected: false });
    this.socket?.close(); // detaches the SDK's listeners; no reconnect is armed
  }

  private openFailure(event: SocketCloseEvent): ProviderError {
    const failure = this.lastSocketError ?? '';
    const status = /server response: (\d{3})/.exec(failure)?.[1];
    if (status === '401' || status === '403') {
      return new ProviderError('DEEPGRAM_AUTH_REJECTED', `Deepgram rejected the API key (HTTP ${status}); check DEEPGRAM_API_KEY`);
    }
    if (status) {
      return new ProviderError('DEEPGRAM_CONNECT_FAILED', `Deepgram refused the connection (HTTP ${status})`, status === '429' || status.startsWith('5'));
    }
    if (failure === 'TIMEOUT') {
      return new ProviderError('DEEPGRAM_CONNECT_TIMEOUT', `no connection to Deepgram within ${this.connectTimeoutMs} ms`, true);
    }
    const detail = failure || `closed with code ${event.code ?? 'none'}`;
    return this.socketOpened
      ? new ProviderError('DEEPGRAM_CONNECT_FAILED', `Deepgram closed the connection before applying the settings (${detail})`, true)
      : new ProviderError('DEEPGRAM_CONNECT_FAILED', `cannot connect to Deepgram (${detail})`, true);
  }

  private failOpen(err: ProviderError): void {
    if (this.state !== 'opening') return;
    this.state = 'closed';
    this.clearTimers();
    this.socket?.close();
    this.log.warn({ code: err.code }, err.message);
    this.settle?.reject(err);
    this.settle = undefined;
  }

  private scheduleKeepAlive(delayMs: number): void {
    this.keepAliveTimer = setTimeout(() => this.keepAliveTick(), delayMs);
  }

  /** Audio keeps the session alive by itself, so the timer only sends when audio has stopped. */
  private keepAliveTick(): void {
    this.keepAliveTimer = undefined;
    if (this.state !== 'open' || !this.socket) return;
    const now = this.now();
    const due = keepAliveDelay(now, this.lastActivityAt, this.keepAliveMs);
    if (due > 0) {
      this.scheduleKeepAlive(due);
      return;
    }
    try {
      this.socket.sendKeepAlive({ type: 'KeepAlive' });
      this.lastActivityAt = now;
    } catch (err) {
      this.log.debug({ err: errorMessage(err) }, 'keepalive not sent');
    }
    this.scheduleKeepAlive(this.keepAliveMs);
  }

  private async closeSocket(): Promise<void> {
    const socket = this.socket;
    if (!socket) return;
    if (socket.readyState === SOCKET_CLOSED) {
      socket.close();
      return;
    }
    // The SDK's close() detaches its own handlers at once, so the end of the closing handshake is
    // watched on the underlying socket, with a bound: a dead peer must not hold close() up.
    await new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        socket.socket.removeEventListener('close', done);
        resolve();
      };
      const timer = setTimeout(() => {
        this.log.warn({ timeoutMs: this.closeTimeoutMs }, 'deepgram did not finish the closing handshake');
        done();
      }, this.closeTimeoutMs);
      socket.socket.addEventListener('close', done);
      socket.close();
    });
  }

  private clearTimers(): void {
    clearTimeout(this.openTimer);
    clearTimeout(this.keepAliveTimer);
    this.openTimer = undefined;
    this.keepAliveTimer = undefined;
  }

  private emitAll(events: ProviderEvent[]): void {
    for (const event of events) this.emit(event);
  }

  /** A listener that throws must not break the socket's handling. */
  private emit(event: ProviderEvent): void {
    try {
      this.onEvent(event);
    } catch (err) {
      this.log.error({ err: errorMessage(err), event: event.type }, 'provider event listener threw');
    }
  }
}

function agentOptions(config: DeepgramProviderConfig): DeepgramAgentOptions {
  return {
    listenModel: config.listenModel ?? DEEPGRAM_DEFAULTS.listenModel,
    thinkProvider: config.thinkProvider ?? DEEPGRAM_DEFAULTS.thinkProvider,
    thinkModel: config.thinkModel ?? DEEPGRAM_DEFAULTS.thinkModel,
    speakModel: config.speakModel ?? DEEPGRAM_DEFAULTS.speakModel,
    ...(config.instructions ? { instructions: config.instructions } : {}),
    ...(config.greeting ? { greeting: config.greeting } : {}),
    ...(config.language ? { language: config.language } : {}),
  };
}

/** Binary agent audio arrives as a Blob from the SDK; other binary shapes are accepted too. */
async function asBuffer(message: unknown): Promise<Buffer | undefined> {
  if (Buffer.isBuffer(message)) return message;
  if (message instanceof Blob) return Buffer.from(await message.arrayBuffer());
  if (message instanceof ArrayBuffer) return Buffer.from(message);
  if (ArrayBuffer.isView(message)) return Buffer.from(message.buffer, message.byteOffset, message.byteLength);
  return undefined;
}

function isServerMessage(message: unknown): message is ServerMessage {
  return typeof message === 'object' && message !== null && typeof (message as { type?: unknown }).type === 'string';
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

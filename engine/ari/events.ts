/**
 * The ARI events WebSocket (`/ari/events?app=<app>&subscribeAll=false`), kept up for the life of
 * the engine: it reconnects with capped exponential backoff and full jitter, and it detects a
 * connection that went silent (Asterisk gone without a FIN, a NAT dropping state) with ws
 * ping/pong, terminating and reconnecting when nothing comes back within one ping interval.
 *
 * Events missed while disconnected are lost: on 'connected' with reconnect=true the engine must
 * resynchronise its calls (list channels) rather than trust its state.
 */
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import WebSocket from 'ws';
import type { EngineMetrics } from '../metrics.js';
import { backoffDelay } from './backoff.js';
import { ariBaseUrl } from './client.js';
import type { AriEvent } from './models.js';

export interface AriEventStreamOptions {
  /** Asterisk's HTTP server, e.g. http://127.0.0.1:8088. */
  url: string;
  username: string;
  password: string;
  /** The Stasis application(s) to receive events for. */
  app: string | string[];
  reconnect?: { minMs?: number; maxMs?: number };
  /** Ping period; the pong (or any message) must arrive before the next ping. Default 5000; 0 disables. */
  pingIntervalMs?: number;
  /** Limit on the opening handshake. Default 5000 ms. */
  handshakeTimeoutMs?: number;
  /** A connection that stays up this long resets the backoff. Default reconnect.maxMs. */
  stableAfterMs?: number;
  logger?: Logger;
  metrics?: Pick<EngineMetrics, 'ariReconnects'>;
  /** Uniform in [0, 1); injected for tests. */
  random?: () => number;
}

export interface ConnectedInfo {
  /** Tries this connection took since the last one was lost (1 = first try). */
  attempt: number;
  /** False for the first connection of this stream, true for every later one. */
  reconnect: boolean;
}

export interface DisconnectedInfo {
  code: number;
  reason: string;
  /** True when close() asked for it. */
  requested: boolean;
}

export interface ReconnectingInfo {
  /** The retry about to be made, from 1, counting since the last stable connection. */
  attempt: number;
  delayMs: number;
}

export interface AriEventStreamEvents {
  event: [event: AriEvent];
  connected: [info: ConnectedInfo];
  disconnected: [info: DisconnectedInfo];
  reconnecting: [info: ReconnectingInfo];
}

export interface AriEventStreamStats {
  connects: number;
  events: number;
  invalidMessages: number;
  pingTimeouts: number;
}

/** The events URL (ws:// or wss://) for an Asterisk HTTP URL and app list. */
export function ariEventsUrl(url: string, app: string | string[]): string {
  const base = ariBaseUrl(url).replace(/^http/, 'ws');
  const apps = Array.isArray(app) ? app.join(',') : app;
  return `${base}/events?app=${encodeURIComponent(apps)}&subscribeAll=false`;
}

export class AriEventStream extends EventEmitter<AriEventStreamEvents> {
  readonly url: string;
  readonly stats: AriEventStreamStats = { connects: 0, events: 0, invalidMessages: 0, pingTimeouts: 0 };
  readonly #authorization: string;
  private readonly minMs: number;
  private readonly maxMs: number;
  private readonly pingIntervalMs: number;
  private readonly handshakeTimeoutMs: number;
  private readonly stableAfterMs: number;
  private readonly log: Logger | undefined;
  private readonly metrics: AriEventStreamOptions['metrics'];
  private readonly random: () => number;
  private ws: WebSocket | undefined;
  private isOpen = false;
  private started = false;
  private closing = false;
  /** Failed tries since the last stable connection. */
  private retries = 0;
  /** Tries since the last connection was lost. */
  private tries = 0;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private pingTimer: ReturnType<typeof setInterval> | undefined;
  private stableTimer: ReturnType<typeof setTimeout> | undefined;
  private heardSincePing = true;

  constructor(options: AriEventStreamOptions) {
    super();
    this.url = ariEventsUrl(options.url, options.app);
    this.#authorization = `Basic ${Buffer.from(`${options.username}:${options.password}`).toString('base64')}`;
    this.minMs = options.reconnect?.minMs ?? 500;
    this.maxMs = options.reconnect?.maxMs ?? 10_000;
    this.pingIntervalMs = options.pingIntervalMs ?? 5000;
    this.handshakeTimeoutMs = options.handshakeTimeoutMs ?? 5000;
    this.stableAfterMs = options.stableAfterMs ?? this.maxMs;
    this.log = options.logger;
    this.metrics = options.metrics;
    this.random = options.random ?? Math.random;
  }

  get connected(): boolean {
    return this.isOpen;
  }

  /** Connects, and keeps reconnecting until close(). Idempotent. */
  start(): void {
    if (this.started || this.closing) return;
    this.started = true;
    this.connect();
  }

  /** Resolves at the next 'connected' (at once if connected); rejects after timeoutMs. */
  waitConnected(timeoutMs = 10_000): Promise<void> {
    if (this.isOpen) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.off('connected', onConnected);
        reject(new Error(`ARI events not connected within ${timeoutMs} ms`));
      }, timeoutMs);
      const onConnected = () => {
        clearTimeout(timer);
        resolve();
      };
      this.once('connected', onConnected);
    });
  }

  /** Closes the socket and stops reconnecting. Idempotent. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    this.clearTimers();
    const ws = this.ws;
    if (ws === undefined || ws.readyState === WebSocket.CLOSED) return;
    await new Promise<void>((resolve) => {
      const force = setTimeout(() => ws.terminate(), 1000);
      ws.once('close', () => {
        clearTimeout(force);
        resolve();
      });
      if (ws.readyState === WebSocket.CONNECTING) ws.terminate();
      else ws.close(1000, 'engine shutting down');
    });
  }

  private connect(): void {
    if (this.closing) return;
    this.tries++;
    const ws = new WebSocket(this.url, {
      headers: { authorization: this.#authorization },
      handshakeTimeout: this.handshakeTimeoutMs,
      perMessageDeflate: false,
    });
    this.ws = ws;
    let opened = false;
    ws.on('open', () => {
      opened = true;
      this.onOpen(ws);
    });
    ws.on('message', (data, isBinary) => {
      this.heardSincePing = true;
      if (!isBinary) this.onMessage(data.toString());
    });
    ws.on('pong', () => {
      this.heardSincePing = true;
    });
    ws.on('error', (err) => {
      // The message names the HTTP status of a refused upgrade (e.g. 401); it never holds the password.
      this.log?.warn({ code: (err as NodeJS.ErrnoException).code, err: err.message }, 'ARI events connection error');
    });
    ws.on('close', (code, reason) => this.onClose(ws, opened, code, reason.toString()));
  }

  private onOpen(ws: WebSocket): void {
    if (this.closing) {
      ws.close(1000);
      return;
    }
    this.isOpen = true;
    this.stats.connects++;
    const reconnect = this.stats.connects > 1;
    const info: ConnectedInfo = { attempt: this.tries, reconnect };
    this.tries = 0;
    if (reconnect) this.metrics?.ariReconnects.inc();
    this.log?.info({ url: this.url, ...info }, 'ARI events connected');
    this.stableTimer = setTimeout(() => {
      this.retries = 0;
    }, this.stableAfterMs);
    if (this.pingIntervalMs > 0) {
      this.heardSincePing = true;
      this.pingTimer = setInterval(() => this.checkAlive(ws), this.pingIntervalMs);
    }
    this.emit('connected', info);
  }

  /** Each ping period: if nothing came back since the last ping, the connection is dead. */
  private checkAlive(ws: WebSocket): void {
    if (!this.heardSincePing) {
      this.stats.pingTimeouts++;
      this.log?.warn({ pingIntervalMs: this.pingIntervalMs }, 'ARI events connection silent: no pong, reconnecting');
      ws.terminate();
      return;
    }
    this.heardSincePing = false;
    ws.ping();
  }

  private onMessage(text: string): void {
    let event: unknown;
    try {
      event = JSON.parse(text);
    } catch {
      event = undefined;
    }
    if (event === null || typeof event !== 'object' || typeof (event as { type?: unknown }).type !== 'string') {
      this.stats.invalidMessages++;
      this.log?.warn({ length: text.length }, 'ARI events: message is not an event, ignored');
      return;
    }
    this.stats.events++;
    try {
      this.emit('event', event as AriEvent);
    } catch (err) {
      this.log?.error({ err, type: (event as AriEvent).type }, 'ARI event handler failed');
    }
  }

  private onClose(ws: WebSocket, opened: boolean, code: number, reason: string): void {
    if (this.ws !== ws) return;
    this.ws = undefined;
    this.clearTimers();
    const wasOpen = this.isOpen;
    this.isOpen = false;
    if (opened && wasOpen) {
      this.log?.warn({ code, reason, requested: this.closing }, 'ARI events disconnected');
      this.emit('disconnected', { code, reason, requested: this.closing });
    }
    if (this.closing) return;
    this.retries++;
    const delayMs = backoffDelay(this.retries, { minMs: this.minMs, maxMs: this.maxMs, random: this.random });
    this.retryTimer = setTimeout(() => this.connect(), delayMs);
    this.log?.info({ attempt: this.retries, delayMs }, 'ARI events reconnecting');
    this.emit('reconnecting', { attempt: this.retries, delayMs });
  }

  private clearTimers(): void {
    if (this.retryTimer !== undefined) clearTimeout(this.retryTimer);
    if (this.pingTimer !== undefined) clearInterval(this.pingTimer);
    if (this.stableTimer !== undefined) clearTimeout(this.stableTimer);
    this.retryTimer = this.pingTimer = this.stableTimer = undefined;
  }
}

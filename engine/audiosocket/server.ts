/**
 * The engine's AudioSocket TCP server. Asterisk connects (externalMedia or a dialplan
 * AudioSocket()), sends its UUID as the first frame, and the server hands the connection to the
 * call that registered that UUID with expect(). Anything else (unknown or duplicate UUID, a
 * first frame that is not a UUID, garbage, oversized frames, no UUID in time) is logged with the
 * peer's address and a stable code, and only that socket is closed.
 *
 * One FrameTicker drives every connection: each tick, each connection sends one 20 ms frame,
 * call audio or silence, so no connection is ever silent. Each connection is its own listener,
 * so a ticker with phases spreads the writes over the 20 ms instead of bursting them.
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { Logger } from 'pino';
import { FrameTicker } from '../audio/pacer.js';
import type { EngineMetrics } from '../metrics.js';
import { DEFAULT_MAX_PAYLOAD, isUuid, type SampleRate } from './codec.js';
import { AudioSocketConnection, type AudioSocketRefusalCode, type TickResult } from './connection.js';

export interface AudioSocketServerOptions {
  logger: Logger;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 8090; 0 picks a free port. */
  port?: number;
  /** Time allowed for the UUID frame after accept. Default 2000 ms. */
  bindTimeoutMs?: number;
  /** Largest payload accepted from Asterisk. Default the codec's DEFAULT_MAX_PAYLOAD. */
  maxFrameBytes?: number;
  /** Rate of silence before a connection's rate is known. Default 8000. */
  defaultRate?: SampleRate;
  /** Bound on a socket's unsent bytes; past it frames are dropped. Default 32 KiB (~0.5 s at 16 kHz). */
  maxBufferedBytes?: number;
  /** Graceful close waits this long for the peer before destroying. Default 2000 ms. */
  closeTimeoutMs?: number;
  metrics?: Pick<EngineMetrics, 'framesIn' | 'framesOut' | 'droppedFrames' | 'bindSeconds' | 'audiosocketRefused'>;
  /** Injected for tests; by default the server has its own. */
  ticker?: FrameTicker;
}

export interface ExpectOptions {
  /** The call's rate, if known: silence and write() switch to it at bind. */
  rate?: SampleRate;
}

export type BindHandler = (conn: AudioSocketConnection) => void;

/** A registered UUID waiting for its connection. cancel() is idempotent. */
export interface Expectation {
  readonly uuid: string;
  cancel(): void;
}

export interface ServerAddress {
  host: string;
  port: number;
}

interface Pending {
  handler: BindHandler;
  rate?: SampleRate;
}

export class AudioSocketServer {
  private readonly options: Required<Omit<AudioSocketServerOptions, 'metrics' | 'ticker'>>;
  private readonly log: Logger;
  private readonly metrics: AudioSocketServerOptions['metrics'];
  private readonly ticker: FrameTicker;
  private readonly server: Server;
  private readonly connections = new Set<AudioSocketConnection>();
  private readonly expected = new Map<string, Pending>();
  private readonly bound = new Map<string, AudioSocketConnection>();
  /** Each connection's ticker listener. */
  private readonly untick = new Map<AudioSocketConnection, () => void>();
  private stopFlushing: (() => void) | undefined;
  private readonly tickCounts: Record<TickResult, number> = { audio: 0, silence: 0, dropped: 0, idle: 0 };
  private pendingFramesIn = 0;
  private closing = false;
  private addr: ServerAddress | undefined;

  constructor(options: AudioSocketServerOptions) {
    this.options = {
      logger: options.logger,
      host: options.host ?? '127.0.0.1',
      port: options.port ?? 8090,
      bindTimeoutMs: options.bindTimeoutMs ?? 2000,
      maxFrameBytes: options.maxFrameBytes ?? DEFAULT_MAX_PAYLOAD,
      defaultRate: options.defaultRate ?? 8000,
      maxBufferedBytes: options.maxBufferedBytes ?? 32 * 1024,
      closeTimeoutMs: options.closeTimeoutMs ?? 2000,
    };
    this.log = options.logger;
    this.metrics = options.metrics;
    this.ticker =
      options.ticker ??
      new FrameTicker({ phases: 8, onListenerError: (err) => this.log.error({ err }, 'AudioSocket tick failed') });
    this.server = createServer({ noDelay: true }, (socket) => this.onConnection(socket));
  }

  /** Starts listening; resolves with the bound address (useful with port 0). */
  listen(): Promise<ServerAddress> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error) => reject(err);
      this.server.once('error', onError);
      this.server.listen(this.options.port, this.options.host, () => {
        this.server.off('error', onError);
        this.server.on('error', (err) => this.log.error({ err }, 'AudioSocket server error'));
        const a = this.server.address();
        if (a === null || typeof a === 'string') return reject(new Error('AudioSocket server has no TCP address'));
        this.addr = { host: a.address, port: a.port };
        this.log.info({ address: this.addr }, 'AudioSocket server listening');
        resolve(this.addr);
      });
    });
  }

  get listening(): boolean {
    return this.server.listening && !this.closing;
  }

  address(): ServerAddress | undefined {
    return this.addr;
  }

  /** Open connections, bound or not. */
  get connectionCount(): number {
    return this.connections.size;
  }

  /**
   * Registers a UUID a call is about to hand to Asterisk. The first connection presenting it is
   * handed to `handler`; the registration is then used up (a second connection with the same
   * UUID is refused). Throws if the UUID is not one, or is already expected or bound.
   */
  expect(uuid: string, handler: BindHandler, options: ExpectOptions = {}): Expectation {
    if (this.closing) throw new Error('AudioSocket server is closed');
    if (!isUuid(uuid)) throw new TypeError(`not a UUID: ${JSON.stringify(uuid)}`);
    const key = uuid.toLowerCase();
    if (this.expected.has(key)) throw new Error(`UUID ${uuid} is already expected`);
    if (this.bound.has(key)) throw new Error(`UUID ${uuid} is already bound`);
    const pending: Pending = { handler, rate: options.rate };
    this.expected.set(key, pending);
    return {
      uuid,
      cancel: () => {
        if (this.expected.get(key) === pending) this.expected.delete(key);
      },
    };
  }

  /** Whether a UUID is registered and still waiting for its connection. */
  isExpected(uuid: string): boolean {
    return this.expected.has(uuid.toLowerCase());
  }

  /** Stops accepting, closes every connection (destroying those that linger) and the listener. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    this.expected.clear();
    const closed = new Promise<void>((resolve) => {
      if (!this.server.listening) return resolve();
      this.server.close(() => resolve());
    });
    for (const conn of this.connections) conn.shutdown('server-closed', 'end');
    await closed;
    for (const stop of this.untick.values()) stop();
    this.untick.clear();
    this.flushMetrics();
    this.stopFlushing?.();
    this.stopFlushing = undefined;
    this.log.info('AudioSocket server closed');
  }

  private onConnection(socket: Socket): void {
    if (this.closing) {
      socket.destroy();
      return;
    }
    const conn = new AudioSocketConnection({
      socket,
      logger: this.log,
      rate: this.options.defaultRate,
      bindTimeoutMs: this.options.bindTimeoutMs,
      maxPayloadBytes: this.options.maxFrameBytes,
      maxBufferedBytes: this.options.maxBufferedBytes,
      closeTimeoutMs: this.options.closeTimeoutMs,
      hooks: {
        uuid: (c, uuid) => this.bind(c, uuid),
        refused: (_c, code) => this.countRefusal(code),
        frameIn: () => {
          this.pendingFramesIn++;
        },
        closed: (c) => this.forget(c),
      },
    });
    this.connections.add(conn);
    this.log.info({ remote: conn.remote }, 'AudioSocket connection accepted');
    // The first frame goes out now, not at the next tick: never leave a leg silent.
    this.record(conn.tick());
    // A listener per connection, so the ticker can spread connections over its phases.
    this.untick.set(conn, this.ticker.add(() => this.record(conn.tick())));
    this.stopFlushing ??= this.ticker.add(() => this.flushMetrics());
  }

  private bind(conn: AudioSocketConnection, uuid: string): void {
    const key = uuid.toLowerCase();
    if (this.bound.has(key)) return conn.refuse('AS_ERR_UUID_IN_USE', `UUID ${uuid} is already bound to another connection`);
    const pending = this.expected.get(key);
    if (pending === undefined) return conn.refuse('AS_ERR_UNKNOWN_UUID', `UUID ${uuid} is not expected by any call`);
    this.expected.delete(key);
    this.bound.set(key, conn);
    conn.markBound(uuid, pending.rate);
    const bindMs = performance.now() - conn.acceptedAt;
    this.metrics?.bindSeconds.observe(bindMs / 1000);
    this.log.info({ remote: conn.remote, uuid, bindMs: Math.round(bindMs) }, 'AudioSocket connection bound');
    try {
      pending.handler(conn);
    } catch (err) {
      this.log.error({ remote: conn.remote, uuid, code: 'AS_ERR_HANDLER_FAILED', err }, 'AudioSocket bind handler failed');
      conn.destroy();
    }
  }

  private forget(conn: AudioSocketConnection): void {
    this.connections.delete(conn);
    const key = conn.uuid?.toLowerCase();
    if (key !== undefined && this.bound.get(key) === conn) this.bound.delete(key);
    this.untick.get(conn)?.();
    this.untick.delete(conn);
    if (this.connections.size === 0) {
      this.flushMetrics();
      this.stopFlushing?.();
      this.stopFlushing = undefined;
    }
  }

  /** Counts what a connection's tick did; flushMetrics() hands the counts to prom-client. */
  private record(result: TickResult): void {
    this.tickCounts[result]++;
  }

  /** Metrics once per pass, not once per frame. */
  private flushMetrics(): void {
    const m = this.metrics;
    const c = this.tickCounts;
    if (m !== undefined) {
      if (c.audio > 0) m.framesOut.inc({ kind: 'audio' }, c.audio);
      if (c.silence > 0) m.framesOut.inc({ kind: 'silence' }, c.silence);
      if (c.dropped > 0) m.droppedFrames.inc({ reason: 'backpressure' }, c.dropped);
      if (this.pendingFramesIn > 0) m.framesIn.inc(this.pendingFramesIn);
    }
    c.audio = c.silence = c.dropped = c.idle = 0;
    this.pendingFramesIn = 0;
  }

  private countRefusal(code: AudioSocketRefusalCode): void {
    this.metrics?.audiosocketRefused.inc({ code });
  }
}

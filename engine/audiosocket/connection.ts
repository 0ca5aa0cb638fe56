/**
 * One AudioSocket TCP connection from Asterisk, from accept to close.
 *
 * The server owns the listening socket and decides which call a UUID belongs to; this object
 * owns the bytes of one connection: it parses what Asterisk sends (shared codec), and on each
 * pacer tick sends one 20 ms frame, queued call audio or silence, from the moment it is
 * accepted (a silent AudioSocket leg can wedge Asterisk's ARI: fixtures/traces/README.md).
 *
 * Teardown follows undici: close() is graceful (FIN after what is already written), destroy()
 * is abrupt; both are idempotent and 'close' is emitted once with the first reason.
 */
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import {
  AudioSocketParser,
  audioKindForRate,
  encodeAudio,
  encodeHangup,
  frameBytes,
  type AudioSocketErrorCode,
  type AudioSocketFrame,
  type AudioSocketProtocolError,
  type SampleRate,
} from './codec.js';
import { OutboundAudioQueue } from './outbound-queue.js';

export type ConnectionState = 'pending' | 'bound' | 'closing' | 'closed';

export type AudioSocketCloseReason =
  /** Asterisk closed the socket (hangup, channel deleted): it never sends 0x00 (trace s4). */
  | 'peer-closed'
  /** close() was called. */
  | 'closed'
  /** sendHangup() was called: 0x00 then FIN. */
  | 'hangup-sent'
  | 'destroyed'
  | 'socket-error'
  /** Asterisk sent something malformed after binding, or an error frame. */
  | 'protocol-error'
  /** Never bound: see the refusal code in the log. */
  | 'refused'
  | 'server-closed';

/** Why a connection was refused before binding: the codec's codes plus the server's own. */
export type AudioSocketRefusalCode =
  | AudioSocketErrorCode
  | 'AS_ERR_NO_UUID'
  | 'AS_ERR_UNKNOWN_UUID'
  | 'AS_ERR_UUID_IN_USE'
  | 'AS_ERR_BIND_TIMEOUT'
  | 'AS_ERR_HANDLER_FAILED';

export interface AudioSocketConnectionEvents {
  /** Caller audio: signed 16-bit little-endian PCM at `rate`. The buffer is the caller's to keep. */
  audio: [pcm: Buffer, rate: SampleRate];
  dtmf: [digit: string];
  /** The connection now sends at `rate`, following the audio Asterisk sends. */
  rate: [rate: SampleRate];
  close: [reason: AudioSocketCloseReason];
  /** Emitted only when someone listens; otherwise the error is logged. */
  error: [err: Error];
}

export interface AudioSocketStats {
  framesIn: number;
  framesOut: number;
  audioFramesOut: number;
  silenceFramesOut: number;
  /** Frames not written because the socket's write buffer was over its bound. */
  droppedFrames: number;
  bytesIn: number;
  bytesOut: number;
}

/** What a tick did, for the server's batched metrics. */
export type TickResult = 'audio' | 'silence' | 'dropped' | 'idle';

/** Callbacks into the server. */
export interface ConnectionHooks {
  /** The first frame was a UUID: the server binds (markBound) or refuses. */
  uuid(conn: AudioSocketConnection, uuid: string): void;
  refused(conn: AudioSocketConnection, code: AudioSocketRefusalCode): void;
  frameIn(conn: AudioSocketConnection): void;
  closed(conn: AudioSocketConnection, reason: AudioSocketCloseReason): void;
}

export interface ConnectionOptions {
  socket: Socket;
  logger: Logger;
  hooks: ConnectionHooks;
  /** Rate of silence until the call's rate is known. */
  rate: number;
  bindTimeoutMs: number;
  maxPayloadBytes: number;
  /** Bound on the socket's write buffer; past it frames are dropped and counted. */
  maxBufferedBytes: number;
  /** How long a graceful close waits for the peer before destroying the socket. */
  closeTimeoutMs: number;
}

const silenceFrames = new Map<number, Buffer>();

/** The encoded 20 ms silence frame of a rate; one shared buffer per rate for all connections. */
function silenceFrame(rate: number): Buffer {
  let frame = silenceFrames.get(rate);
  if (frame === undefined) {
    frame = encodeAudio(rate, Buffer.alloc(frameBytes(rate)));
    silenceFrames.set(rate, frame);
  }
  return frame;
}

export class AudioSocketConnection extends EventEmitter<AudioSocketConnectionEvents> {
  /** "host:port" of the peer. */
  readonly remote: string;
  readonly acceptedAt = performance.now();
  readonly stats: AudioSocketStats = {
    framesIn: 0,
    framesOut: 0,
    audioFramesOut: 0,
    silenceFramesOut: 0,
    droppedFrames: 0,
    bytesIn: 0,
    bytesOut: 0,
  };
  private _uuid: string | undefined;
  private _state: ConnectionState = 'pending';
  private reason: AudioSocketCloseReason | undefined;
  private readonly socket: Socket;
  private readonly hooks: ConnectionHooks;
  private readonly parser: AudioSocketParser;
  private readonly queue: OutboundAudioQueue;
  private readonly maxBufferedBytes: number;
  private readonly closeTimeoutMs: number;
  private log: Logger;
  private bindTimer: ReturnType<typeof setTimeout> | undefined;
  private closeTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(options: ConnectionOptions) {
    super();
    const { socket } = options;
    this.socket = socket;
    this.hooks = options.hooks;
    this.remote = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
    this.log = options.logger.child({ remote: this.remote });
    this.queue = new OutboundAudioQueue(options.rate);
    this.maxBufferedBytes = options.maxBufferedBytes;
    this.closeTimeoutMs = options.closeTimeoutMs;
    this.parser = new AudioSocketParser(
      { onFrame: (f) => this.onFrame(f), onError: (e) => this.onProtocolError(e) },
      { maxPayloadBytes: options.maxPayloadBytes },
    );
    this.bindTimer = setTimeout(() => {
      this.refuse('AS_ERR_BIND_TIMEOUT', `no UUID frame within ${options.bindTimeoutMs} ms`);
    }, options.bindTimeoutMs);
    socket.on('data', (chunk: Buffer) => {
      this.stats.bytesIn += chunk.length;
      // A refused or closing connection is not read any further: its verdict is already logged.
      if (this._state === 'pending' || this._state === 'bound') this.parser.push(chunk);
    });
    socket.on('end', () => {
      this.reason ??= 'peer-closed';
      if (this._state !== 'closed') this._state = 'closing';
    });
    socket.on('error', (err) => this.onSocketError(err));
    socket.on('close', () => this.onSocketClose());
  }

  /** The UUID this connection is bound to; undefined until bound. */
  get uuid(): string | undefined {
    return this._uuid;
  }

  get state(): ConnectionState {
    return this._state;
  }

  /** The rate of outgoing silence and of write() without a rate. */
  get rate(): number {
    return this.queue.rate;
  }

  /** Milliseconds of call audio waiting to be sent. */
  get queuedMs(): number {
    return this.queue.queuedMs;
  }

  /**
   * Queues call audio (signed 16-bit LE mono PCM at `rate`, default the connection's rate) to
   * be paced out in 20 ms frames in place of silence. Returns false when the connection is no
   * longer open (the audio is discarded).
   */
  write(pcm: Buffer, rate: number = this.queue.rate): boolean {
    if (audioKindForRate(rate) === undefined) throw new RangeError(`AudioSocket has no audio kind for ${rate} Hz`);
    if (!this.open) return false;
    this.queue.push(pcm, rate);
    return true;
  }

  /** Drops queued call audio (barge-in). Returns the milliseconds dropped. */
  clearQueue(): number {
    return this.queue.clear();
  }

  /** Sends the 0x00 hangup frame, then closes: Asterisk leaves AudioSocket() (trace s2). */
  sendHangup(): void {
    if (!this.open) return;
    this.writeRaw(encodeHangup());
    this.shutdown('hangup-sent', 'end');
  }

  /** Closes gracefully (FIN after what is already written). Idempotent. */
  close(): void {
    this.shutdown('closed', 'end');
  }

  /** Closes at once. Idempotent. */
  destroy(): void {
    this.shutdown('destroyed', 'destroy');
  }

  // ---- called by the server ----

  /** @internal Sends one frame: queued audio, or silence. */
  tick(): TickResult {
    if (!this.open || this.socket.destroyed) return 'idle';
    const frame = this.queue.nextFrame();
    if (this.socket.writableLength > this.maxBufferedBytes) {
      // The peer is not reading: drop rather than buffer forever. Time moves on for queued audio too.
      this.stats.droppedFrames++;
      return 'dropped';
    }
    if (frame !== undefined) {
      this.writeRaw(encodeAudio(frame.rate, frame.pcm));
      this.stats.audioFramesOut++;
      return 'audio';
    }
    this.writeRaw(silenceFrame(this.queue.rate));
    this.stats.silenceFramesOut++;
    return 'silence';
  }

  /** @internal The server accepted the UUID. */
  markBound(uuid: string, rate?: number): void {
    this.clearBindTimer();
    this._uuid = uuid;
    this._state = 'bound';
    if (rate !== undefined) this.queue.rate = rate;
    this.log = this.log.child({ uuid });
  }

  /** @internal Refuses the connection before binding: logs the code and closes this socket only. */
  refuse(code: AudioSocketRefusalCode, message: string): void {
    if (this._state !== 'pending') return;
    this.log.warn({ code, err: message }, 'AudioSocket connection refused');
    this.hooks.refused(this, code);
    this.shutdown('refused', 'destroy');
  }

  /** @internal */
  shutdown(reason: AudioSocketCloseReason, how: 'end' | 'destroy'): void {
    this.clearBindTimer();
    if (this._state === 'closed') return;
    this.reason ??= reason;
    if (how === 'destroy') {
      this._state = 'closing';
      this.socket.destroy();
      return;
    }
    if (this._state === 'closing') return;
    this._state = 'closing';
    this.socket.end();
    this.closeTimer = setTimeout(() => this.socket.destroy(), this.closeTimeoutMs);
    this.closeTimer.unref?.();
  }

  private get open(): boolean {
    return this._state === 'pending' || this._state === 'bound';
  }

  private writeRaw(buf: Buffer): void {
    this.socket.write(buf);
    this.stats.framesOut++;
    this.stats.bytesOut += buf.length;
  }

  private onFrame(frame: AudioSocketFrame): void {
    if (this._state === 'pending') {
      if (frame.type === 'uuid') this.hooks.uuid(this, frame.uuid);
      else this.refuse('AS_ERR_NO_UUID', `first frame is ${frame.type}, not a UUID`);
      return;
    }
    if (this._state !== 'bound') return;
    switch (frame.type) {
      case 'audio':
        this.countIn();
        if (frame.rate !== this.queue.rate) {
          this.queue.rate = frame.rate;
          this.log.info({ rate: frame.rate }, 'AudioSocket rate follows received audio');
          this.emit('rate', frame.rate);
        }
        // The payload sits 3 bytes into its read, at an odd offset that cannot be viewed as
        // 16-bit samples: one aligned copy here, instead of one in every consumer (VADs, levels).
        this.emit('audio', frame.payload.byteOffset % 2 === 0 ? frame.payload : Buffer.from(frame.payload), frame.rate);
        return;
      case 'dtmf':
        this.countIn();
        this.emit('dtmf', frame.digit);
        return;
      case 'uuid':
        this.log.warn({ got: frame.uuid }, 'AudioSocket UUID frame after binding ignored');
        return;
      case 'hangup':
        this.log.info('AudioSocket hangup frame received');
        this.shutdown('peer-closed', 'end');
        return;
      case 'error':
        this.log.error({ code: 'AS_ERR_PEER_ERROR', errorCode: frame.code }, 'AudioSocket error frame received');
        this.fail(new Error(`AudioSocket peer sent an error frame (code ${frame.code ?? 'none'})`));
        this.shutdown('protocol-error', 'destroy');
        return;
    }
  }

  private countIn(): void {
    this.stats.framesIn++;
    this.hooks.frameIn(this);
  }

  private onProtocolError(err: AudioSocketProtocolError): void {
    // Frames after a refusal in the same read: the connection already has its one log line.
    if (this._state !== 'pending' && this._state !== 'bound') return;
    if (this._state === 'pending') {
      this.refuse(err.code, err.message);
      return;
    }
    this.log.error({ code: err.code, err: err.message }, 'AudioSocket protocol error');
    this.fail(err);
    this.shutdown('protocol-error', 'destroy');
  }

  private onSocketError(err: NodeJS.ErrnoException): void {
    this.reason ??= 'socket-error';
    this.log.info({ code: err.code, err: err.message }, 'AudioSocket socket error');
    if (this._state === 'bound') this.fail(err);
  }

  private fail(err: Error): void {
    if (this.listenerCount('error') > 0) this.emit('error', err);
  }

  private onSocketClose(): void {
    this.clearBindTimer();
    if (this.closeTimer !== undefined) clearTimeout(this.closeTimer);
    const wasBound = this._uuid !== undefined;
    this._state = 'closed';
    const reason = this.reason ?? 'peer-closed';
    if (wasBound) this.log.info({ reason, stats: this.stats }, 'AudioSocket connection closed');
    this.hooks.closed(this, reason);
    this.emit('close', reason);
  }

  private clearBindTimer(): void {
    if (this.bindTimer !== undefined) clearTimeout(this.bindTimer);
    this.bindTimer = undefined;
  }
}

/**
 * The Asterisk side of one AudioSocket TCP connection (res_audiosocket.c), shared by the
 * dialplan app AudioSocket() and externalMedia channels: connect, send the UUID frame, then
 * audio and DTMF frames out; audio frames in, a 0x00 frame or the server closing as the graceful
 * end, anything else (0xff, a UUID or DTMF frame, an unknown kind) as an error that resets the
 * connection (s10). Closing from this side is a plain FIN, never a 0x00 frame (s4, s9).
 */
import { connect, type Socket } from 'node:net';
import {
  AudioSocketParser,
  audioKindForRate,
  encodeAudio,
  encodeDtmf,
  encodeUuid,
  type AudioSocketFrame,
} from '../../engine/audiosocket/codec.js';
import type { MediaFrame } from './media.js';

export type LinkEnd =
  /** The server sent a 0x00 frame. */
  | { kind: 'hangup-frame' }
  /** The server closed the connection. */
  | { kind: 'closed' }
  /** Protocol or socket error: "Failed to receive frame from AudioSocket server". */
  | { kind: 'error'; message: string };

export interface LinkHandlers {
  onAudio(frame: MediaFrame): void;
  /** Called once, when the connection ends for a reason other than close()/reset() from here. */
  onEnd(end: LinkEnd): void;
}

export interface ConnectOptions {
  host: string;
  port: number;
  /** Refuse as if nothing listened (fault injection). */
  refuse?: boolean;
  /** Wait before connecting (fault injection). */
  delayMs?: number;
}

/** A connect that failed; `message` is what res_audiosocket logs. */
export class AudioSocketConnectError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = 'AudioSocketConnectError';
    this.code = code;
  }
}

/** Splits `host:port` / `[v6]:port`; undefined when there is no valid port. */
export function splitHostPort(service: string): { host: string; port: number } | undefined {
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(service) ?? /^([^:]+):(\d+)$/.exec(service);
  if (!m) return undefined;
  const port = Number(m[2]);
  if (!Number.isInteger(port) || port <= 0 || port > 65535) return undefined;
  return { host: m[1], port };
}

/** Opens the TCP connection; rejects with AudioSocketConnectError. */
export function openSocket(options: ConnectOptions, signal?: AbortSignal): Promise<Socket> {
  return new Promise((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    let socket: Socket | undefined;
    const onAbort = (): void => {
      if (timer) clearTimeout(timer);
      socket?.destroy();
      reject(new AudioSocketConnectError('ABORTED', 'connect aborted: channel hung up'));
    };
    if (signal?.aborted) return onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    const start = (): void => {
      timer = undefined;
      if (options.refuse) {
        signal?.removeEventListener('abort', onAbort);
        reject(new AudioSocketConnectError('ECONNREFUSED', 'Connection refused'));
        return;
      }
      const s = connect({ host: options.host, port: options.port });
      socket = s;
      s.once('connect', () => {
        signal?.removeEventListener('abort', onAbort);
        s.removeAllListeners('error');
        resolve(s);
      });
      s.once('error', (err: NodeJS.ErrnoException) => {
        signal?.removeEventListener('abort', onAbort);
        s.destroy();
        reject(new AudioSocketConnectError(err.code ?? 'ECONNECT', describe(err)));
      });
    };
    if (options.delayMs && options.delayMs > 0) timer = setTimeout(start, options.delayMs);
    else start();
  });
}

function describe(err: NodeJS.ErrnoException): string {
  switch (err.code) {
    case 'ECONNREFUSED':
      return 'Connection refused';
    case 'ETIMEDOUT':
      return 'Connection timed out';
    case 'EHOSTUNREACH':
      return 'No route to host';
    default:
      return err.message;
  }
}

/** Writes beyond this many buffered bytes are dropped: a server that stopped reading. */
const MAX_BUFFERED = 1 << 20;

export class AudioSocketLink {
  /** performance.now() of the last frame in either direction (the app's 2 s inactivity rule). */
  lastActivity = performance.now();
  private ended = false;
  private readonly parser: AudioSocketParser;

  constructor(
    private readonly socket: Socket,
    uuid: string,
    private readonly handlers: LinkHandlers,
  ) {
    socket.setNoDelay(true);
    this.parser = new AudioSocketParser({
      onFrame: (frame) => this.onFrame(frame),
      onError: (err) => this.fail(err.code === 'AS_ERR_UNKNOWN_KIND'
        ? 'Received AudioSocket message other than hangup or audio, refer to protocol specification for valid message types'
        : `Invalid message received from AudioSocket server: ${err.message}`),
    });
    socket.on('data', (chunk: Buffer) => this.parser.push(chunk));
    socket.on('end', () => this.finish({ kind: 'closed' }));
    socket.on('error', (err) => this.fail(err.message));
    socket.on('close', () => this.finish({ kind: 'closed' }));
    socket.write(encodeUuid(uuid));
  }

  get open(): boolean {
    return !this.ended;
  }

  sendAudio(frame: MediaFrame): void {
    if (this.ended || frame.pcm.length === 0) return;
    if (audioKindForRate(frame.rate) === undefined) return;
    this.lastActivity = performance.now();
    if (this.socket.writableLength > MAX_BUFFERED) return;
    this.socket.write(encodeAudio(frame.rate, frame.pcm));
  }

  sendDtmf(digit: string): void {
    if (this.ended || !/^[0-9A-D*#]$/.test(digit)) return;
    this.lastActivity = performance.now();
    this.socket.write(encodeDtmf(digit));
  }

  /** Closes from this side with a FIN (hangup, inactivity). No onEnd. */
  close(): void {
    if (this.ended) return;
    this.ended = true;
    this.socket.end();
    // Do not wait forever for the server's FIN.
    this.socket.setTimeout(1000, () => this.socket.destroy());
  }

  /** Resets the connection (RST). No onEnd. */
  reset(): void {
    if (this.ended) return;
    this.ended = true;
    this.socket.resetAndDestroy();
  }

  /** Fault injection: the connection breaks under Asterisk, which sees a read error. */
  breakConnection(how: 'reset' | 'close'): void {
    if (this.ended) return;
    this.ended = true;
    if (how === 'reset') this.socket.resetAndDestroy();
    else {
      this.socket.end();
      this.socket.setTimeout(1000, () => this.socket.destroy());
    }
    this.handlers.onEnd({ kind: 'error', message: `connection dropped by fault injection (${how})` });
  }

  /** Tears down without any protocol niceties (PBX shutdown). */
  destroy(): void {
    this.ended = true;
    this.socket.destroy();
  }

  private onFrame(frame: AudioSocketFrame): void {
    if (this.ended) return;
    this.lastActivity = performance.now();
    switch (frame.type) {
      case 'audio':
        this.handlers.onAudio({ rate: frame.rate, pcm: frame.payload });
        return;
      case 'hangup':
        this.finish({ kind: 'hangup-frame' });
        this.socket.end();
        this.socket.setTimeout(1000, () => this.socket.destroy());
        return;
      default:
        this.fail('Received AudioSocket message other than hangup or audio, refer to protocol specification for valid message types');
    }
  }

  /** An error on the connection: reset it, as Asterisk's close() with unread data does (s10). */
  private fail(message: string): void {
    if (this.ended) return;
    this.finish({ kind: 'error', message });
    this.socket.resetAndDestroy();
  }

  private finish(end: LinkEnd): void {
    if (this.ended) return;
    this.ended = true;
    if (end.kind === 'closed') this.socket.end();
    this.handlers.onEnd(end);
  }
}

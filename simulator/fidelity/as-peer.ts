/**
 * The AudioSocket server of a fidelity run, standing in for the engine as the trace harness's
 * server did (127.0.0.1, port 0): it logs what it receives in the traces' own record shape
 * (`{src: "as", conn, ev: "connect" | "frame" | "end" | "close" | "socket-error", ...}`) and
 * sends tones paced against a monotonic 20 ms deadline, bursts, 0x00, raw bytes or a FIN.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { ToneGenerator } from '../../engine/audio/tone.js';
import { AudioSocketParser, encodeAudio, encodeHangup, type AudioSocketFrame } from '../../engine/audiosocket/codec.js';
import type { AsRecord } from './harness.js';

/** Where the peer writes its records (the run's timeline). */
export interface RecordSink {
  now(): number;
  push(record: AsRecord): void;
}

export interface AsFrame {
  t: number;
  /** The kind byte, as the traces print it: "0x10". */
  kind: string;
  len: number;
  payload: Buffer;
  digit?: string;
  uuid?: string;
}

function kindByte(frame: AudioSocketFrame): number {
  switch (frame.type) {
    case 'hangup':
      return 0x00;
    case 'uuid':
      return 0x01;
    case 'dtmf':
      return 0x03;
    case 'audio':
      return frame.kind;
    case 'error':
      return 0xff;
  }
}

function payloadOf(frame: AudioSocketFrame): Buffer {
  switch (frame.type) {
    case 'audio':
    case 'error':
      return frame.payload;
    case 'dtmf':
      return Buffer.from(frame.digit, 'ascii');
    case 'uuid':
      return Buffer.from(frame.uuid.replaceAll('-', ''), 'hex');
    case 'hangup':
      return Buffer.alloc(0);
  }
}

export const hex = (kind: number): string => `0x${kind.toString(16).padStart(2, '0')}`;

export class AsPeer {
  readonly frames: AsFrame[] = [];
  readonly openedAt: number;
  /** When the FIN from the simulator arrived. */
  endedAt: number | undefined;
  closedAt: number | undefined;
  errorCode: string | undefined;
  readonly closed: Promise<void>;
  private stopTone: (() => void) | undefined;

  constructor(
    readonly conn: number,
    readonly socket: Socket,
    private readonly sink: RecordSink,
    private readonly notify: () => void,
  ) {
    this.openedAt = sink.now();
    socket.setNoDelay(true);
    this.log('connect', { remote: `${socket.remoteAddress}:${socket.remotePort}` });
    const parser = new AudioSocketParser(
      { onFrame: (f) => this.onFrame(f), onError: (err) => this.log('parse-error', { code: err.code }) },
      { maxPayloadBytes: 65535 },
    );
    socket.on('data', (chunk: Buffer) => parser.push(chunk));
    socket.on('end', () => {
      this.endedAt = sink.now();
      this.log('end', { msSinceOpen: this.endedAt - this.openedAt });
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      this.errorCode = err.code;
      this.log('socket-error', { code: err.code, message: err.message });
    });
    this.closed = new Promise((resolve) =>
      socket.on('close', (hadError) => {
        this.stopTone?.();
        this.closedAt = sink.now();
        this.log('close', { hadError, msSinceOpen: this.closedAt - this.openedAt });
        resolve();
      }),
    );
  }

  get uuid(): string | undefined {
    return this.frames.find((f) => f.kind === '0x01')?.uuid;
  }

  audio(): AsFrame[] {
    return this.frames.filter((f) => f.kind !== '0x01' && f.kind !== '0x03' && f.kind !== '0x00');
  }

  sendAudio(rate: number, pcm: Buffer): void {
    if (!this.socket.destroyed) this.socket.write(encodeAudio(rate, pcm));
  }

  /**
   * Sends a tone, one 20 ms frame per deadline (the deadline advances by exactly 20 ms, so timer
   * lateness does not accumulate). Runs until `ms` elapsed (forever when undefined) or stop().
   * `amplitude` is the peak in sample units (the traces' harness used 8000).
   */
  startTone(freq: number, opts: { rate?: number; amplitude?: number; ms?: number } = {}): Promise<number> {
    this.stopTone?.();
    const rate = opts.rate ?? 8000;
    const gen = new ToneGenerator(freq, rate, (opts.amplitude ?? 8000) / 32767);
    const total = opts.ms === undefined ? Infinity : Math.round(opts.ms / 20);
    let sent = 0;
    let timer: NodeJS.Timeout | undefined;
    return new Promise((resolve) => {
      const finish = (): void => {
        if (timer) clearTimeout(timer);
        this.stopTone = undefined;
        resolve(sent);
      };
      this.stopTone = finish;
      let next = performance.now();
      const tick = (): void => {
        while (performance.now() >= next && sent < total) {
          if (this.socket.destroyed || this.socket.writableEnded) return finish();
          this.sendAudio(rate, gen.next(20));
          sent++;
          next += 20;
        }
        if (sent >= total) return finish();
        timer = setTimeout(tick, Math.max(0, next - performance.now()));
      };
      tick();
    });
  }

  stop(): void {
    this.stopTone?.();
  }

  /** `frames` 20 ms frames of a tone written in one go (s11). */
  burst(freq: number, frames: number, opts: { rate?: number; amplitude?: number } = {}): void {
    const rate = opts.rate ?? 8000;
    const gen = new ToneGenerator(freq, rate, (opts.amplitude ?? 8000) / 32767);
    const chunks: Buffer[] = [];
    for (let i = 0; i < frames; i++) chunks.push(encodeAudio(rate, gen.next(20)));
    this.socket.write(Buffer.concat(chunks));
  }

  sendHangup(): void {
    this.stop();
    this.socket.write(encodeHangup());
  }

  sendRaw(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  /** Closes our side with a FIN. */
  end(): void {
    this.stop();
    this.socket.end();
  }

  private onFrame(frame: AudioSocketFrame): void {
    const payload = payloadOf(frame);
    const f: AsFrame = { t: this.sink.now(), kind: hex(kindByte(frame)), len: payload.length, payload };
    if (frame.type === 'dtmf') f.digit = frame.digit;
    if (frame.type === 'uuid') f.uuid = frame.uuid;
    this.frames.push(f);
    this.log('frame', { kind: f.kind, len: f.len, msSinceOpen: f.t - this.openedAt, digit: f.digit, uuidDashed: f.uuid });
  }

  private log(ev: string, fields: Record<string, unknown>): void {
    const record: AsRecord = { t: this.sink.now(), src: 'as', conn: this.conn, ev };
    for (const [k, v] of Object.entries(fields)) if (v !== undefined) record[k] = v;
    this.sink.push(record);
    this.notify();
  }
}

export class AsServer {
  readonly peers: AsPeer[] = [];
  private claimed = 0;

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(sink: RecordSink, notify: () => void): Promise<AsServer> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const as = new AsServer(server, (server.address() as { port: number }).port);
    server.on('connection', (socket) => as.peers.push(new AsPeer(as.peers.length + 1, socket, sink, notify)));
    return as;
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** The next connection not handed out yet (already open or the next to come). */
  async next(until: (check: () => boolean, timeoutMs: number, what: string) => Promise<void>, timeoutMs = 3000): Promise<AsPeer> {
    await until(() => this.peers.length > this.claimed, timeoutMs, 'an AudioSocket connection');
    return this.peers[this.claimed++];
  }

  async close(): Promise<void> {
    for (const p of this.peers) {
      p.stop();
      p.socket.destroy();
    }
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/**
 * Test helpers for the model's tests: a tiny AudioSocket server on 127.0.0.1:0 standing in for
 * the engine, an event recorder with waits, and a SimPbx on temporary folders.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import type { PbxEvent } from '../../engine/ari/models.js';
import { tone } from '../../engine/audio/tone.js';
import { encodeWav } from '../../engine/audio/wav.js';
import { AudioSocketParser, encodeAudio, encodeHangup, type AudioSocketFrame } from '../../engine/audiosocket/codec.js';
import type { EventRoute } from './api.js';
import { SimPbx, type SimPbxOptions } from './pbx.js';

export class AsConnection {
  readonly frames: { at: number; frame: AudioSocketFrame }[] = [];
  readonly openedAt = performance.now();
  ended = false;
  closedAt: number | undefined;
  hadError = false;
  readonly closed: Promise<void>;
  private waiters: (() => void)[] = [];

  constructor(readonly socket: Socket) {
    const parser = new AudioSocketParser(
      {
        onFrame: (frame) => {
          this.frames.push({ at: performance.now(), frame });
          this.notify();
        },
        onError: () => undefined,
      },
      { maxPayloadBytes: 65535 },
    );
    socket.on('data', (chunk) => parser.push(chunk));
    socket.on('end', () => {
      this.ended = true;
      this.notify();
    });
    socket.on('error', () => {
      this.hadError = true;
    });
    this.closed = new Promise((resolve) =>
      socket.on('close', (hadError) => {
        this.closedAt = performance.now();
        this.hadError ||= hadError;
        this.notify();
        resolve();
      }),
    );
  }

  get uuid(): string | undefined {
    const f = this.frames.find((x) => x.frame.type === 'uuid')?.frame;
    return f?.type === 'uuid' ? f.uuid : undefined;
  }

  audio(): { at: number; rate: number; payload: Buffer; kind: number }[] {
    return this.frames.flatMap((x) => (x.frame.type === 'audio' ? [{ at: x.at, rate: x.frame.rate, payload: x.frame.payload, kind: x.frame.kind }] : []));
  }

  dtmf(): string[] {
    return this.frames.flatMap((x) => (x.frame.type === 'dtmf' ? [x.frame.digit] : []));
  }

  sendAudio(rate: number, pcm: Buffer): void {
    this.socket.write(encodeAudio(rate, pcm));
  }

  sendHangup(): void {
    this.socket.write(encodeHangup());
  }

  async until(check: () => boolean, timeoutMs = 3000, what = 'condition'): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    while (!check()) {
      if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 20);
      });
    }
  }

  private notify(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }
}

export class AsServer {
  readonly connections: AsConnection[] = [];
  private pending: ((c: AsConnection) => void)[] = [];
  /** Connections already handed out by nextConnection(). */
  private claimed = 0;

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(): Promise<AsServer> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    const as = new AsServer(server, port);
    server.on('connection', (socket) => {
      const c = new AsConnection(socket);
      as.connections.push(c);
      const waiter = as.pending.shift();
      waiter?.(c);
    });
    return as;
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  nextConnection(timeoutMs = 3000): Promise<AsConnection> {
    const unclaimed = this.connections[this.claimed];
    if (unclaimed) {
      this.claimed++;
      return Promise.resolve(unclaimed);
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no AudioSocket connection')), timeoutMs);
      this.pending.push((c) => {
        clearTimeout(timer);
        this.claimed++;
        resolve(c);
      });
    });
  }

  async close(): Promise<void> {
    for (const c of this.connections) c.socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

export interface Recorded {
  event: PbxEvent;
  apps: string[];
  at: number;
}

export class EventRecorder {
  readonly events: Recorded[] = [];
  private waiters: (() => void)[] = [];

  constructor(pbx: SimPbx) {
    pbx.onEvent((event: PbxEvent, route: EventRoute) => {
      this.events.push({ event, apps: [...route.apps], at: performance.now() });
      const w = this.waiters;
      this.waiters = [];
      for (const f of w) f();
    });
  }

  /** Events of a type (optionally about one channel id). */
  of(type: PbxEvent['type'], channelId?: string): Recorded[] {
    return this.events.filter((r) => r.event.type === type && (channelId === undefined || channelOf(r.event) === channelId));
  }

  /** Compact lines "Type id [detail]" for order checks. */
  lines(filter?: (r: Recorded) => boolean): string[] {
    return this.events.filter((r) => !filter || filter(r)).map((r) => describe(r.event));
  }

  async waitFor(pred: (r: Recorded) => boolean, timeoutMs = 3000, what = 'event'): Promise<Recorded> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const found = this.events.find(pred);
      if (found) return found;
      if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}; got:\n${this.lines().join('\n')}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 25);
      });
    }
  }

  waitType(type: PbxEvent['type'], channelId?: string, timeoutMs = 3000): Promise<Recorded> {
    return this.waitFor((r) => r.event.type === type && (channelId === undefined || channelOf(r.event) === channelId), timeoutMs, `${type} ${channelId ?? ''}`);
  }
}

export function channelOf(event: PbxEvent): string | undefined {
  if ('channel' in event && event.channel) return event.channel.id;
  if ('peer' in event) return event.peer.id;
  return undefined;
}

export function describe(event: PbxEvent): string {
  const id = channelOf(event) ?? ('bridge' in event ? event.bridge.id : 'playback' in event ? event.playback.id : 'recording' in event ? event.recording.name : '');
  switch (event.type) {
    case 'ChannelVarset':
      return `ChannelVarset ${id} ${event.variable}=${event.value}`;
    case 'ChannelHangupRequest':
      return `ChannelHangupRequest ${id} cause=${event.cause}${event.soft ? ' soft' : ''}`;
    case 'ChannelDestroyed':
      return `ChannelDestroyed ${id} cause=${event.cause}`;
    case 'ChannelDialplan':
      return `ChannelDialplan ${id} ${event.dialplan_app}`;
    case 'ChannelStateChange':
      return `ChannelStateChange ${id} ${event.channel.state}`;
    case 'Dial':
      return `Dial ${id} ${event.dialstatus}`;
    case 'PlaybackStarted':
    case 'PlaybackFinished':
    case 'PlaybackContinuing':
      return `${event.type} ${id} ${event.playback.state}`;
    default:
      return `${event.type} ${id}`;
  }
}

export interface TestPbx {
  pbx: SimPbx;
  events: EventRecorder;
  dir: string;
  soundDir: string;
  spoolDir: string;
  close(): Promise<void>;
}

/** A SimPbx over temporary folders, with a quiet logger and an event recorder. */
export function testPbx(extensionsConf: string, options: Partial<SimPbxOptions> = {}): TestPbx {
  const dir = mkdtempSync(join(tmpdir(), 'simpbx-'));
  const configDir = join(dir, 'etc');
  const soundDir = join(dir, 'sounds');
  const spoolDir = join(dir, 'spool');
  mkdirSync(configDir, { recursive: true });
  mkdirSync(soundDir, { recursive: true });
  writeFileSync(join(configDir, 'extensions.conf'), extensionsConf);
  const pbx = new SimPbx({
    configDir,
    soundDirs: [soundDir],
    spoolDir,
    logger: pino({ level: process.env.SIM_TEST_LOG ?? 'silent' }),
    ...options,
  });
  const events = new EventRecorder(pbx);
  return {
    pbx,
    events,
    dir,
    soundDir,
    spoolDir,
    async close() {
      await pbx.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Writes a tone WAV (8 kHz unless told) into a folder as <name>.wav. */
export function writeToneWav(dir: string, name: string, freq: number, ms: number, rate = 8000, amplitude = 0.25): string {
  const path = join(dir, `${name}.wav`);
  writeFileSync(path, encodeWav(tone(freq, ms, rate, amplitude), rate));
  return path;
}

const TRACE_SETUP = fileURLToPath(new URL('../../fixtures/traces/setup/extensions.conf', import.meta.url));

/**
 * The extensions.conf the traces were recorded with (fixtures/traces/setup), pointed at a test
 * AudioSocket server instead of 127.0.0.1:8090.
 */
export function traceDialplan(audioSocketAddress: string): string {
  return readFileSync(TRACE_SETUP, 'utf8').replaceAll('127.0.0.1:8090', audioSocketAddress);
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

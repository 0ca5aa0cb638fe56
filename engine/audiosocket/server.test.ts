import { randomUUID } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../log.js';
import { createMetrics } from '../metrics.js';
import {
  AudioSocketParser,
  encodeAudio,
  encodeDtmf,
  encodeUuid,
  type AudioSocketFrame,
} from './codec.js';
import type { AudioSocketCloseReason, AudioSocketConnection } from './connection.js';
import { AudioSocketServer, type AudioSocketServerOptions } from './server.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(cond: () => boolean, timeoutMs = 3000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await sleep(5);
  }
}

function logCapture() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk, _enc, cb) {
      for (const l of String(chunk).split('\n')) if (l) lines.push(JSON.parse(l));
      cb();
    },
  });
  return { logger: createLogger({ destination, level: 'debug' }), lines };
}

/** Asterisk's side of one AudioSocket connection: records what the server sends. */
class FakeAsterisk {
  readonly frames: { at: number; frame: AudioSocketFrame }[] = [];
  closed = false;
  private constructor(readonly socket: Socket) {
    const parser = new AudioSocketParser({
      onFrame: (frame) => this.frames.push({ at: performance.now(), frame }),
      onError: (err) => {
        throw err;
      },
    });
    socket.on('data', (c: Buffer) => parser.push(c));
    socket.on('error', () => {});
    socket.on('close', () => {
      this.closed = true;
    });
  }
  static async connect(port: number): Promise<FakeAsterisk> {
    const socket = connect(port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    return new FakeAsterisk(socket);
  }
  send(b: Buffer): void {
    this.socket.write(b);
  }
  audioFrames() {
    return this.frames.flatMap((f) => (f.frame.type === 'audio' ? [{ at: f.at, ...f.frame }] : []));
  }
}

let servers: AudioSocketServer[] = [];
let clients: FakeAsterisk[] = [];

async function start(options: Partial<AudioSocketServerOptions> = {}) {
  const cap = logCapture();
  const metrics = createMetrics({ defaultMetrics: false });
  const server = new AudioSocketServer({ logger: cap.logger, port: 0, metrics, ...options });
  const { port } = await server.listen();
  servers.push(server);
  const client = async () => {
    const c = await FakeAsterisk.connect(port);
    clients.push(c);
    return c;
  };
  return { server, port, client, lines: cap.lines, metrics };
}

afterEach(async () => {
  for (const c of clients) c.socket.destroy();
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
  clients = [];
});

function pcm(samples: number, value: number): Buffer {
  const b = Buffer.alloc(samples * 2);
  for (let i = 0; i < samples; i++) b.writeInt16LE(value, i * 2);
  return b;
}

describe('AudioSocketServer', () => {
  it('logs that it listens, with its address', async () => {
    const { port, lines } = await start();
    const line = lines.find((l) => l.msg === 'AudioSocket server listening');
    expect(line?.address).toEqual({ host: '127.0.0.1', port });
  });

  it('sends a 20 ms silence frame every 20 ms from accept, before any UUID', async () => {
    const { client, lines } = await start();
    const asterisk = await client();
    await sleep(220);
    const frames = asterisk.audioFrames();
    // ~11 frames in 220 ms (one at accept, then one per tick); generous bounds for a busy machine.
    expect(frames.length).toBeGreaterThanOrEqual(7);
    expect(frames.length).toBeLessThanOrEqual(16);
    expect(frames.every((f) => f.rate === 8000 && f.payload.length === 320 && f.payload.every((b) => b === 0))).toBe(true);
    expect(lines.some((l) => l.msg === 'AudioSocket connection accepted' && typeof l.remote === 'string')).toBe(true);
  });

  it('binds a connection by its UUID and delivers audio and DTMF to the call', async () => {
    const { server, client, metrics } = await start();
    const uuid = randomUUID();
    const bound: AudioSocketConnection[] = [];
    server.expect(uuid, (c) => bound.push(c));
    const asterisk = await client();
    asterisk.send(encodeUuid(uuid));
    await until(() => bound.length === 1);
    const conn = bound[0];
    expect(conn.uuid).toBe(uuid);
    expect(conn.state).toBe('bound');
    const audio: Buffer[] = [];
    const rates: number[] = [];
    const digits: string[] = [];
    conn.on('audio', (p, r) => {
      audio.push(p);
      rates.push(r);
    });
    conn.on('dtmf', (d) => digits.push(d));
    asterisk.send(Buffer.concat([encodeAudio(16000, pcm(320, 1000)), encodeDtmf('5'), encodeAudio(16000, pcm(320, -5))]));
    await until(() => audio.length === 2 && digits.length === 1);
    expect(audio[0]).toEqual(pcm(320, 1000));
    expect(audio[1]).toEqual(pcm(320, -5));
    expect(rates).toEqual([16000, 16000]);
    expect(digits).toEqual(['5']);
    expect(conn.stats.framesIn).toBe(3);
    // The outgoing rate follows what Asterisk sends.
    expect(conn.rate).toBe(16000);
    await until(() => asterisk.audioFrames().some((f) => f.rate === 16000));
    expect(server.isExpected(uuid)).toBe(false);
    await sleep(30);
    const text = await metrics.registry.metrics();
    expect(text).toMatch(/ai_agent_audiosocket_bind_seconds_count 1/);
    expect(text).toMatch(/ai_agent_audiosocket_frames_in_total 3/);
  });

  it('counts every frame it sent in /metrics, the last ones too once the connections are gone', async () => {
    const { server, client, metrics } = await start();
    const ids = [randomUUID(), randomUUID(), randomUUID()];
    const bound: AudioSocketConnection[] = [];
    for (const id of ids) server.expect(id, (c) => bound.push(c));
    const peers = await Promise.all(ids.map(() => client()));
    peers.forEach((p, i) => p.send(encodeUuid(ids[i])));
    await until(() => bound.length === 3);
    bound[0].write(pcm(160 * 5, 300)); // 100 ms of call audio on one of them
    await sleep(200);
    for (const p of peers) p.socket.destroy();
    await until(() => server.connectionCount === 0);
    const text = await metrics.registry.metrics();
    const count = (kind: string) => Number(new RegExp(`ai_agent_audiosocket_frames_out_total\\{kind="${kind}"\\} (\\d+)`).exec(text)?.[1] ?? 0);
    const sum = (key: 'audioFramesOut' | 'silenceFramesOut') => bound.reduce((n, c) => n + c.stats[key], 0);
    expect(count('audio')).toBe(5);
    expect(count('audio')).toBe(sum('audioFramesOut'));
    expect(count('silence')).toBe(sum('silenceFramesOut'));
    expect(count('silence')).toBeGreaterThan(15);
  });

  it('uses the rate given to expect() from the moment of binding', async () => {
    const { server, client } = await start();
    const uuid = randomUUID();
    let conn: AudioSocketConnection | undefined;
    server.expect(uuid, (c) => (conn = c), { rate: 16000 });
    const asterisk = await client();
    asterisk.send(encodeUuid(uuid));
    await until(() => conn !== undefined);
    await until(() => asterisk.audioFrames().some((f) => f.rate === 16000 && f.payload.length === 640));
  });

  it('refuses an unknown UUID while a bound connection keeps streaming', async () => {
    const { server, client, lines, metrics } = await start();
    const uuid = randomUUID();
    let conn: AudioSocketConnection | undefined;
    server.expect(uuid, (c) => (conn = c));
    const good = await client();
    good.send(encodeUuid(uuid));
    await until(() => conn !== undefined);
    const stranger = await client();
    stranger.send(encodeUuid(randomUUID()));
    await until(() => stranger.closed);
    const refusal = lines.find((l) => l.msg === 'AudioSocket connection refused');
    expect(refusal).toMatchObject({ code: 'AS_ERR_UNKNOWN_UUID' });
    expect(typeof refusal?.remote).toBe('string');
    const before = good.audioFrames().length;
    await sleep(100);
    expect(good.closed).toBe(false);
    expect(good.audioFrames().length).toBeGreaterThan(before + 2);
    expect(conn?.state).toBe('bound');
    expect(await metrics.registry.metrics()).toContain('ai_agent_audiosocket_refused_total{code="AS_ERR_UNKNOWN_UUID"} 1');
  });

  it('refuses a second connection with a UUID already bound', async () => {
    const { server, client, lines } = await start();
    const uuid = randomUUID();
    let binds = 0;
    server.expect(uuid, () => binds++);
    const first = await client();
    first.send(encodeUuid(uuid));
    await until(() => binds === 1);
    const second = await client();
    second.send(encodeUuid(uuid));
    await until(() => second.closed);
    expect(binds).toBe(1);
    expect(first.closed).toBe(false);
    expect(lines.find((l) => l.msg === 'AudioSocket connection refused')).toMatchObject({ code: 'AS_ERR_UUID_IN_USE' });
    expect(() => server.expect(uuid, () => {})).toThrow(/already bound/);
  });

  it('refuses a first frame that is not a UUID', async () => {
    const { client, lines } = await start();
    const asterisk = await client();
    asterisk.send(encodeAudio(8000, pcm(160, 0)));
    await until(() => asterisk.closed);
    expect(lines.find((l) => l.msg === 'AudioSocket connection refused')).toMatchObject({ code: 'AS_ERR_NO_UUID' });
  });

  it('refuses garbage', async () => {
    const { client, lines } = await start();
    const asterisk = await client();
    asterisk.send(Buffer.from([0x42, 0x00, 0x02, 0xde, 0xad]));
    await until(() => asterisk.closed);
    expect(lines.find((l) => l.msg === 'AudioSocket connection refused')).toMatchObject({ code: 'AS_ERR_UNKNOWN_KIND' });
  });

  it('refuses an oversized frame', async () => {
    const { client, lines } = await start({ maxFrameBytes: 1024 });
    const asterisk = await client();
    const header = Buffer.from([0x10, 0x08, 0x00]); // audio, 2048 bytes
    asterisk.send(header);
    await until(() => asterisk.closed);
    expect(lines.find((l) => l.msg === 'AudioSocket connection refused')).toMatchObject({ code: 'AS_ERR_FRAME_TOO_LARGE' });
  });

  it('closes a connection that sends no UUID in time', async () => {
    const { client, lines, server } = await start({ bindTimeoutMs: 150 });
    const asterisk = await client();
    await until(() => asterisk.closed, 2000);
    expect(lines.find((l) => l.msg === 'AudioSocket connection refused')).toMatchObject({ code: 'AS_ERR_BIND_TIMEOUT' });
    await until(() => server.connectionCount === 0);
  });

  it('a cancelled expectation no longer binds', async () => {
    const { server, client, lines } = await start();
    const uuid = randomUUID();
    const exp = server.expect(uuid, () => {
      throw new Error('must not bind');
    });
    exp.cancel();
    exp.cancel();
    const asterisk = await client();
    asterisk.send(encodeUuid(uuid));
    await until(() => asterisk.closed);
    expect(lines.find((l) => l.msg === 'AudioSocket connection refused')).toMatchObject({ code: 'AS_ERR_UNKNOWN_UUID' });
  });

  async function bound(options: Partial<AudioSocketServerOptions> = {}) {
    const ctx = await start(options);
    const uuid = randomUUID();
    let conn: AudioSocketConnection | undefined;
    ctx.server.expect(uuid, (c) => (conn = c));
    const asterisk = await ctx.client();
    asterisk.send(encodeUuid(uuid));
    await until(() => conn !== undefined);
    return { ...ctx, conn: conn!, asterisk };
  }

  it('paces queued audio out at one 20 ms frame per 20 ms, in place of silence', async () => {
    const { conn, asterisk } = await bound();
    const speech = pcm(8000 * 0.3, 1234); // 300 ms at 8 kHz
    conn.write(speech);
    expect(conn.queuedMs).toBe(300);
    await until(() => conn.queuedMs === 0, 2000);
    await sleep(60);
    const frames = asterisk.audioFrames();
    const voiced = frames.filter((f) => f.payload.readInt16LE(0) === 1234);
    expect(voiced.length).toBe(15);
    expect(Buffer.concat(voiced.map((f) => f.payload))).toEqual(speech);
    // 15 frames spread over ~280 ms, not sent in a burst.
    const span = voiced[voiced.length - 1].at - voiced[0].at;
    expect(span).toBeGreaterThan(200);
    expect(span).toBeLessThan(600);
    // Silence resumes once the audio is out.
    expect(frames[frames.length - 1].payload.every((b) => b === 0)).toBe(true);
  });

  it('clearQueue drops queued audio and reports how much', async () => {
    const { conn, asterisk } = await bound();
    conn.write(pcm(8000 * 2, 777)); // 2 s
    await sleep(100);
    const dropped = conn.clearQueue();
    expect(dropped).toBeGreaterThan(1500);
    expect(dropped).toBeLessThan(2000);
    expect(conn.queuedMs).toBe(0);
    const voicedBefore = asterisk.audioFrames().filter((f) => f.payload.readInt16LE(0) === 777).length;
    await sleep(100);
    const voicedAfter = asterisk.audioFrames().filter((f) => f.payload.readInt16LE(0) === 777).length;
    expect(voicedAfter - voicedBefore).toBeLessThanOrEqual(1);
  });

  it('sendHangup sends 0x00 then closes; close and destroy are idempotent', async () => {
    const { conn, asterisk } = await bound();
    const reasons: AudioSocketCloseReason[] = [];
    conn.on('close', (r) => reasons.push(r));
    conn.sendHangup();
    conn.close();
    conn.destroy();
    await until(() => asterisk.closed && reasons.length === 1);
    expect(asterisk.frames[asterisk.frames.length - 1].frame.type).toBe('hangup');
    expect(reasons).toEqual(['hangup-sent']);
    expect(conn.write(pcm(160, 1))).toBe(false);
    conn.close();
    expect(reasons.length).toBe(1);
  });

  it('reports a peer close (Asterisk hangs up with a FIN, no 0x00)', async () => {
    const { conn, asterisk, server } = await bound();
    const reasons: AudioSocketCloseReason[] = [];
    conn.on('close', (r) => reasons.push(r));
    asterisk.socket.end();
    await until(() => reasons.length === 1);
    expect(reasons).toEqual(['peer-closed']);
    expect(server.connectionCount).toBe(0);
  });

  it('close() closes every connection and stops listening', async () => {
    const { server, client, port } = await start();
    const a = await client();
    const b = await client();
    await server.close();
    await until(() => a.closed && b.closed);
    await expect(FakeAsterisk.connect(port)).rejects.toThrow();
    expect(() => server.expect(randomUUID(), () => {})).toThrow(/closed/);
  });
});

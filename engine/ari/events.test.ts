import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket as ServerSocket } from 'ws';
import { createLogger } from '../log.js';
import { createMetrics } from '../metrics.js';
import { ariEventsUrl, AriEventStream, type ReconnectingInfo } from './events.js';
import type { AriEvent } from './models.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(cond: () => boolean, timeoutMs = 3000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await sleep(5);
  }
}

interface FakeEvents {
  wss: WebSocketServer;
  port: number;
  sockets: ServerSocket[];
  requests: IncomingMessage[];
}

async function fakeEvents(options: { autoPong?: boolean; port?: number } = {}): Promise<FakeEvents> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: options.port ?? 0, autoPong: options.autoPong ?? true });
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
  const ctx: FakeEvents = { wss, port: (wss.address() as AddressInfo).port, sockets: [], requests: [] };
  wss.on('connection', (ws, req) => {
    ctx.sockets.push(ws);
    ctx.requests.push(req);
  });
  servers.push(wss);
  return ctx;
}

async function stopServer(wss: WebSocketServer): Promise<void> {
  for (const c of wss.clients) c.terminate();
  await new Promise((r) => wss.close(() => r(undefined)));
}

let servers: WebSocketServer[] = [];
let streams: AriEventStream[] = [];

afterEach(async () => {
  await Promise.all(streams.map((s) => s.close()));
  await Promise.all(servers.map(stopServer));
  servers = [];
  streams = [];
});

function stream(port: number, extra: Partial<ConstructorParameters<typeof AriEventStream>[0]> = {}) {
  const s = new AriEventStream({
    url: `http://127.0.0.1:${port}`,
    username: 'asterisk',
    password: 'pw',
    app: 'asterisk-ai-voice-agent',
    reconnect: { minMs: 20, maxMs: 100 },
    ...extra,
  });
  streams.push(s);
  return s;
}

const stasisStart = {
  type: 'StasisStart',
  timestamp: '2026-11-26T07:41:42.580+0000',
  asterisk_id: '02:fc:00:00:00:01',
  application: 'asterisk-ai-voice-agent',
  args: [],
  channel: { id: 'c1', name: 'PJSIP/alice-1', state: 'Ring' },
};

describe('ariEventsUrl', () => {
  it('builds the ws URL with app and subscribeAll=false', () => {
    expect(ariEventsUrl('http://127.0.0.1:8088', 'my app')).toBe(
      'ws://127.0.0.1:8088/ari/events?app=my%20app&subscribeAll=false',
    );
    expect(ariEventsUrl('https://pbx:8089/ari', ['a', 'b'])).toBe('wss://pbx:8089/ari/events?app=a%2Cb&subscribeAll=false');
  });
});

describe('AriEventStream', () => {
  it('connects with Basic auth and emits typed events', async () => {
    const srv = await fakeEvents();
    const s = stream(srv.port);
    const events: AriEvent[] = [];
    const connected: unknown[] = [];
    s.on('event', (e) => events.push(e));
    s.on('connected', (info) => connected.push(info));
    s.start();
    await s.waitConnected(2000);
    expect(s.connected).toBe(true);
    expect(connected).toEqual([{ attempt: 1, reconnect: false }]);
    expect(srv.requests[0].url).toBe('/ari/events?app=asterisk-ai-voice-agent&subscribeAll=false');
    expect(srv.requests[0].headers.authorization).toBe(`Basic ${Buffer.from('asterisk:pw').toString('base64')}`);
    srv.sockets[0].send('not json');
    srv.sockets[0].send(JSON.stringify({ no: 'type' }));
    srv.sockets[0].send(JSON.stringify(stasisStart));
    await until(() => events.length === 1);
    expect(events[0].type).toBe('StasisStart');
    if (events[0].type === 'StasisStart') expect(events[0].channel.id).toBe('c1');
    expect(s.stats.invalidMessages).toBe(2);
  });

  it('a throwing event listener does not break the stream', async () => {
    const srv = await fakeEvents();
    const s = stream(srv.port);
    let n = 0;
    s.on('event', () => {
      n++;
      throw new Error('listener bug');
    });
    s.start();
    await s.waitConnected(2000);
    srv.sockets[0].send(JSON.stringify(stasisStart));
    srv.sockets[0].send(JSON.stringify(stasisStart));
    await until(() => n === 2);
    expect(s.connected).toBe(true);
  });

  it('reconnects after the server drops it, reporting each step', async () => {
    const srv = await fakeEvents();
    const metrics = createMetrics({ defaultMetrics: false });
    const s = stream(srv.port, { metrics });
    const log: string[] = [];
    s.on('connected', (i) => log.push(`connected ${i.attempt} ${i.reconnect}`));
    s.on('disconnected', (i) => log.push(`disconnected ${i.code} ${i.requested}`));
    s.on('reconnecting', (i) => log.push(`reconnecting ${i.attempt}`));
    s.start();
    await s.waitConnected(2000);
    srv.sockets[0].close(1011, 'restart');
    await until(() => srv.sockets.length === 2 && s.connected);
    expect(log).toEqual(['connected 1 false', 'disconnected 1011 false', 'reconnecting 1', 'connected 1 true']);
    expect(await metrics.registry.metrics()).toContain('ai_agent_ari_reconnects_total 1');
  });

  it('backs off exponentially with jitter while Asterisk is down, then connects', async () => {
    const srv = await fakeEvents();
    const port = srv.port;
    await stopServer(srv.wss);
    servers = [];
    const s = stream(port, { reconnect: { minMs: 20, maxMs: 80 }, random: () => 0.999 });
    const retries: ReconnectingInfo[] = [];
    const connected: unknown[] = [];
    s.on('reconnecting', (i) => retries.push(i));
    s.on('connected', (i) => connected.push(i));
    s.start();
    await until(() => retries.length >= 5, 5000);
    expect(retries.slice(0, 5).map((r) => r.attempt)).toEqual([1, 2, 3, 4, 5]);
    expect(retries.slice(0, 5).map((r) => r.delayMs)).toEqual([19, 39, 79, 79, 79]);
    expect(s.connected).toBe(false);
    await fakeEvents({ port });
    await s.waitConnected(3000);
    expect(connected.length).toBe(1);
    expect((connected[0] as { attempt: number }).attempt).toBeGreaterThan(5);
  });

  it('terminates and reconnects a connection that stops answering pings', async () => {
    const srv = await fakeEvents({ autoPong: false });
    const s = stream(srv.port, { pingIntervalMs: 60 });
    let disconnects = 0;
    s.on('disconnected', () => disconnects++);
    s.start();
    await s.waitConnected(2000);
    // First ping at 60 ms, no pong by 120 ms: terminated; then it reconnects to the same mute server.
    await until(() => disconnects >= 1 && srv.sockets.length >= 2, 3000);
    expect(s.stats.pingTimeouts).toBeGreaterThanOrEqual(1);
  });

  it('keeps a connection that answers pings', async () => {
    const srv = await fakeEvents({ autoPong: true });
    const s = stream(srv.port, { pingIntervalMs: 40 });
    let disconnects = 0;
    s.on('disconnected', () => disconnects++);
    s.start();
    await s.waitConnected(2000);
    await sleep(300);
    expect(disconnects).toBe(0);
    expect(srv.sockets.length).toBe(1);
  });

  it('keeps retrying when Asterisk refuses the credentials, without logging them', async () => {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, verifyClient: (_info, cb) => cb(false, 401, 'Unauthorized') });
    await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
    servers.push(wss);
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk, _e, cb) {
        lines.push(String(chunk));
        cb();
      },
    });
    const s = stream((wss.address() as AddressInfo).port, { logger: createLogger({ destination, level: 'debug' }), password: 'topsecret' });
    let retries = 0;
    s.on('reconnecting', () => retries++);
    s.start();
    await until(() => retries >= 2);
    const text = lines.join('');
    expect(text).toContain('401');
    expect(text).not.toContain('topsecret');
    expect(text).not.toContain(Buffer.from('asterisk:topsecret').toString('base64'));
  });

  it('close() stops everything: no reconnect afterwards', async () => {
    const srv = await fakeEvents();
    const s = stream(srv.port);
    const reasons: boolean[] = [];
    let reconnecting = 0;
    s.on('disconnected', (i) => reasons.push(i.requested));
    s.on('reconnecting', () => reconnecting++);
    s.start();
    await s.waitConnected(2000);
    await s.close();
    await s.close();
    expect(s.connected).toBe(false);
    await sleep(200);
    expect(srv.sockets.length).toBe(1);
    expect(reasons).toEqual([true]);
    expect(reconnecting).toBe(0);
  });

  it('close() while Asterisk is down cancels the pending retry', async () => {
    const srv = await fakeEvents();
    const port = srv.port;
    await stopServer(srv.wss);
    servers = [];
    const s = stream(port, { reconnect: { minMs: 50, maxMs: 50 } });
    let retries = 0;
    s.on('reconnecting', () => retries++);
    s.start();
    await until(() => retries >= 1);
    await s.close();
    const n = retries;
    await sleep(200);
    expect(retries).toBe(n);
  });
});

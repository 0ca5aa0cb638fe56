/**
 * The façade with the real SimPbx, over real sockets: event routing as the traces show it
 * (a subscribeAll socket sees channel events of other apps but not their StasisStart), and
 * the control API's model faults acting on real calls.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { startSimulator, type Simulator } from '../main.js';

let sim: Simulator | undefined;
const cleanups: (() => void)[] = [];

afterEach(async () => {
  for (const c of cleanups.splice(0)) c();
  await sim?.close();
  sim = undefined;
});

const authHeader = () => ({ Authorization: `Basic ${Buffer.from(`${sim?.username}:${sim?.password}`).toString('base64')}` });

async function ari(method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }> {
  const r = await fetch(`${sim?.ariUrl}${path}`, {
    method,
    headers: { ...authHeader(), ...(body ? { 'Content-Type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await r.text();
  return { status: r.status, json: text ? (JSON.parse(text) as unknown) : undefined };
}

async function control(path: string, body: unknown = {}): Promise<number> {
  const r = await fetch(`${sim?.controlUrl}${path}`, {
    method: 'POST',
    headers: { ...authHeader(), 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  return r.status;
}

interface Inbox {
  events: Record<string, unknown>[];
  waitFor(match: (e: Record<string, unknown>) => boolean, what: string, ms?: number): Promise<Record<string, unknown>>;
}

async function events(query: string): Promise<Inbox> {
  const ws = new WebSocket(`${sim?.eventsUrl}?${query}&api_key=${sim?.username}:${sim?.password}`);
  cleanups.push(() => ws.terminate());
  const inbox: Inbox = {
    events: [],
    async waitFor(match, what, ms = 4000) {
      const deadline = Date.now() + ms;
      for (;;) {
        const found = inbox.events.find(match);
        if (found) return found;
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
  };
  ws.on('message', (data) => inbox.events.push(JSON.parse(String(data)) as Record<string, unknown>));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return inbox;
}

/** A stand-in AudioSocket server (the engine's side) that writes silence, as an engine must. */
async function audioSocketServer(): Promise<{ port: number; connections: Socket[] }> {
  const connections: Socket[] = [];
  const server: Server = createServer((socket) => {
    connections.push(socket);
    socket.on('error', () => undefined);
    socket.on('data', () => undefined);
    const silence = Buffer.concat([Buffer.from([0x12, 0x02, 0x80]), Buffer.alloc(640)]);
    const timer = setInterval(() => socket.writable && socket.write(silence), 20);
    socket.on('close', () => clearInterval(timer));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => {
    for (const c of connections) c.destroy();
    server.close();
  });
  return { port: (server.address() as { port: number }).port, connections };
}

const isType = (type: string, id?: string) => (e: Record<string, unknown>) =>
  e.type === type && (id === undefined || (e.channel as { id?: string } | undefined)?.id === id);

describe('façade + SimPbx', () => {
  it('routes StasisStart only to its app while a subscribeAll socket sees the channel events', async () => {
    sim = await startSimulator({ port: 0 });
    const app = await events('app=app-a');
    const other = await events('app=app-b');
    const firehose = await events('app=firehose&subscribeAll=true');
    const r = await ari('POST', '/channels?endpoint=Local/s@ai-doctor&app=app-a&channelId=route-1&timeout=10');
    expect(r.status).toBe(200);
    const start = await app.waitFor(isType('StasisStart', 'route-1'), 'StasisStart on app-a');
    expect(start.application).toBe('app-a');
    await firehose.waitFor(isType('ChannelCreated', 'route-1'), 'ChannelCreated on firehose');
    await firehose.waitFor(isType('ChannelStateChange'), 'ChannelStateChange on firehose');
    expect(firehose.events.every((e) => e.application === 'firehose')).toBe(true);
    expect(firehose.events.some((e) => e.type === 'StasisStart')).toBe(false);
    expect(other.events).toEqual([]);
    expect((await ari('DELETE', '/channels/route-1')).status).toBe(204);
    await app.waitFor(isType('StasisEnd', 'route-1'), 'StasisEnd on app-a');
  });

  it('refuses AudioSocket connects while the fault is on, and connects again once cleared', async () => {
    sim = await startSimulator({ port: 0 });
    const server = await audioSocketServer();
    await events('app=ai');
    const media = (id: string) =>
      ari(
        'POST',
        `/channels/externalMedia?app=ai&channelId=${id}&external_host=127.0.0.1:${server.port}&encapsulation=audiosocket&transport=tcp&format=slin16&data=62aefd5a-9ac4-4827-94e2-82fea43523ae`,
      );
    expect(await control('/faults/audiosocket/refuse', { enabled: true })).toBe(200);
    const refused = await media('ext-refused');
    expect(refused.status).toBeGreaterThanOrEqual(400);
    expect(server.connections).toHaveLength(0);
    const cleared = await fetch(`${sim.controlUrl}/faults`, { method: 'DELETE', headers: authHeader() });
    expect(cleared.status).toBe(200);
    const ok = await media('ext-ok');
    expect(ok.status).toBe(200);
    expect(ok.json).toMatchObject({ id: 'ext-ok' });
    expect(server.connections).toHaveLength(1);
  });

  it('hangs a channel up after the requested delay', async () => {
    sim = await startSimulator({ port: 0 });
    const app = await events('app=app-h');
    await ari('POST', '/channels?endpoint=Local/s@ai-doctor&app=app-h&channelId=hang-1&timeout=10');
    await app.waitFor(isType('StasisStart', 'hang-1'), 'StasisStart');
    const t0 = Date.now();
    expect(await control('/channels/hang-1/hangup', { afterMs: 150 })).toBe(204);
    await app.waitFor(isType('ChannelDestroyed', 'hang-1'), 'ChannelDestroyed');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(120);
    expect(await control('/channels/nope/hangup', { afterMs: 1 })).toBe(404);
  });
});

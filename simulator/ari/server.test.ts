import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createConnection, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { PbxEvent } from '../../engine/ari/models.js';
import { startAriServer, type AriServer } from './server.js';
import { fakeChannel, FakeFaults, FakePbx } from './test-support/fake-pbx.js';

const creds = { username: 'asterisk', password: 'asterisk' };
const auth = { Authorization: `Basic ${Buffer.from('asterisk:asterisk').toString('base64')}` };
const varset: PbxEvent = {
  type: 'ChannelVarset',
  timestamp: '2026-11-26T07:41:42.570+0000',
  asterisk_id: '02:fc:00:00:00:99',
  variable: 'X',
  value: '1',
  channel: fakeChannel('c1'),
};

let server: AriServer | undefined;
let pbx: FakePbx;
const openSockets: WebSocket[] = [];

async function start(): Promise<AriServer> {
  pbx = new FakePbx();
  server = await startAriServer({ pbx, credentials: creds, port: 0 });
  return server;
}

afterEach(async () => {
  for (const ws of openSockets.splice(0)) ws.terminate();
  await server?.close();
  server = undefined;
});

function wsUrl(s: AriServer, query: string): string {
  return `${s.url.replace('http', 'ws')}/ari/events?${query}`;
}

/** Opens an events socket and collects its messages. */
async function connect(s: AriServer, query: string): Promise<{ ws: WebSocket; messages: Record<string, unknown>[] }> {
  const ws = new WebSocket(wsUrl(s, query));
  openSockets.push(ws);
  const messages: Record<string, unknown>[] = [];
  ws.on('message', (data) => messages.push(JSON.parse(String(data)) as Record<string, unknown>));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return { ws, messages };
}

/** The HTTP answer to a WebSocket upgrade that the server refuses. */
function upgradeRejection(url: string): Promise<{ status: number; body: string } | { error: string }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url);
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += String(c)));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    ws.on('error', (err) => resolve({ error: (err as NodeJS.ErrnoException).code ?? err.message }));
    ws.on('open', () => {
      ws.terminate();
      resolve({ error: 'opened' });
    });
  });
}

async function until(check: () => boolean, ms = 2000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('ARI server over HTTP', () => {
  it('serves REST with status, JSON body and content type', async () => {
    const s = await start();
    pbx.channels.set('c1', fakeChannel('c1'));
    const r = await fetch(`${s.ariUrl}/channels/c1`, { headers: auth });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('application/json');
    expect(await r.json()).toMatchObject({ id: 'c1' });
    const missing = await fetch(`${s.ariUrl}/channels/nope`, { headers: auth });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ message: 'Channel not found' });
    const del = await fetch(`${s.ariUrl}/channels/c1`, { method: 'DELETE', headers: auth });
    expect(del.status).toBe(204);
    expect(await del.text()).toBe('');
  });

  it('accepts a JSON body with variables, as ari-client sends it', async () => {
    const s = await start();
    const r = await fetch(`${s.ariUrl}/channels?endpoint=Local/s@x&app=ai&channelId=c9`, {
      method: 'POST',
      headers: { ...auth, 'Content-Type': 'application/json' },
      body: JSON.stringify({ variables: { A: 'b' } }),
    });
    expect(r.status).toBe(200);
    expect(pbx.callsTo('originate')[0][0]).toMatchObject({ channelId: 'c9', variables: { A: 'b' } });
  });

  it('answers 401 JSON without credentials and 404 text outside /ari', async () => {
    const s = await start();
    const r = await fetch(`${s.ariUrl}/channels`);
    expect(r.status).toBe(401);
    expect(r.headers.get('www-authenticate')).toBe('Basic realm="Asterisk REST Interface"');
    expect(await r.json()).toEqual({ message: 'Authentication required' });
    expect((await fetch(`${s.url}/elsewhere`)).status).toBe(404);
  });

  it('answers 413 for an oversized body', async () => {
    const s = await start();
    const r = await fetch(`${s.ariUrl}/channels`, {
      method: 'POST',
      headers: { ...auth, 'Content-Type': 'application/json' },
      body: 'x'.repeat(1024 * 1024 + 10),
    });
    expect(r.status).toBe(413);
    expect(await r.json()).toEqual({ message: 'Request body too large' });
  });

  it('streams a stored recording file with its content type', async () => {
    const s = await start();
    const dir = mkdtempSync(join(tmpdir(), 'ari-file-'));
    try {
      const bytes = Buffer.from('RIFF....WAVEfmt fake');
      writeFileSync(join(dir, 'stored.wav'), bytes);
      pbx.storedFile = { path: join(dir, 'stored.wav'), contentType: 'audio/wav' };
      const r = await fetch(`${s.ariUrl}/recordings/stored/stored/file`, { headers: auth });
      expect(r.status).toBe(200);
      expect(r.headers.get('content-type')).toBe('audio/wav');
      expect(Buffer.from(await r.arrayBuffer())).toEqual(bytes);
      pbx.storedFile = { path: join(dir, 'gone.wav'), contentType: 'audio/wav' };
      const gone = await fetch(`${s.ariUrl}/recordings/stored/stored/file`, { headers: auth });
      expect(gone.status).toBe(403);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('ARI events WebSocket', () => {
  it('refuses an unauthenticated upgrade with 401 and Asterisk\'s JSON body', async () => {
    const s = await start();
    expect(await upgradeRejection(wsUrl(s, 'app=ai'))).toEqual({ status: 401, body: '{"message":"Authentication required"}' });
    expect(await upgradeRejection(wsUrl(s, 'app=ai&api_key=asterisk:bad'))).toMatchObject({ status: 401 });
    expect(await upgradeRejection(wsUrl(s, 'api_key=asterisk:asterisk'))).toEqual({ status: 400, body: `{"message":"Missing param 'app'"}` });
  });

  it('routes events per app, stamps application, and feeds subscribeAll sockets', async () => {
    const s = await start();
    const ai = await connect(s, 'app=ai&api_key=asterisk:asterisk');
    const caller = await connect(s, 'app=caller&api_key=asterisk:asterisk');
    const firehose = await connect(s, 'app=firehose&subscribeAll=true&api_key=asterisk:asterisk');
    expect([...pbx.registeredApps].sort()).toEqual(['ai', 'caller', 'firehose']);
    pbx.emit(varset, ['ai']);
    await until(() => ai.messages.length === 1 && firehose.messages.length === 1);
    expect(ai.messages[0]).toMatchObject({ type: 'ChannelVarset', application: 'ai' });
    expect(firehose.messages[0]).toMatchObject({ type: 'ChannelVarset', application: 'firehose' });
    // Give a misrouted copy time to arrive before concluding none did.
    await new Promise((r) => setTimeout(r, 50));
    expect(caller.messages).toEqual([]);
  });

  it('replaces the first socket of an app with the second, and unregisters on the last close', async () => {
    const s = await start();
    const first = await connect(s, 'app=ai&api_key=asterisk:asterisk');
    const second = await connect(s, 'app=ai&api_key=asterisk:asterisk');
    await until(() => first.messages.length === 1);
    expect(first.messages[0]).toMatchObject({ type: 'ApplicationReplaced', application: 'ai' });
    expect(first.ws.readyState).toBe(WebSocket.OPEN);
    pbx.emit(varset, ['ai']);
    await until(() => second.messages.length === 1);
    second.ws.close();
    first.ws.close();
    await until(() => pbx.callsTo('unregisterApp').length === 1);
    expect(pbx.registeredApps.has('ai')).toBe(false);
  });

  it('answers pings', async () => {
    const s = await start();
    const { ws } = await connect(s, 'app=ai&api_key=asterisk:asterisk');
    const pong = new Promise<string>((resolve) => ws.once('pong', (data) => resolve(String(data))));
    ws.ping('hello');
    expect(await pong).toBe('hello');
  });
});

describe('control API', () => {
  const control = (s: AriServer, path: string, init: RequestInit = {}) =>
    fetch(`${s.url}/_sim${path}`, { ...init, headers: { ...auth, 'Content-Type': 'application/json', ...(init.headers ?? {}) } });

  it('reports health and requires credentials', async () => {
    const s = await start();
    await connect(s, 'app=ai&api_key=asterisk:asterisk');
    const r = await control(s, '/health');
    expect(r.status).toBe(200);
    expect(await r.json()).toMatchObject({ status: 'ok', asterisk_id: pbx.asteriskId, apps: ['ai'], event_sockets: 1 });
    expect((await fetch(`${s.url}/_sim/health`)).status).toBe(401);
    expect((await control(s, '/nope')).status).toBe(404);
    expect((await control(s, '/health', { method: 'POST' })).status).toBe(405);
  });

  it('delays ARI answers while the delay fault is set', async () => {
    const s = await start();
    expect((await control(s, '/faults/ari/delay', { method: 'POST', body: JSON.stringify({ ms: 200 }) })).status).toBe(200);
    const t0 = performance.now();
    expect((await fetch(`${s.ariUrl}/channels`, { headers: auth })).status).toBe(200);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(150);
    await control(s, '/faults', { method: 'DELETE' });
    const t1 = performance.now();
    await fetch(`${s.ariUrl}/channels`, { headers: auth });
    expect(performance.now() - t1).toBeLessThan(150);
    expect((await control(s, '/faults/ari/delay', { method: 'POST', body: '{}' })).status).toBe(400);
  });

  it('drops the events sockets of an app and refuses reconnects for a while', async () => {
    const s = await start();
    const ai = await connect(s, 'app=ai&api_key=asterisk:asterisk');
    const other = await connect(s, 'app=other&api_key=asterisk:asterisk');
    const closed = new Promise<number>((resolve) => ai.ws.once('close', (code) => resolve(code)));
    const r = await control(s, '/faults/ari/events/drop', { method: 'POST', body: JSON.stringify({ app: 'ai', refuseMs: 300 }) });
    expect(await r.json()).toEqual({ dropped: 1, refuseMs: 300 });
    expect(await closed).toBe(1006); // abrupt: no close frame
    expect(other.ws.readyState).toBe(WebSocket.OPEN);
    expect(await upgradeRejection(wsUrl(s, 'app=ai&api_key=asterisk:asterisk'))).toMatchObject({ error: expect.any(String) });
    await new Promise((r2) => setTimeout(r2, 350));
    const again = await connect(s, 'app=ai&api_key=asterisk:asterisk');
    expect(again.ws.readyState).toBe(WebSocket.OPEN);
  });

  it('answers 501 for model faults when the PBX offers none', async () => {
    const s = await start();
    const r = await control(s, '/channels/c1/hangup', { method: 'POST', body: JSON.stringify({ afterMs: 10 }) });
    expect(r.status).toBe(501);
  });
});

describe('control API: model faults', () => {
  const post = (s: AriServer, path: string, body: unknown) =>
    fetch(`${s.url}/_sim${path}`, { method: 'POST', headers: { ...auth, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });

  it('passes AudioSocket and hangup faults to the model and reports them', async () => {
    const s = await start();
    const faults = new FakeFaults();
    pbx.faults = faults;
    faults.withAudioSocket.add('c1');
    expect((await post(s, '/faults/audiosocket/refuse', {})).status).toBe(200);
    expect(await (await post(s, '/faults/audiosocket/delay', { ms: 250 })).json()).toMatchObject({
      model: { refuseAudioSocketConnects: true, delayAudioSocketConnectsMs: 250 },
    });
    expect((await post(s, '/channels/c1/audiosocket/drop', { how: 'close' })).status).toBe(204);
    expect(await (await post(s, '/channels/c2/audiosocket/drop', {})).json()).toEqual({ message: 'Channel has no AudioSocket connection' });
    expect((await post(s, '/channels/c1/audiosocket/drop', { how: 'gently' })).status).toBe(400);
    expect((await post(s, '/channels/c1/hangup', { afterMs: 1500, cause: 17 })).status).toBe(204);
    expect((await post(s, '/channels/c1/hangup', { afterMs: -1 })).status).toBe(400);
    const cleared = await fetch(`${s.url}/_sim/faults`, { method: 'DELETE', headers: auth });
    expect(await cleared.json()).toMatchObject({ model: { refuseAudioSocketConnects: false, delayAudioSocketConnectsMs: 0 } });
    expect(faults.calls.map((c) => [c.method, ...c.args])).toEqual([
      ['refuseAudioSocketConnects', true],
      ['delayAudioSocketConnects', 250],
      ['dropAudioSocket', 'c1', 'close'],
      ['dropAudioSocket', 'c2', 'reset'],
      ['hangupAfter', 'c1', 1500, 17],
      ['clear'],
    ]);
  });

  it('answers externalMedia through the model\'s async variant when it has one', async () => {
    const s = await start();
    let release: () => void = () => {};
    pbx.externalMediaAsync = (params) =>
      new Promise((resolve) => {
        release = () => resolve(fakeChannel(params.channelId ?? 'x'));
      });
    const answer = fetch(
      `${s.ariUrl}/channels/externalMedia?app=ai&channelId=e1&external_host=127.0.0.1:9&encapsulation=audiosocket&transport=tcp&format=slin16&data=u`,
      { method: 'POST', headers: auth },
    );
    const early = await Promise.race([answer.then(() => 'answered'), new Promise((r) => setTimeout(() => r('waiting'), 100))]);
    expect(early).toBe('waiting');
    release();
    const r = await answer;
    expect(r.status).toBe(200);
    expect(await r.json()).toMatchObject({ id: 'e1' });
  });
});

describe('HTTP connections', () => {
  it('keeps an idle connection 15 s, as Asterisk does (session_keep_alive), not Node\'s 5 s', async () => {
    const s = await start();
    const res = await fetch(`${s.url}/ari/asterisk/info`, { headers: auth });
    await res.arrayBuffer();
    expect(res.headers.get('keep-alive')).toBe('timeout=15');
  });

  /** Opens `count` connections at once, each sending one request; how many got an answer. */
  async function openSessions(s: AriServer, count: number): Promise<{ answered: number; closed: number }> {
    const port = Number(new URL(s.url).port);
    const sockets: Socket[] = [];
    const outcomes = await Promise.all(
      Array.from({ length: count }, () =>
        new Promise<'answered' | 'closed'>((resolve) => {
          const socket = createConnection(port, '127.0.0.1');
          sockets.push(socket);
          let got = '';
          socket.on('connect', () => setTimeout(() => socket.write(`GET /ari/asterisk/ping HTTP/1.1\r\nHost: x\r\nAuthorization: ${auth.Authorization}\r\n\r\n`), 100));
          socket.on('data', (d: Buffer) => {
            got += String(d);
            if (got.includes('\r\n\r\n')) resolve('answered');
          });
          socket.on('error', () => undefined);
          socket.on('close', () => resolve('closed'));
        }),
      ),
    );
    for (const socket of sockets) socket.destroy();
    return { answered: outcomes.filter((o) => o === 'answered').length, closed: outcomes.filter((o) => o === 'closed').length };
  }

  it('closes connections over the session limit unanswered, as Asterisk does (http.conf sessionlimit)', async () => {
    pbx = new FakePbx();
    server = await startAriServer({ pbx, credentials: creds, port: 0, sessionLimit: 5 });
    expect(await openSessions(server, 7)).toEqual({ answered: 5, closed: 2 });
  });

  it('serves 100 sessions by default, the events WebSocket among them (Asterisk 22 answered 99 of 130 beside one)', async () => {
    const s = await start();
    await connect(s, 'app=ai&api_key=asterisk:asterisk');
    expect(await openSessions(s, 130)).toEqual({ answered: 99, closed: 31 });
  });
});

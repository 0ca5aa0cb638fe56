import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { AriTap, pathPattern, splitRequest } from './ari-tap.js';

/** A stand-in PBX: answers every request with what it received, echoes WebSocket messages. */
let upstream: Server;
let seen: Array<{ method?: string; url?: string; body: string; host?: string }>;
let tap: AriTap;

beforeEach(async () => {
  seen = [];
  upstream = createServer(async (req: IncomingMessage, res) => {
    let body = '';
    for await (const c of req) body += c;
    seen.push({ method: req.method, url: req.url, body, host: req.headers.host });
    res.writeHead(req.url?.startsWith('/ari/missing') ? 404 : 200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ url: req.url }));
  });
  const wss = new WebSocketServer({ server: upstream });
  wss.on('connection', (ws, req) => ws.on('message', (m) => ws.send(`${req.url} ${m.toString()}`)));
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', () => r()));
  tap = await AriTap.start(`http://127.0.0.1:${(upstream.address() as AddressInfo).port}`);
});

afterEach(async () => {
  await tap.close();
  upstream.closeAllConnections();
  await new Promise<void>((r) => upstream.close(() => r()));
});

describe('AriTap', () => {
  it('forwards requests and records method, path under /ari, query, JSON body and status', async () => {
    const res = await fetch(`${tap.url}/ari/channels?endpoint=Local%2Fs%40x&app=a`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ variables: { A: '1' } }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ url: '/ari/channels?endpoint=Local%2Fs%40x&app=a' });
    expect(seen[0]).toMatchObject({ method: 'POST', body: '{"variables":{"A":"1"}}' });
    expect(seen[0].host).toMatch(/^127\.0\.0\.1:\d+$/);
    await fetch(`${tap.url}/ari/missing`);
    expect(tap.requests.map((r) => [r.method, r.path, r.status])).toEqual([
      ['POST', '/channels', 200],
      ['GET', '/missing', 404],
    ]);
    expect(tap.requests[0]).toMatchObject({ query: { endpoint: 'Local/s@x', app: 'a' }, body: { variables: { A: '1' } } });
  });

  it('lets a rule rewrite a request on its way, as many times as it is told', async () => {
    tap.addRule({
      description: 'point elsewhere',
      match: (r) => r.path === '/channels/externalMedia',
      before: (r) => {
        r.query.external_host = '127.0.0.1:9';
      },
    });
    await fetch(`${tap.url}/ari/channels/externalMedia?external_host=127.0.0.1%3A8090&format=slin16`, { method: 'POST' });
    await fetch(`${tap.url}/ari/channels/externalMedia?external_host=127.0.0.1%3A8090`, { method: 'POST' });
    expect(seen.map((s) => s.url)).toEqual([
      '/ari/channels/externalMedia?external_host=127.0.0.1%3A9&format=slin16',
      '/ari/channels/externalMedia?external_host=127.0.0.1%3A8090',
    ]);
    expect(tap.requests[0].rule).toBe('point elsewhere');
  });

  it('holds a request: it counts as in flight until answered', async () => {
    tap.addRule({ description: 'hold', match: () => true, before: () => new Promise((r) => setTimeout(r, 150)) });
    const started = Date.now();
    const pending = fetch(`${tap.url}/ari/bridges`, { method: 'POST' });
    await new Promise((r) => setTimeout(r, 50));
    expect(tap.inFlight).toBe(1);
    expect(seen).toHaveLength(0);
    await pending;
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    await new Promise((r) => setTimeout(r, 20));
    expect(tap.inFlight).toBe(0);
  });

  it('records a rule that failed and still forwards the request', async () => {
    tap.addRule({
      description: 'remove a file',
      match: () => true,
      before: () => {
        throw new Error('no such file');
      },
    });
    expect((await fetch(`${tap.url}/ari/x`)).status).toBe(200);
    expect(tap.ruleErrors).toEqual(['remove a file: no such file']);
  });

  it('tunnels the events WebSocket untouched', async () => {
    const ws = new WebSocket(`${tap.url.replace('http', 'ws')}/ari/events?app=e2e`);
    const reply = await new Promise<string>((resolve, reject) => {
      ws.once('open', () => ws.send('ping'));
      ws.once('message', (m) => resolve(m.toString()));
      ws.once('error', reject);
    });
    expect(reply).toBe('/ari/events?app=e2e ping');
    ws.close();
  });
});

describe('request templates', () => {
  it('match whole paths with {placeholders}', () => {
    const re = pathPattern('/channels/{id}/play');
    expect(re.test('/channels/aiav-1-voice/play')).toBe(true);
    expect(re.test('/channels/a/b/play')).toBe(false);
    expect(re.test('/channels/x/play/extra')).toBe(false);
    expect(splitRequest('POST /channels/{id}/continue')).toEqual(['POST', '/channels/{id}/continue']);
    expect(() => splitRequest('post it')).toThrow(/METHOD \/path/);
  });
});

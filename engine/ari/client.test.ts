import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../log.js';
import { AriClient, ariBaseUrl } from './client.js';
import { AriHttpError, AriNetworkError, isAriHttpError, isAriNetworkError, isNotFound } from './errors.js';

interface Seen {
  method: string;
  url: string;
  authorization: string | undefined;
  contentType: string | undefined;
  body: string;
}

type Reply = { status: number; body?: unknown; raw?: string | Buffer; hang?: boolean };

/** A tiny ARI stand-in: records each request and answers from `reply`. */
async function fakeAri(reply: (req: Seen) => Reply = () => ({ status: 204 })) {
  const seen: Seen[] = [];
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const s: Seen = {
        method: req.method ?? '',
        url: req.url ?? '',
        authorization: req.headers.authorization,
        contentType: req.headers['content-type'],
        body: Buffer.concat(chunks).toString(),
      };
      seen.push(s);
      const r = reply(s);
      if (r.hang) return; // never answer
      if (r.raw !== undefined) {
        res.writeHead(r.status);
        res.end(r.raw);
        return;
      }
      if (r.body === undefined) {
        res.writeHead(r.status);
        res.end();
        return;
      }
      res.writeHead(r.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(r.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  const port = (server.address() as AddressInfo).port;
  return { seen, port, url: `http://127.0.0.1:${port}` };
}

let servers: Server[] = [];
afterEach(async () => {
  for (const s of servers) s.closeAllConnections();
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  servers = [];
});

const channel = {
  id: 'c1',
  name: 'PJSIP/alice-00000001',
  state: 'Up',
  protocol_id: '',
  caller: { name: '', number: '' },
  connected: { name: '', number: '' },
  accountcode: '',
  dialplan: { context: 'default', exten: 's', priority: 1, app_name: 'Stasis', app_data: 'app' },
  creationtime: '2026-11-26T07:41:42.570+0000',
  language: 'en',
};

describe('ariBaseUrl', () => {
  it('appends /ari once', () => {
    expect(ariBaseUrl('http://127.0.0.1:8088')).toBe('http://127.0.0.1:8088/ari');
    expect(ariBaseUrl('http://127.0.0.1:8088/')).toBe('http://127.0.0.1:8088/ari');
    expect(ariBaseUrl('http://127.0.0.1:8088/ari/')).toBe('http://127.0.0.1:8088/ari');
  });
});

describe('AriClient requests', () => {
  it('sends Basic auth and the paths and queries ARI expects', async () => {
    const ari = await fakeAri((s) => {
      if (s.method === 'GET' && s.url.includes('/variable')) return { status: 200, body: { value: 'abc' } };
      if (s.url.endsWith('/file')) return { status: 200, raw: Buffer.from([1, 2, 3]) };
      if (s.method === 'DELETE' || s.url.includes('/answer') || /variable|continue|addChannel|removeChannel/.test(s.url)) {
        return { status: 204 };
      }
      return { status: 200, body: s.url.endsWith('/channels') || s.url.endsWith('/bridges') ? [] : { id: 'x' } };
    });
    const c = new AriClient({ url: ari.url, username: 'asterisk', password: 's3cret' });
    await c.channels.list();
    await c.channels.get('c 1;2');
    await c.channels.hangup('c1', 'normal');
    await c.channels.answer('c1');
    expect(await c.channels.getVariable('c1', 'AUDIOSOCKET_UUID')).toBe('abc');
    await c.channels.setVariable('c1', 'AUDIOSOCKET_UUID', 'b4fa9266-000b-4ba5-8444-48d22367512a');
    await c.channels.snoop('c1', { spy: 'in', app: 'asterisk-ai-voice-agent', snoopId: 'snoop-1' });
    await c.channels.continueInDialplan('snoop-1', { context: 'ai-audiosocket', extension: 's', priority: 1 });
    await c.channels.play('c1', { media: ['sound:ai-generated/a', 'sound:beep'], playbackId: 'pb-1' });
    await c.channels.record('c1', { name: 'r1', format: 'wav', maxDurationSeconds: 3, ifExists: 'overwrite', beep: false });
    await c.channels.externalMedia({
      app: 'asterisk-ai-voice-agent',
      channelId: 'ext-1',
      external_host: '127.0.0.1:8090',
      encapsulation: 'audiosocket',
      transport: 'tcp',
      format: 'slin16',
      data: '62aefd5a-9ac4-4827-94e2-82fea43523ae',
    });
    await c.channels.originate({
      endpoint: 'Local/s@caller',
      app: 'test-caller',
      channelId: 'o1',
      timeout: 10,
      variables: { AUDIOSOCKET_UUID: 'u' },
    });
    await c.bridges.create({ type: 'mixing', bridgeId: 'br-1' });
    await c.bridges.addChannel('br-1', ['c1', 'ext-1']);
    await c.bridges.removeChannel('br-1', 'c1');
    await c.bridges.destroy('br-1');
    await c.bridges.list();
    await c.bridges.get('br-1');
    await c.playbacks.get('pb-1');
    await c.playbacks.stop('pb-1');
    await c.recordings.stored.get('r1');
    expect(await c.recordings.stored.file('r1')).toEqual(Buffer.from([1, 2, 3]));
    await c.recordings.stored.delete('r1');
    await c.asterisk.info();
    await c.asterisk.module('res_audiosocket.so');

    expect(new Set(ari.seen.map((s) => s.authorization))).toEqual(
      new Set([`Basic ${Buffer.from('asterisk:s3cret').toString('base64')}`]),
    );
    expect(ari.seen.map((s) => `${s.method} ${decodeURIComponent(s.url)}`)).toEqual([
      'GET /ari/channels',
      'GET /ari/channels/c 1;2',
      'DELETE /ari/channels/c1?reason=normal',
      'POST /ari/channels/c1/answer',
      'GET /ari/channels/c1/variable?variable=AUDIOSOCKET_UUID',
      'POST /ari/channels/c1/variable?variable=AUDIOSOCKET_UUID&value=b4fa9266-000b-4ba5-8444-48d22367512a',
      'POST /ari/channels/c1/snoop?spy=in&app=asterisk-ai-voice-agent&snoopId=snoop-1',
      'POST /ari/channels/snoop-1/continue?context=ai-audiosocket&extension=s&priority=1',
      'POST /ari/channels/c1/play?media=sound:ai-generated/a,sound:beep&playbackId=pb-1',
      'POST /ari/channels/c1/record?name=r1&format=wav&maxDurationSeconds=3&ifExists=overwrite&beep=false',
      'POST /ari/channels/externalMedia?app=asterisk-ai-voice-agent&channelId=ext-1&external_host=127.0.0.1:8090&encapsulation=audiosocket&transport=tcp&format=slin16&data=62aefd5a-9ac4-4827-94e2-82fea43523ae',
      'POST /ari/channels?endpoint=Local/s@caller&app=test-caller&channelId=o1&timeout=10',
      'POST /ari/bridges?type=mixing&bridgeId=br-1',
      'POST /ari/bridges/br-1/addChannel?channel=c1,ext-1',
      'POST /ari/bridges/br-1/removeChannel?channel=c1',
      'DELETE /ari/bridges/br-1',
      'GET /ari/bridges',
      'GET /ari/bridges/br-1',
      'GET /ari/playbacks/pb-1',
      'DELETE /ari/playbacks/pb-1',
      'GET /ari/recordings/stored/r1',
      'GET /ari/recordings/stored/r1/file',
      'DELETE /ari/recordings/stored/r1',
      'GET /ari/asterisk/info',
      'GET /ari/asterisk/modules/res_audiosocket.so',
    ]);
    const originate = ari.seen.find((s) => s.url.startsWith('/ari/channels?endpoint'));
    expect(originate?.contentType).toBe('application/json');
    expect(JSON.parse(originate!.body)).toEqual({ variables: { AUDIOSOCKET_UUID: 'u' } });
    expect(ari.seen[0].body).toBe('');
  });

  it('returns the models Asterisk sends', async () => {
    const ari = await fakeAri(() => ({ status: 200, body: channel }));
    const c = new AriClient({ url: ari.url, username: 'u', password: 'p' });
    const got = await c.channels.get('c1');
    expect(got).toEqual(channel);
    expect(got.dialplan.app_name).toBe('Stasis');
  });
});

describe('AriClient errors', () => {
  it('a 404 is an AriHttpError with status, method, path and the body message', async () => {
    const ari = await fakeAri(() => ({ status: 404, body: { message: 'Channel not found' } }));
    const c = new AriClient({ url: ari.url, username: 'u', password: 'p' });
    const err = await c.channels.hangup('gone', 'normal').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AriHttpError);
    expect(isNotFound(err)).toBe(true);
    expect(isAriHttpError(err)).toBe(true);
    expect(isAriNetworkError(err)).toBe(false);
    const e = err as AriHttpError;
    expect([e.status, e.method, e.path, e.ariMessage, e.code]).toEqual([404, 'DELETE', '/channels/gone', 'Channel not found', 'ARI_ERR_HTTP']);
    expect(e.message).toBe('ARI DELETE /channels/gone failed: 404 Channel not found');
  });

  it('other statuses are not "not found"; a text body becomes the message', async () => {
    const ari = await fakeAri(() => ({ status: 500, raw: 'Internal Server Error\n' }));
    const c = new AriClient({ url: ari.url, username: 'u', password: 'p' });
    const err = await c.bridges.create({ type: 'mixing' }).catch((e: unknown) => e);
    expect(isNotFound(err)).toBe(false);
    expect((err as AriHttpError).status).toBe(500);
    expect((err as AriHttpError).ariMessage).toBe('Internal Server Error');
  });

  it('a refused connection is an AriNetworkError, not an HTTP error', async () => {
    const ari = await fakeAri();
    const url = ari.url;
    for (const s of servers) s.close();
    servers = [];
    await new Promise((r) => setTimeout(r, 20));
    const c = new AriClient({ url, username: 'u', password: 'p' });
    const err = await c.asterisk.info().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AriNetworkError);
    expect((err as AriNetworkError).code).toBe('ARI_ERR_NETWORK');
    expect((err as AriNetworkError).message).toContain('ECONNREFUSED');
    expect(isNotFound(err)).toBe(false);
  });

  it('a request with no answer times out', async () => {
    const ari = await fakeAri(() => ({ status: 200, hang: true }));
    const c = new AriClient({ url: ari.url, username: 'u', password: 'p', requestTimeoutMs: 150 });
    const started = Date.now();
    const err = await c.channels.list().catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(err).toBeInstanceOf(AriNetworkError);
    expect((err as AriNetworkError).timedOut).toBe(true);
    expect((err as AriNetworkError).code).toBe('ARI_ERR_TIMEOUT');
  });

  it('never logs or reports the password', async () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk, _e, cb) {
        lines.push(String(chunk));
        cb();
      },
    });
    const logger = createLogger({ destination, level: 'trace' });
    const ari = await fakeAri((s) => (s.url.includes('missing') ? { status: 404, body: { message: 'Channel not found' } } : { status: 200, body: [] }));
    const c = new AriClient({ url: ari.url, username: 'u', password: 'hunter2', logger });
    await c.channels.list();
    const err = await c.channels.get('missing').catch((e: unknown) => e);
    logger.info({ client: c, err }, 'dump');
    const text = lines.join('') + String(err) + JSON.stringify(c);
    expect(lines.length).toBeGreaterThanOrEqual(2);
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain(Buffer.from('u:hunter2').toString('base64'));
  });
});

describe('AriClient concurrency', () => {
  it('has at most maxConcurrentRequests requests in flight, and the rest wait their turn', async () => {
    let inFlight = 0;
    let peak = 0;
    const server = createServer((_req, res) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      setTimeout(() => {
        inFlight--;
        res.writeHead(204).end();
      }, 5);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    servers.push(server);
    const port = (server.address() as AddressInfo).port;
    const client = new AriClient({ url: `http://127.0.0.1:${port}`, username: 'u', password: 'p', maxConcurrentRequests: 4 });
    await Promise.all(Array.from({ length: 30 }, (_, i) => client.channels.hangup(`c${i}`)));
    expect(peak).toBe(4);
  });
});

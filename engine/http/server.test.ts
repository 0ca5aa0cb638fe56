import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../log.js';
import { createMetrics } from '../metrics.js';
import { ariConnectedCheck, audioSocketListeningCheck, providerAvailableCheck } from './checks.js';
import { HealthServer, type HealthServerOptions } from './server.js';

let servers: HealthServer[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

async function start(options: Partial<HealthServerOptions> = {}) {
  const metrics = createMetrics({ defaultMetrics: false });
  const server = new HealthServer({ logger: createLogger({ level: 'silent' }), registry: metrics.registry, port: 0, ...options });
  const { host, port } = await server.listen();
  servers.push(server);
  const get = (path: string, method = 'GET') => fetch(`http://${host}:${port}${path}`, { method });
  return { server, metrics, host, get };
}

describe('HealthServer', () => {
  it('binds 127.0.0.1 by default', async () => {
    const { host } = await start();
    expect(host).toBe('127.0.0.1');
  });

  it('/live answers 200', async () => {
    const { get } = await start();
    const res = await get('/live');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'live' });
  });

  it('/ready is 200 when every check passes', async () => {
    const ari = { connected: true };
    const as = { listening: true };
    const provider = { name: 'scripted', availability: () => ({ ok: true as const }) };
    const { get } = await start({
      checks: { ari: ariConnectedCheck(ari), audiosocket: audioSocketListeningCheck(as), provider: providerAvailableCheck(provider) },
    });
    const res = await get('/ready');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      status: 'ready',
      checks: { ari: { ok: true }, audiosocket: { ok: true }, provider: { ok: true } },
      reasons: [],
    });
  });

  it('/ready is 503 with the reasons of each failing check', async () => {
    const ari = { connected: false };
    const as = { listening: true };
    const provider = {
      name: 'deepgram',
      availability: () => ({ ok: false as const, reason: 'DEEPGRAM_API_KEY is not set' }),
    };
    const { get } = await start({
      checks: { ari: ariConnectedCheck(ari), audiosocket: audioSocketListeningCheck(as), provider: providerAvailableCheck(provider) },
    });
    const res = await get('/ready');
    expect(res.status).toBe(503);
    const body = (await res.json()) as { status: string; reasons: string[] };
    expect(body.status).toBe('not_ready');
    expect(body.reasons).toEqual([
      'ari: ARI events WebSocket not connected',
      'provider: provider deepgram unavailable: DEEPGRAM_API_KEY is not set',
    ]);
    ari.connected = true;
    expect((await get('/ready')).status).toBe(503);
  });

  it('follows the checks as they change', async () => {
    const state = { connected: false };
    const { get, server } = await start({ checks: { ari: ariConnectedCheck(state) } });
    expect((await get('/ready')).status).toBe(503);
    state.connected = true;
    expect((await get('/ready')).status).toBe(200);
    server.setCheck('draining', () => ({ ok: false, reason: 'draining' }));
    expect((await get('/ready')).status).toBe(503);
    server.removeCheck('draining');
    expect((await get('/ready')).status).toBe(200);
  });

  it('a check that throws or hangs fails without exposing its error', async () => {
    const { get } = await start({
      checkTimeoutMs: 100,
      checks: {
        boom: () => {
          throw new Error('connect http://asterisk:hunter2@pbx failed');
        },
        slow: () => new Promise(() => {}),
        async: async () => true,
      },
    });
    const res = await get('/ready');
    const text = await res.text();
    expect(res.status).toBe(503);
    expect(text).not.toContain('hunter2');
    expect(JSON.parse(text).reasons).toEqual(['boom: check failed', 'slow: check timed out after 100 ms']);
  });

  it('scrubs known secret values from readiness reasons', async () => {
    const { get } = await start({
      secrets: ['dg-secret-key'],
      checks: { provider: () => ({ ok: false, reason: 'rejected key dg-secret-key' }) },
    });
    const text = await (await get('/ready')).text();
    expect(text).not.toContain('dg-secret-key');
    expect(text).toContain('[redacted]');
  });

  it('/metrics serves Prometheus text', async () => {
    const { get, metrics } = await start();
    metrics.activeCalls.set(2);
    const res = await get('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    expect(await res.text()).toContain('ai_agent_active_calls 2');
  });

  it('unknown paths are 404, other methods 405', async () => {
    const { get } = await start();
    expect((await get('/nope')).status).toBe(404);
    expect((await get('/live', 'POST')).status).toBe(405);
    expect((await get('/live', 'HEAD')).status).toBe(200);
  });
});

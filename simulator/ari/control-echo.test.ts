/**
 * POST/DELETE /_sim/channels/{channelId}/echo over real sockets: a test call whose phone (;1, in
 * test-caller) echoes sends the agent's audio back to the engine (an AudioSocket server here)
 * through the caller half (;2), delayed and attenuated as asked.
 */
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { rms } from '../../engine/audio/pcm.js';
import { ToneGenerator } from '../../engine/audio/tone.js';
import { AsServer, sleep, traceDialplan, type AsConnection } from '../core/testing.js';
import { startSimulator, type Simulator } from '../main.js';

let sim: Simulator | undefined;
let as: AsServer | undefined;
let ws: WebSocket | undefined;

afterEach(async () => {
  ws?.terminate();
  await sim?.close();
  await as?.close();
  sim = undefined;
  as = undefined;
});

async function http(method: string, url: string, body?: unknown): Promise<{ status: number; json: unknown }> {
  const r = await fetch(url, {
    method,
    headers: {
      Authorization: `Basic ${Buffer.from('asterisk:asterisk').toString('base64')}`,
      ...(body ? { 'Content-Type': 'application/json' } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await r.text();
  return { status: r.status, json: text ? (JSON.parse(text) as unknown) : undefined };
}

/** The engine says 300 ms of 1 kHz at -9 dBFS peak; returns when it started. */
async function agentSays(conn: AsConnection): Promise<number> {
  const gen = new ToneGenerator(1000, 8000, 0.25);
  const startedAt = performance.now();
  let next = startedAt;
  for (let i = 0; i < 15; i++) {
    conn.sendAudio(8000, gen.next(20));
    next += 20;
    await sleep(Math.max(0, next - performance.now()));
  }
  return startedAt;
}

describe('control API: echo', () => {
  it('POST turns a phone\'s echo on (the agent comes back through ;2, 120 ms later, 12 dB down), DELETE off', async () => {
    as = await AsServer.start();
    sim = await startSimulator({ port: 0, extensionsConf: traceDialplan(as.address) });
    ws = new WebSocket(`${sim.eventsUrl}?app=test-caller&api_key=asterisk:asterisk`);
    await new Promise((resolve) => ws!.once('open', resolve));
    const originate = await http('POST', `${sim.ariUrl}/channels`, {
      endpoint: 'Local/uuid@ai-voice-agent',
      app: 'test-caller',
      channelId: 'phone',
      otherChannelId: 'caller',
      formats: 'slin',
      variables: { AUDIOSOCKET_UUID: '5d2b1a0e-7f3c-4c2e-9b1a-2e3f4a5b6c7d' },
    });
    expect(originate.status).toBe(200);
    const conn = await as.nextConnection(3000);
    await conn.until(() => conn.uuid !== undefined);

    const on = await http('POST', `${sim.controlUrl}/channels/phone/echo`, { gainDb: -12, delayMs: 120 });
    expect(on).toEqual({ status: 200, json: { channelId: 'phone', gainDb: -12, delayMs: 120 } });
    const startedAt = await agentSays(conn);
    await sleep(400);
    const back = conn.audio().filter((f) => rms(f.payload) > 50);
    expect(back.length).toBeGreaterThanOrEqual(13);
    expect(Math.abs(back[0].at - startedAt - 120)).toBeLessThanOrEqual(30);
    const level = rms(Buffer.concat(back.slice(2, -2).map((f) => f.payload)));
    expect(Math.abs(20 * Math.log10(level / (0.25 * 32767 * Math.SQRT1_2)) + 12)).toBeLessThanOrEqual(0.5);

    expect((await http('DELETE', `${sim.controlUrl}/channels/phone/echo`)).status).toBe(204);
    const before = conn.audio().length;
    await agentSays(conn);
    await sleep(300);
    expect(conn.audio().length).toBe(before);
  }, 10_000);

  it('answers bad requests with Asterisk-style errors', async () => {
    sim = await startSimulator({ port: 0, extensionsConf: traceDialplan('127.0.0.1:1') });
    const url = `${sim.controlUrl}/channels/nope/echo`;
    expect(await http('POST', url, { gainDb: -12, delayMs: 120 })).toEqual({ status: 404, json: { message: 'Channel not found' } });
    expect(await http('POST', url, { gainDb: -12 })).toEqual({ status: 400, json: { message: "'gainDb' and 'delayMs' are required" } });
    expect((await http('POST', `${url}?gainDb=loud&delayMs=120`)).status).toBe(400);
    expect(await http('DELETE', url)).toEqual({ status: 404, json: { message: 'Channel not found' } });
    expect((await http('GET', url)).status).toBe(405);
  });
});

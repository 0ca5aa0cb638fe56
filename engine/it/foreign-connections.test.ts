/**
 * Foreign connections on the AudioSocket port: while a call is live and streaming, connections
 * that are not its own (unknown or already bound UUID, garbage, an oversized frame, a first frame
 * that is not a UUID, silence) are each closed and logged with their remote address and a stable
 * code, and the live call goes on: its frames keep flowing and it still answers a turn.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { encodeAudio, encodeUuid } from '../audiosocket/codec.js';
import { WARN } from './logs.js';
import { dumpLogsIfFailed, frameRate, framesIn, keepStreaming, placeCall, sleep, startHarness, turn, waitMark, type Harness } from './harness.js';
import { probe } from './raw-socket.js';

describe('foreign connections on the AudioSocket port', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterEach((ctx) => dumpLogsIfFailed(ctx, h));
  afterAll(async () => {
    await h?.close();
  });

  it('closes and logs each one while the live call keeps streaming and talking', async () => {
    const { call, session } = await placeCall(h);
    await waitMark(session, 'bound', 0, 5000);
    const liveUuid = h.logs.find('bound to channel', (l) => l.callId === session.callId)[0].uuid as string;
    const stopStreaming = await keepStreaming(h, call, 30);
    const rateBefore = await frameRate(h.engine, 1000);
    expect(rateBefore).toBeGreaterThan(40);

    const port = h.engine.audio.address()!.port;
    const silence320 = Buffer.alloc(320);
    const foreign = [
      { name: 'unknown UUID', code: 'AS_ERR_UNKNOWN_UUID', chunks: [encodeUuid(randomUUID()), encodeAudio(8000, silence320)] },
      { name: 'UUID already bound', code: 'AS_ERR_UUID_IN_USE', chunks: [encodeUuid(liveUuid), encodeAudio(16000, Buffer.alloc(640))] },
      // Garbage is read as a header like anything else: 'GET' announces 0x4554 bytes, a TLS
      // ClientHello (16 03 01) an odd-length 48 kHz audio frame, 'B' a kind that does not exist.
      { name: 'garbage (HTTP)', code: 'AS_ERR_FRAME_TOO_LARGE', chunks: [Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n')] },
      { name: 'garbage (TLS)', code: 'AS_ERR_ODD_AUDIO', chunks: [Buffer.from('160301020001000200fc0303', 'hex'), Buffer.alloc(200, 0xa5)] },
      { name: 'garbage (unknown kind)', code: 'AS_ERR_UNKNOWN_KIND', chunks: [Buffer.from('42000268692121', 'hex')] },
      // kind 0x10 announcing 65535 bytes: refused on the header, before any payload is buffered.
      { name: 'oversized frame', code: 'AS_ERR_FRAME_TOO_LARGE', chunks: [Buffer.from([0x10, 0xff, 0xff]), Buffer.alloc(4096, 7)] },
      { name: 'first frame not a UUID', code: 'AS_ERR_NO_UUID', chunks: [encodeAudio(8000, silence320)] },
      { name: 'sends nothing', code: 'AS_ERR_BIND_TIMEOUT', chunks: [] },
    ];

    const framesAtStart = await framesIn(h.engine);
    const t0 = performance.now();
    const results = await Promise.all(foreign.map((f) => probe(port, { chunks: f.chunks, timeoutMs: 5000 })));
    const elapsed = performance.now() - t0;
    const framesDuring = (await framesIn(h.engine)) - framesAtStart;

    for (const [i, f] of foreign.entries()) {
      const r = results[i];
      const refusals = h.logs.find('AudioSocket connection refused', (l) => l.remote === r.remote);
      expect(refusals, `${f.name} from ${r.remote}`).toHaveLength(1);
      expect(refusals[0]).toMatchObject({ level: WARN, code: f.code });
      // Every connection hears the engine's silence from the moment it is accepted.
      expect(r.bytesReceived, f.name).toBeGreaterThan(0);
    }
    // Refused at once, except the silent one, which waits for the UUID (2 s by default).
    for (const [i, f] of foreign.entries()) {
      if (f.code === 'AS_ERR_BIND_TIMEOUT') expect(results[i].closedAfterMs).toBeGreaterThan(1500);
      else expect(results[i].closedAfterMs, f.name).toBeLessThan(1000);
    }

    // The live call's frames kept flowing at ~50/s meanwhile, and still do.
    expect((framesDuring * 1000) / elapsed).toBeGreaterThan(40);
    expect(await frameRate(h.engine, 1000)).toBeGreaterThan(40);
    expect(session.currentState).toBe('talking');
    // Only the live call's connection is left.
    expect(h.engine.audio.connectionCount).toBe(1);
    expect(h.logs.find('AudioSocket connection bound')).toHaveLength(1);

    // And its conversation works.
    await stopStreaming();
    await turn(call, session);
    await call.hangup();
    await session.done;
  });

  // Bytes that come in the same read as a refused UUID are not parsed on: a bad frame among them
  // must not log the connection a second time, at error level, after its refusal.
  it('logs a refused connection once, whatever follows its UUID in the same read', async () => {
    const port = h.engine.audio.address()!.port;
    const r = await probe(port, { chunks: [Buffer.concat([encodeUuid(randomUUID()), Buffer.from([0x10, 0xff, 0xff])])] });
    await sleep(100);
    const lines = h.logs.lines.filter((l) => l.remote === r.remote && l.level >= WARN);
    expect(lines.map((l) => `${l.msg} ${String(l.code)}`)).toEqual(['AudioSocket connection refused AS_ERR_UNKNOWN_UUID']);
  });
});

/**
 * Binding by UUID: the externalMedia leg the engine creates connects to the engine's AudioSocket
 * server with the UUID the engine put in `data`, and that connection, not another, becomes the
 * call's audio, at the rate of the configured format, with audio flowing both ways.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { encodeAudio, encodeUuid } from '../audiosocket/codec.js';
import { analyzeCall } from '../../simulator/driver/analysis.js';
import { dumpLogsIfFailed, expectClean, framesIn, placeCall, startHarness, turn, waitMark, type Harness } from './harness.js';
import { probe, type ProbeResult } from './raw-socket.js';

const cases = [
  // Streamed replies travel back over the bound AudioSocket itself; file replies are played by
  // Asterisk while the socket carries the engine's silence frames.
  { format: 'slin16', rate: 16000, downstream: 'stream', callFormats: 'slin16', say: 'sound:caller-hello-16k' },
  { format: 'slin', rate: 8000, downstream: 'file', callFormats: 'slin', say: 'sound:caller-hello-8k' },
] as const;

describe.each(cases)('bind by UUID, format $format, downstream $downstream', (c) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ config: { audiosocket: { format: c.format }, downstream_mode: c.downstream } });
  });
  afterEach((ctx) => dumpLogsIfFailed(ctx, h));
  afterAll(async () => {
    await h?.close();
  });

  it(`binds the externalMedia leg's connection to the call and talks both ways at ${c.rate} Hz`, async () => {
    // A decoy connects first, with a UUID of its own, while the leg's connect is held back
    // 200 ms: the call must be bound to the leg's connection, not to the first one that came.
    h.sim.pbx.faults!.delayAudioSocketConnects(200);
    let decoy: Promise<ProbeResult> | undefined;
    const off = h.sim.pbx.onEvent((ev) => {
      if (ev.type !== 'ChannelCreated' || !/^aiav-.*-ext$/.test(ev.channel.id)) return;
      off();
      decoy = probe(h.engine.audio.address()!.port, { chunks: [encodeUuid(randomUUID()), encodeAudio(c.rate, Buffer.alloc(c.rate / 25))] });
    });
    const { call, session } = await placeCall(h, c.callFormats);
    await waitMark(session, 'bound', 0, 5000);
    h.sim.pbx.faults!.delayAudioSocketConnects(0);
    expect(decoy).toBeDefined();
    const d = await decoy!;
    expect(h.logs.find('AudioSocket connection refused', (l) => l.remote === d.remote)[0]).toMatchObject({ code: 'AS_ERR_UNKNOWN_UUID' });

    // The bind log line names the caller, the media leg and the UUID.
    const bound = h.logs.find('bound to channel', (l) => l.callId === session.callId);
    expect(bound).toHaveLength(1);
    const line = bound[0];
    expect(line).toMatchObject({ channelId: call.callerId, transport: 'audiosocket', rate: c.rate });
    expect(line.mediaChannelId).toMatch(/^aiav-.*-ext$/);
    const uuid = line.uuid as string;
    expect(uuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);

    // The leg in ARI is the AudioSocket channel dialled with that UUID, bridged with the caller.
    const leg = await h.driver.ari.channels.get(line.mediaChannelId as string);
    expect(leg.name).toBe(`AudioSocket/${h.config.audiosocket.advertise_host}:${h.engine.audio.address()!.port}-${uuid}`);
    const bridges = await h.driver.ari.bridges.list();
    const bridge = bridges.find((b) => b.channels.includes(leg.id));
    expect(bridge?.id).toMatch(/^aiav-/);
    expect(bridge?.channels.sort()).toEqual([call.callerId, leg.id].sort());

    // The server bound exactly that UUID, and the call runs at the format's rate: the provider
    // got that rate and no frame arrived at another one.
    const bindings = h.logs.find('AudioSocket connection bound');
    expect(bindings).toHaveLength(1);
    expect(bindings[0].uuid).toBe(uuid);
    expect(bindings[0].remote).not.toBe(d.remote);
    expect(h.logs.find('Provider session started', (l) => l.callId === session.callId)[0]).toMatchObject({ sampleRate: c.rate });
    expect(session.timeline.lastMark('bound')?.data).toMatchObject({ transport: 'audiosocket', rate: c.rate });

    // Upstream: the caller's speech arrives as frames on the bound connection and ends a turn.
    const before = await framesIn(h.engine);
    await turn(call, session, c.say);
    const received = (await framesIn(h.engine)) - before;
    // ~2.8 s of speech is ~140 frames; allow for the edges.
    expect(received).toBeGreaterThan(100);
    expect(h.logs.find('AudioSocket rate follows received audio', (l) => l.uuid === uuid)).toHaveLength(0);

    // Downstream: the caller hears the agent's answer after speaking (MixMonitor of the phone).
    await new Promise((r) => setTimeout(r, 1500));
    await call.hangup();
    await session.done;
    const rec = await call.recordings();
    const a = analyzeCall(rec.heard, rec.said);
    expect(a.said.length).toBeGreaterThanOrEqual(1);
    expect(a.responses.length).toBeGreaterThanOrEqual(1);
    expect(a.heard.some((seg) => seg.startMs >= a.said[0].endMs && seg.endMs - seg.startMs >= 1000)).toBe(true);
    await call.deleteRecordings();
    await expectClean(h, h.engine);
  });
});

import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { tone, ToneGenerator } from '../../engine/audio/tone.js';
import { rms } from '../../engine/audio/pcm.js';
import { AsServer, sleep, testPbx, traceDialplan, writeToneWav, type TestPbx } from '../core/testing.js';

const CALLER = 'test-caller';
const AI = 'asterisk-ai-voice-agent';
const UUID = '058847c2-0575-481c-afbe-41275af91236';

interface Sim {
  as: AsServer;
  t: TestPbx;
}

/** Each test gets its own AudioSocket server and PBX, so the tests can run concurrently. */
function withSim(body: (sim: Sim) => Promise<void>): () => Promise<void> {
  return async () => {
    const as = await AsServer.start();
    const t = testPbx(traceDialplan(as.address));
    t.pbx.registerApp(CALLER);
    t.pbx.registerApp(AI);
    try {
      await body({ as, t });
    } finally {
      await t.close();
      await as.close();
    }
  };
}

function stasisOrder(t: TestPbx): string[] {
  return t.events.lines((r) => ['ChannelHangupRequest', 'ChannelDestroyed', 'StasisEnd', 'ChannelVarset'].includes(r.event.type));
}

describe.concurrent('AudioSocket() dialplan app', () => {
  it('s1: a uniqueid that is not a UUID fails to parse, never connects, hangs up ~500 ms after Answer', withSim(async ({ as, t }) => {
    t.pbx.originate({ endpoint: 'Local/s@ai-voice-agent', app: CALLER, channelId: 's1-caller' });
    const start = performance.now();
    const answered = await t.events.waitFor((r) => r.event.type === 'ChannelStateChange' && r.event.channel.id === 's1-caller;2');
    const destroyed = await t.events.waitType('ChannelDestroyed', 's1-caller');
    expect(as.connections).toHaveLength(0);
    // s1: AudioSocket ran ~500 ms after Answer (the answer wait), the hangup followed at once.
    expect(destroyed.at - answered.at).toBeGreaterThan(400);
    expect(destroyed.at - start).toBeLessThan(1500);
    const dialplan = t.events.of('ChannelDialplan', 's1-caller;2').map((r) => (r.event.type === 'ChannelDialplan' ? r.event.dialplan_app_data : ''));
    expect(dialplan).toContain('s1-caller;2,' + as.address);
    // s1 order: ;2 {16 soft}, ;1 {0}, ;2 destroyed 0, ;1 StasisEnd, STASISSTATUS, destroyed 0.
    expect(stasisOrder(t).slice(-6)).toEqual([
      'ChannelHangupRequest s1-caller;2 cause=16 soft',
      'ChannelHangupRequest s1-caller cause=0',
      'ChannelDestroyed s1-caller;2 cause=0',
      'StasisEnd s1-caller',
      'ChannelVarset s1-caller STASISSTATUS=SUCCESS',
      'ChannelDestroyed s1-caller cause=0',
    ]);
    expect(t.events.of('StasisStart').map((r) => r.apps)).not.toContainEqual([AI]);
  }));

  it('s1: without ids the Local pair gets <epoch>.<n> and <epoch>.<n+1>', withSim(async ({ t }) => {
    const one = t.pbx.originate({ endpoint: 'Local/s@ai-voice-agent', app: CALLER });
    const m = /^(\d+)\.(\d+)$/.exec(one.id);
    expect(m).not.toBeNull();
    expect(one.name).toMatch(/^Local\/s@ai-voice-agent-[0-9a-f]{8};1$/);
    const created = await t.events.waitFor((r) => r.event.type === 'ChannelCreated' && r.event.channel.name.endsWith(';2'));
    expect(created.event.type === 'ChannelCreated' && created.event.channel.id).toBe(`${m![1]}.${Number(m![2]) + 1}`);
    t.pbx.hangup(one.id);
    await t.events.waitType('ChannelDestroyed', one.id);
  }));

  it('s2: UUID frame equals the uniqueid, caller audio as 320-byte 0x10 frames, DTMF as 0x03, 0x00 continues into Stasis', withSim(async ({ as, t }) => {
    writeToneWav(t.soundDir, 'ai-test-tone', 1000, 400);
    const uuid = '82c0fad4-bbe8-47a5-9736-470e787b0a1c';
    t.pbx.originate({ endpoint: 'Local/s@ai-voice-agent', app: CALLER, channelId: 's2-caller', otherChannelId: uuid });
    const conn = await as.nextConnection();
    await conn.until(() => conn.uuid !== undefined, 2000, 'UUID frame');
    expect(conn.uuid).toBe(uuid);
    t.pbx.play('s2-caller', { media: ['sound:ai-test-tone'], playbackId: 's2-pb' });
    await t.events.waitFor((r) => r.event.type === 'PlaybackFinished');
    await conn.until(() => conn.audio().length >= 20, 2000, 'audio frames');
    const audio = conn.audio();
    expect(audio.every((f) => f.kind === 0x10 && f.payload.length === 320)).toBe(true);
    t.pbx.sendDtmf('s2-caller', '12#', 40);
    await conn.until(() => conn.dtmf().length === 3, 2000, 'DTMF frames');
    expect(conn.dtmf()).toEqual(['1', '2', '#']);
    expect(t.events.of('ChannelDtmfReceived', uuid)).toHaveLength(3);
    // What the server writes is heard by the caller (recorded on ;1).
    t.pbx.record('s2-caller', { name: 's2-rec', format: 'wav', maxDurationSeconds: 1, ifExists: 'overwrite' });
    await t.events.waitType('RecordingStarted');
    for (let i = 0; i < 10; i++) conn.sendAudio(8000, tone(440, 20, 8000, 0.25));
    await sleep(60);
    conn.sendHangup();
    const start = await t.events.waitFor((r) => r.event.type === 'StasisStart' && r.apps.includes(AI));
    expect(start.event.type === 'StasisStart' && start.event.channel.id).toBe(uuid);
    await conn.closed;
    expect(conn.ended).toBe(true);
    expect(t.pbx.getVariable(uuid, 'UNIQUEID')).toBe(uuid);
  }));

  it('s3: originate variables reach ;2; the server closing (no 0x00) also continues into Stasis', withSim(async ({ as, t }) => {
    t.pbx.originate({ endpoint: 'Local/uuid@ai-voice-agent', app: CALLER, channelId: 's3-caller', otherChannelId: 's3-agent', variables: { AUDIOSOCKET_UUID: UUID } });
    const conn = await as.nextConnection();
    await conn.until(() => conn.uuid !== undefined);
    expect(conn.uuid).toBe(UUID);
    const closedAt = performance.now();
    conn.socket.end();
    const start = await t.events.waitFor((r) => r.event.type === 'StasisStart' && r.apps.includes(AI));
    expect(start.at - closedAt).toBeLessThan(200);
    expect(t.pbx.getVariable('s3-agent', 'AUDIOSOCKET_UUID')).toBe(UUID);
    // s3: the ;1 variable is published before the app subscribes, the ;2 one after.
    const varsets = t.events.of('ChannelVarset').filter((r) => r.event.type === 'ChannelVarset' && r.event.variable === 'AUDIOSOCKET_UUID');
    expect(varsets.slice(0, 2).map((r) => [r.event.type === 'ChannelVarset' && r.event.channel?.id, r.apps])).toEqual([
      ['s3-caller', []],
      ['s3-agent', [CALLER]],
    ]);
    t.pbx.hangup('s3-agent');
    await t.events.waitType('ChannelDestroyed', 's3-caller');
    expect(stasisOrder(t).slice(-9)).toEqual([
      'ChannelHangupRequest s3-agent cause=32 soft',
      'StasisEnd s3-agent',
      'ChannelVarset s3-agent STASISSTATUS=SUCCESS',
      'ChannelHangupRequest s3-agent cause=16 soft',
      'ChannelHangupRequest s3-caller cause=16',
      'ChannelDestroyed s3-agent cause=16',
      'StasisEnd s3-caller',
      'ChannelVarset s3-caller STASISSTATUS=SUCCESS',
      'ChannelDestroyed s3-caller cause=16',
    ]);
  }));

  it('s4: hanging up the caller closes the socket with a FIN, no 0x00 frame', withSim(async ({ as, t }) => {
    t.pbx.originate({ endpoint: 'Local/uuid@ai-voice-agent', app: CALLER, channelId: 's4-caller', otherChannelId: 's4-agent' });
    const conn = await as.nextConnection();
    await conn.until(() => conn.uuid !== undefined);
    const hungAt = performance.now();
    t.pbx.hangup('s4-caller');
    await conn.closed;
    expect(conn.ended).toBe(true);
    expect(conn.hadError).toBe(false);
    expect(conn.frames.some((f) => f.frame.type === 'hangup')).toBe(false);
    expect(conn.closedAt! - hungAt).toBeLessThan(100);
    await t.events.waitType('ChannelDestroyed', 's4-agent');
    expect(stasisOrder(t).slice(-7)).toEqual([
      'ChannelHangupRequest s4-caller cause=32 soft',
      'StasisEnd s4-caller',
      'ChannelVarset s4-caller STASISSTATUS=SUCCESS',
      'ChannelHangupRequest s4-agent cause=16',
      'ChannelDestroyed s4-caller cause=16',
      'ChannelHangupRequest s4-agent cause=16 soft',
      'ChannelDestroyed s4-agent cause=16',
    ]);
  }));

  it('s5: 2 s without frames either way ends the app: FIN, hangup, no Stasis', withSim(async ({ as, t }) => {
    t.pbx.originate({ endpoint: 'Local/uuid@ai-voice-agent', app: CALLER, channelId: 's5-caller', otherChannelId: 's5-agent' });
    const conn = await as.nextConnection();
    await conn.until(() => conn.uuid !== undefined);
    await conn.closed;
    const open = conn.closedAt! - conn.openedAt;
    expect(open).toBeGreaterThan(1900);
    expect(open).toBeLessThan(2600);
    expect(conn.hadError).toBe(false);
    await t.events.waitType('ChannelDestroyed', 's5-caller');
    expect(t.events.of('StasisStart', 's5-agent')).toHaveLength(0);
    expect(stasisOrder(t).slice(-3)).toEqual([
      'StasisEnd s5-caller',
      'ChannelVarset s5-caller STASISSTATUS=SUCCESS',
      'ChannelDestroyed s5-caller cause=0',
    ]);
  }), 6000);

  it('s5 (contrast): frames flowing from the server keep the app alive past 2 s', withSim(async ({ as, t }) => {
    t.pbx.originate({ endpoint: 'Local/uuid@ai-voice-agent', app: CALLER, channelId: 'k-caller', otherChannelId: 'k-agent' });
    const conn = await as.nextConnection();
    const timer = setInterval(() => conn.sendAudio(8000, Buffer.alloc(320)), 20);
    await sleep(2600);
    clearInterval(timer);
    expect(conn.closedAt).toBeUndefined();
    expect(t.pbx.getChannel('k-agent').dialplan.app_name).toBe('AudioSocket');
  }), 6000);

  it('s10: a 0xff frame from the server is an error: connection reset, channel hung up, no Stasis', withSim(async ({ as, t }) => {
    t.pbx.originate({ endpoint: 'Local/uuid@ai-voice-agent', app: CALLER, channelId: 's10-caller', otherChannelId: 's10-agent' });
    const conn = await as.nextConnection();
    await conn.until(() => conn.uuid !== undefined);
    conn.socket.write(Buffer.from('ff000101', 'hex'));
    await conn.closed;
    expect(conn.hadError).toBe(true); // ECONNRESET on the server side
    await t.events.waitType('ChannelDestroyed', 's10-caller');
    expect(t.events.of('StasisStart', 's10-agent')).toHaveLength(0);
    expect(stasisOrder(t).slice(-6)).toEqual([
      'ChannelHangupRequest s10-agent cause=16 soft',
      'ChannelHangupRequest s10-caller cause=0',
      'ChannelDestroyed s10-agent cause=0',
      'StasisEnd s10-caller',
      'ChannelVarset s10-caller STASISSTATUS=SUCCESS',
      'ChannelDestroyed s10-caller cause=0',
    ]);
    expect(t.pbx.listChannels()).toEqual([]);
  }));

  it('s11: a burst of frames written by the server is delivered at once on a Local channel', withSim(async ({ as, t }) => {
    t.pbx.originate({ endpoint: 'Local/uuid@ai-voice-agent', app: CALLER, channelId: 's11-caller', otherChannelId: 's11-agent', formats: 'slin' });
    const conn = await as.nextConnection();
    await conn.until(() => conn.uuid !== undefined);
    t.pbx.record('s11-caller', { name: 's11-rec', format: 'wav', ifExists: 'overwrite' });
    await t.events.waitType('RecordingStarted');
    const burst = Buffer.concat(Array.from({ length: 150 }, () => Buffer.from(encodeFrame(tone(440, 20, 8000, 0.25)))));
    const sentAt = performance.now();
    conn.socket.write(burst);
    await sleep(150);
    t.pbx.stopLiveRecording('s11-rec');
    const finished = await t.events.waitType('RecordingFinished');
    // 3 s of audio recorded in well under a second of wall time: no pacing on the Local path.
    expect(finished.at - sentAt).toBeLessThan(1000);
    expect(finished.event.type === 'RecordingFinished' && finished.event.recording.duration).toBe(3);
  }));

  it('s13: connection refused: hangup ~10 ms later, no Stasis', withSim(async ({ t }) => {
    t.pbx.originate({
      endpoint: 'Local/uuid@ai-voice-agent',
      app: CALLER,
      channelId: 's13-caller',
      otherChannelId: 's13-agent',
      variables: { AUDIOSOCKET_SERVER: '127.0.0.1:1' },
    });
    const step = await t.events.waitFor((r) => r.event.type === 'ChannelDialplan' && r.event.dialplan_app === 'AudioSocket');
    expect(step.event.type === 'ChannelDialplan' && step.event.dialplan_app_data).toMatch(/,127\.0\.0\.1:1$/);
    const hangup = await t.events.waitFor((r) => r.event.type === 'ChannelHangupRequest' && r.event.channel.id === 's13-agent');
    expect(hangup.at - step.at).toBeGreaterThanOrEqual(8);
    expect(hangup.at - step.at).toBeLessThan(200);
    await t.events.waitType('ChannelDestroyed', 's13-caller');
    expect(t.events.of('StasisStart', 's13-agent')).toHaveLength(0);
  }));

  it('s14: without formats the server audio arrives 6 dB down through the Local pair; with formats=slin exactly', withSim(async ({ as, t }) => {
    const levels: number[] = [];
    for (const formats of [undefined, 'slin']) {
      const id = `s14-${formats ?? 'default'}`;
      t.pbx.originate({ endpoint: 'Local/uuid@ai-voice-agent', app: CALLER, channelId: id, otherChannelId: `${id}-b`, formats });
      const conn = await as.nextConnection();
      await conn.until(() => conn.uuid !== undefined);
      // Record what the caller half hears while the server sends 440 Hz at amplitude 8000.
      t.pbx.record(id, { name: `${id}-rec`, format: 'sln', ifExists: 'overwrite' });
      await t.events.waitFor((r) => r.event.type === 'RecordingStarted' && r.event.recording.name === `${id}-rec`);
      const gen = new ToneGenerator(440, 8000, 8000 / 32767);
      for (let i = 0; i < 10; i++) conn.sendAudio(8000, gen.next(20));
      await sleep(100);
      t.pbx.stopLiveRecording(`${id}-rec`);
      await t.events.waitFor((r) => r.event.type === 'RecordingFinished' && r.event.recording.name === `${id}-rec`);
      levels.push(rms(readFileSync(t.pbx.storedRecordingFile(`${id}-rec`).path)));
      t.pbx.hangup(id);
      await t.events.waitType('ChannelDestroyed', id);
    }
    // s14: 5657 RMS sent; default Local 2827, formats=slin 5657.
    expect(levels[0]).toBeGreaterThan(2700);
    expect(levels[0]).toBeLessThan(2950);
    expect(levels[1]).toBeGreaterThan(5500);
    expect(levels[1]).toBeLessThan(5800);
  }));
});

function encodeFrame(pcm: Buffer): Buffer {
  const b = Buffer.alloc(3 + pcm.length);
  b[0] = 0x10;
  b.writeUInt16BE(pcm.length, 1);
  pcm.copy(b, 3);
  return b;
}

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { rms } from '../../engine/audio/pcm.js';
import { dominantFrequency, ToneGenerator } from '../../engine/audio/tone.js';
import { parseWav } from '../../engine/audio/wav.js';
import { AriError, type ExternalMediaParams } from './api.js';
import { AsServer, sleep, testPbx, traceDialplan, writeToneWav, type TestPbx } from './testing.js';

const AI = 'asterisk-ai-voice-agent';
const UUID = '62aefd5a-9ac4-4827-94e2-82fea43523ae';

function withSim(body: (as: AsServer, t: TestPbx) => Promise<void>): () => Promise<void> {
  return async () => {
    const as = await AsServer.start();
    const t = testPbx(traceDialplan(as.address));
    t.pbx.registerApp(AI);
    try {
      await body(as, t);
    } finally {
      await t.close();
      await as.close();
    }
  };
}

function params(as: AsServer, extra: Partial<ExternalMediaParams> = {}): ExternalMediaParams {
  return { app: AI, channelId: 'ext', external_host: as.address, encapsulation: 'audiosocket', transport: 'tcp', format: 'slin16', data: UUID, ...extra };
}

describe.concurrent('externalMedia AudioSocket channels', () => {
  it(
    's9: name, channelvars, StasisStart args=[uuid], 0x12 640-byte frames, bridged caller hears the server, DELETE gives a FIN only',
    withSim(async (as, t) => {
      writeToneWav(t.soundDir, 'ai-test-tone', 1000, 300);
      t.pbx.originate({ endpoint: 'Local/s@caller', app: AI, channelId: 'agent', otherChannelId: 'caller' });
      await t.events.waitType('StasisStart', 'agent');
      const ext = t.pbx.externalMedia(params(as));
      expect(ext.name).toBe(`AudioSocket/${as.address}-${UUID}`);
      expect(ext.state).toBe('Down');
      expect(ext.channelvars).toEqual({ AUDIOSOCKET_SERVICE: as.address, AUDIOSOCKET_UUID: UUID });
      expect(Object.keys(ext.channelvars!)).toEqual(['AUDIOSOCKET_SERVICE', 'AUDIOSOCKET_UUID']);
      const conn = await as.nextConnection();
      await conn.until(() => conn.uuid === UUID, 2000, 'UUID frame');
      const start = await t.events.waitType('StasisStart', 'ext');
      expect(start.event.type === 'StasisStart' && start.event.args).toEqual([UUID]);
      expect(start.event.type === 'StasisStart' && start.event.channel.dialplan).toMatchObject({ app_name: 'Stasis', app_data: `${AI},${UUID}` });
      expect(t.events.lines().filter((l) => l.includes(' ext')).slice(0, 10)).toEqual([
        'ChannelCreated ext',
        'ChannelVarset ext AUDIOSOCKET_UUID=' + UUID,
        'ChannelVarset ext AUDIOSOCKET_SERVICE=' + as.address,
        'ChannelDialplan ext AppDial2',
        'Dial ext ',
        'ChannelStateChange ext Up',
        'Dial ext ANSWER',
        'ChannelVarset ext STASISSTATUS=',
        'StasisStart ext',
      ].slice(0, 9));
      const bridge = t.pbx.createBridge({ type: 'mixing', bridgeId: 'br' });
      expect(bridge).toMatchObject({ technology: 'simple_bridge', bridge_type: 'mixing', bridge_class: 'stasis', creator: 'Stasis', video_mode: 'talker', channels: [] });
      t.pbx.addChannel('br', ['agent', 'ext']);
      expect(t.events.lines().slice(-4)).toEqual([
        'ChannelEnteredBridge agent',
        'ChannelEnteredBridge ext',
        `ChannelVarset agent BRIDGEPEER=AudioSocket/${as.address}-${UUID}`,
        'ChannelVarset ext BRIDGEPEER=Local/s@caller-00000000;1',
      ]);
      expect(t.events.of('BridgeCreated')[0].apps).toEqual([]);
      // The caller's tone (1 kHz) reaches the socket as slin16.
      await conn.until(() => conn.audio().length >= 5, 3000, 'audio from the caller');
      const first = conn.audio()[0];
      expect([first.kind, first.payload.length]).toEqual([0x12, 640]);
      expect(dominantFrequency(conn.audio()[3].payload, 16000)).toBeCloseTo(1000, -1);
      // The server's 440 Hz at 16 kHz reaches the caller at its level (s9: 5654 of 5657).
      const gen = new ToneGenerator(440, 16000, 8000 / 32767);
      for (let i = 0; i < 40; i++) {
        conn.sendAudio(16000, gen.next(20));
        await sleep(20);
      }
      t.pbx.hangup('ext');
      await conn.closed;
      expect(conn.ended).toBe(true);
      expect(conn.hadError).toBe(false);
      expect(conn.frames.some((f) => f.frame.type === 'hangup')).toBe(false);
      await t.events.waitType('ChannelDestroyed', 'ext');
      expect(t.events.lines().filter((l) => l.includes(' ext')).slice(-6)).toEqual([
        'ChannelHangupRequest ext cause=32 soft',
        'ChannelVarset ext BRIDGEPEER=',
        'ChannelLeftBridge ext',
        'StasisEnd ext',
        'ChannelVarset ext STASISSTATUS=SUCCESS',
        'ChannelDestroyed ext cause=16',
      ]);
      t.pbx.hangup('agent');
      await t.events.waitType('ChannelDestroyed', 'caller');
      t.pbx.destroyBridge('br');
      expect(t.events.lines().at(-1)).toBe('BridgeDestroyed br');
      await sleep(50);
      const heard = parseWav(readFileSync(join(t.spoolDir, 'monitor', 'caller-caller-heard.wav')));
      expect(heard.rate).toBe(8000);
      const tail = heard.pcm.subarray(heard.pcm.length - 8000);
      expect(dominantFrequency(tail, 8000)).toBeCloseTo(440, -1);
      expect(rms(tail)).toBeGreaterThan(5300);
      expect(rms(tail)).toBeLessThan(5900);
    }),
  );

  it(
    'the server closing or sending 0x00 hangs the channel up (StasisEnd, ChannelDestroyed)',
    withSim(async (as, t) => {
      t.pbx.externalMedia(params(as, { format: 'slin' }));
      const conn = await as.nextConnection();
      await t.events.waitType('StasisStart', 'ext');
      conn.sendHangup();
      await t.events.waitType('ChannelDestroyed', 'ext');
      expect(t.events.lines().slice(-3)).toEqual(['StasisEnd ext', 'ChannelVarset ext STASISSTATUS=SUCCESS', 'ChannelDestroyed ext cause=0']);
      t.pbx.externalMedia(params(as, { channelId: 'ext2' }));
      const conn2 = await as.nextConnection();
      await t.events.waitType('StasisStart', 'ext2');
      conn2.socket.end();
      await t.events.waitType('ChannelDestroyed', 'ext2');
    }),
  );

  it(
    'slin: frames are 0x10, 320 bytes; writes to the channel are converted to the socket format',
    withSim(async (as, t) => {
      t.pbx.originate({ endpoint: 'Local/tone@caller', app: AI, channelId: 'agent', formats: 'slin16' });
      await t.events.waitType('StasisStart', 'agent');
      t.pbx.externalMedia(params(as, { format: 'slin' }));
      const conn = await as.nextConnection();
      await t.events.waitType('StasisStart', 'ext');
      t.pbx.createBridge({ bridgeId: 'b' });
      t.pbx.addChannel('b', ['agent', 'ext']);
      await conn.until(() => conn.audio().length >= 5, 2000, 'milliwatt audio');
      expect(conn.audio().every((f) => f.kind === 0x10 && f.payload.length === 320)).toBe(true);
      expect(dominantFrequency(conn.audio()[4].payload, 8000)).toBeCloseTo(1004, -1);
    }),
  );

  it(
    'a refused connect: externalMediaAsync rejects with 500, the channel is gone',
    withSim(async (as, t) => {
      t.pbx.faults!.refuseAudioSocketConnects(true);
      await expect(t.pbx.externalMediaAsync!(params(as))).rejects.toMatchObject({ status: 500 });
      await t.events.waitType('ChannelDestroyed', 'ext');
      expect(t.pbx.listChannels()).toEqual([]);
      expect(as.connections).toHaveLength(0);
      t.pbx.faults!.clear();
      const ch = await t.pbx.externalMediaAsync!(params(as, { channelId: 'ok' }));
      expect(ch.id).toBe('ok');
    }),
  );

  it(
    'validation with Asterisk messages',
    withSim(async (as, t) => {
      const err = (p: Partial<ExternalMediaParams>): unknown => {
        try {
          t.pbx.externalMedia(params(as, p));
        } catch (e) {
          return e instanceof AriError ? [e.status, e.message] : e;
        }
        return 'no error';
      };
      expect(err({ app: '' })).toEqual([400, 'app cannot be empty']);
      expect(err({ transport: 'udp' })).toEqual([400, "transport must be 'tcp' for audiosocket encapsulation"]);
      expect(err({ external_host: 'nohost' })).toEqual([400, 'external_host must be <host>:<port> for all transports other than websocket']);
      expect(err({ format: '' })).toEqual([400, 'format cannot be empty']);
      expect(err({ data: '' })).toEqual([400, 'data can not be empty']);
      expect(err({ format: 'bogus' })).toEqual([400, 'Provided format (bogus) was not found']);
      expect(err({ data: 'not-a-uuid' })).toEqual([500, 'An internal error prevented this request from being handled']);
    }),
  );
});

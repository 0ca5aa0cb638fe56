import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { rms } from '../../engine/audio/pcm.js';
import { goertzelDbfs, ToneGenerator } from '../../engine/audio/tone.js';
import { parseWav } from '../../engine/audio/wav.js';
import { AriError } from './api.js';
import { AsServer, sleep, testPbx, traceDialplan, writeToneWav, type AsConnection, type TestPbx } from './testing.js';

const AI = 'asterisk-ai-voice-agent';
const SNOOP_UUID = 'b4fa9266-000b-4ba5-8444-48d22367512a';

function withSim(body: (as: AsServer, t: TestPbx) => Promise<void>): () => Promise<void> {
  return async () => {
    const as = await AsServer.start();
    const t = testPbx(traceDialplan(as.address));
    t.pbx.registerApp(AI);
    writeToneWav(t.soundDir, 'ai-test-tone', 1000, 200);
    try {
      await body(as, t);
    } finally {
      await t.close();
      await as.close();
    }
  };
}

/** The server side: 440 Hz at amplitude 8000 (RMS 5657), paced at 20 ms, as in s6/s12. */
function send440(conn: AsConnection): () => void {
  const gen = new ToneGenerator(440, 8000, 8000 / 32767);
  const timer = setInterval(() => conn.sendAudio(8000, gen.next(20)), 20);
  return () => clearInterval(timer);
}

/** 20 ms blocks of a WAV file that carry 440 Hz. */
function blocksWith440(pcm: Buffer): Buffer[] {
  const blocks: Buffer[] = [];
  for (let at = 0; at + 320 <= pcm.length; at += 320) {
    const b = pcm.subarray(at, at + 320);
    if (goertzelDbfs(b, 8000, 440) > -40) blocks.push(b);
  }
  return blocks;
}

async function snoopToSocket(as: AsServer, t: TestPbx, spy: 'both' | 'in', whisper?: 'out'): Promise<{ conn: AsConnection; continuedAt: number }> {
  t.pbx.originate({ endpoint: 'Local/s@caller', app: AI, channelId: 'agent', otherChannelId: 'caller' });
  await t.events.waitType('StasisStart', 'agent');
  const snoop = t.pbx.snoop('agent', { spy, whisper, app: AI, snoopId: 'snoop' });
  expect(snoop).toMatchObject({ id: 'snoop', name: 'Snoop/agent-00000000', state: 'Up' });
  expect(snoop.dialplan).toEqual({ context: 'default', exten: 's', priority: 1, app_name: '', app_data: '' });
  await t.events.waitType('StasisStart', 'snoop');
  t.pbx.setVariable('snoop', 'AUDIOSOCKET_UUID', SNOOP_UUID);
  const continuedAt = performance.now();
  t.pbx.continueInDialplan('snoop', { context: 'audiosocket-snoop', extension: 's', priority: 1 });
  const conn = await as.nextConnection();
  await conn.until(() => conn.uuid !== undefined);
  return { conn, continuedAt };
}

describe.concurrent('snoop channels', () => {
  it(
    's6: continue into AudioSocket: StasisEnd at once, connect within ms, continuous 320-byte frames including silence',
    withSim(async (as, t) => {
      const { conn, continuedAt } = await snoopToSocket(as, t, 'both');
      expect(conn.uuid).toBe(SNOOP_UUID);
      const end = t.events.of('StasisEnd', 'snoop')[0];
      expect(end.at - continuedAt).toBeLessThan(5);
      expect(conn.openedAt - continuedAt).toBeLessThan(50);
      // The snoop's StasisStart args and its later dialplan reach only the firehose.
      expect(t.events.of('ChannelDialplan', 'snoop').every((r) => r.apps.length === 0)).toBe(true);
      await sleep(300);
      const audio = conn.audio();
      expect(audio.length).toBeGreaterThan(10);
      expect(audio.every((f) => f.kind === 0x10 && f.payload.length === 320)).toBe(true);
      expect(audio.some((f) => rms(f.payload) === 0)).toBe(true); // silence is sent too
      const gaps = audio.slice(1).map((f, i) => f.at - audio[i].at);
      expect(Math.max(...gaps)).toBeLessThan(60);
      t.pbx.hangup('agent');
      await conn.closed;
      expect(conn.frames.some((f) => f.frame.type === 'hangup')).toBe(false);
      const destroyed = await t.events.waitType('ChannelDestroyed', 'snoop');
      expect(destroyed.event.type === 'ChannelDestroyed' && destroyed.event.cause).toBe(0);
      expect(t.events.of('ChannelVarset', 'snoop').map((r) => r.event.type === 'ChannelVarset' && `${r.event.variable}=${r.event.value}`)).toEqual([
        'STASISSTATUS=',
        `AUDIOSOCKET_UUID=${SNOOP_UUID}`,
        'STASISSTATUS=SUCCESS',
      ]);
      expect(t.pbx.listChannels()).toEqual([]);
    }),
  );

  it(
    's6: audio written into a spy-only snoop is discarded: the caller never hears it',
    withSim(async (as, t) => {
      const { conn } = await snoopToSocket(as, t, 'both');
      const stop = send440(conn);
      await t.events.waitFor((r) => r.event.type === 'ChannelDialplan' && r.event.dialplan_app === 'Echo', 3000);
      await sleep(300);
      stop();
      t.pbx.hangup('agent');
      await t.events.waitType('ChannelDestroyed', 'caller');
      await sleep(50);
      const heard = parseWav(readFileSync(join(t.spoolDir, 'monitor', 'caller-caller-heard.wav')));
      expect(blocksWith440(heard.pcm)).toHaveLength(0);
    }),
  );

  it(
    's12: whispered audio reaches the caller only while the agent channel writes, 12 dB down',
    withSim(async (as, t) => {
      const { conn } = await snoopToSocket(as, t, 'in', 'out');
      await t.events.waitFor((r) => r.event.type === 'ChannelDialplan' && r.event.dialplan_app === 'Echo', 3000);
      const stop = send440(conn);
      await sleep(400); // phase A: the agent writes nothing
      t.pbx.play('agent', { media: ['sound:ai-silence'], playbackId: 'pb' }); // phase B
      await sleep(500);
      t.pbx.stopPlayback('pb');
      await t.events.waitType('PlaybackFinished');
      stop();
      t.pbx.hangup('agent');
      await t.events.waitType('ChannelDestroyed', 'caller');
      await sleep(50);
      const heard = parseWav(readFileSync(join(t.spoolDir, 'monitor', 'caller-caller-heard.wav')));
      const blocks = blocksWith440(heard.pcm);
      // Only phase B (~500 ms = ~25 blocks) is heard, not phase A's 400 ms.
      expect(blocks.length).toBeGreaterThan(15);
      expect(blocks.length).toBeLessThan(32);
      // s12: 5657 RMS sent, 1412 heard.
      const level = rms(Buffer.concat(blocks.slice(2, -2)));
      expect(level).toBeGreaterThan(1250);
      expect(level).toBeLessThan(1550);
    }),
  );

  it(
    's12: a snoop whose dialplan ended lingers; at the target\'s hangup the peer goes, then the snoop, then the target',
    withSim(async (as, t) => {
      const { conn } = await snoopToSocket(as, t, 'in', 'out');
      conn.socket.end();
      await t.events.waitFor((r) => r.event.type === 'ChannelDialplan' && r.event.channel.id === 'snoop' && r.event.dialplan_app === 'Hangup');
      await sleep(20);
      expect(t.pbx.listChannels().map((c) => c.id)).toContain('snoop');
      t.pbx.hangup('agent');
      await t.events.waitType('ChannelDestroyed', 'agent');
      expect(t.events.lines((r) => r.event.type === 'ChannelDestroyed')).toEqual([
        'ChannelDestroyed caller cause=16',
        'ChannelDestroyed snoop cause=16',
        'ChannelDestroyed agent cause=16',
      ]);
    }),
  );

  it(
    'snoop errors with Asterisk messages',
    withSim(async (_as, t) => {
      const err = (fn: () => unknown): unknown => {
        try {
          fn();
        } catch (e) {
          return e instanceof AriError ? [e.status, e.message] : e;
        }
        return 'no error';
      };
      expect(err(() => t.pbx.snoop('nope', { spy: 'both', app: AI }))).toEqual([404, 'Provided channel was not found']);
      expect(err(() => t.pbx.snoop('nope', { app: AI }))).toEqual([400, 'Direction must be specified for at least spy or whisper']);
      expect(err(() => t.pbx.snoop('nope', { spy: 'sideways' as 'in', app: AI }))).toEqual([400, 'Invalid direction specified for spy']);
      expect(err(() => t.pbx.snoop('nope', { spy: 'in', app: '' }))).toEqual([400, 'Application name is required']);
    }),
  );
});

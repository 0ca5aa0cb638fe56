/**
 * Replays two recorded scenarios against the model and compares, event by event, what each app
 * received (fixtures/traces/*.jsonl, src ari-ws:*) with what the model routes to that app: type,
 * channel id/name/state/dialplan, variables, causes, args, dial status. Ids, channel sequence
 * numbers and the AudioSocket server address are mapped; timestamps are not compared.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ToneGenerator } from '../../engine/audio/tone.js';
import { AsServer, sleep, testPbx, traceDialplan, writeToneWav } from './testing.js';

const TRACES = fileURLToPath(new URL('../../fixtures/traces/', import.meta.url));

type Json = Record<string, unknown>;

function traceEvents(name: string, src: string): Json[] {
  return readFileSync(`${TRACES}${name}.jsonl`, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Json)
    .filter((o) => o.src === src)
    .map((o) => o.event as Json);
}

function normalize(e: Json, map: (s: string) => string): string {
  const ch = (c: unknown): unknown => {
    if (!c) return undefined;
    const x = c as Json;
    return { id: map(String(x.id)), name: map(String(x.name)), state: x.state, dialplan: JSON.parse(map(JSON.stringify(x.dialplan))) };
  };
  const keep: Json = { type: e.type, channel: ch(e.channel), peer: ch(e.peer) };
  for (const k of ['variable', 'value', 'cause', 'soft', 'args', 'dialstatus', 'dialstring', 'dialplan_app', 'dialplan_app_data', 'digit']) {
    if (k in e) keep[k] = typeof e[k] === 'string' ? map(e[k] as string) : e[k];
  }
  if (e.bridge) keep.bridge = map(JSON.stringify((e.bridge as Json).channels));
  return JSON.stringify(keep);
}

describe('trace replay', () => {
  it('s3: the events test-caller and asterisk-ai-voice-agent received, one for one', async () => {
    const as = await AsServer.start();
    const t = testPbx(traceDialplan(as.address));
    t.pbx.registerApp('test-caller');
    t.pbx.registerApp('asterisk-ai-voice-agent');
    const uuid = '058847c2-0575-481c-afbe-41275af91236';
    try {
      t.pbx.originate({
        endpoint: 'Local/uuid@ai-voice-agent',
        app: 'test-caller',
        channelId: 's3-caller-mwx8tpbc',
        otherChannelId: 's3-agent-mwx8tpbc',
        timeout: 10,
        variables: { AUDIOSOCKET_UUID: uuid },
      });
      const conn = await as.nextConnection();
      await conn.until(() => conn.uuid === uuid);
      const gen = new ToneGenerator(440, 8000, 0.25);
      for (let i = 0; i < 5; i++) {
        conn.sendAudio(8000, gen.next(20));
        await sleep(20);
      }
      conn.socket.end();
      await t.events.waitFor((r) => r.event.type === 'StasisStart' && r.apps.includes('asterisk-ai-voice-agent'));
      expect(t.pbx.getVariable('s3-agent-mwx8tpbc', 'AUDIOSOCKET_UUID')).toBe(uuid);
      t.pbx.hangup('s3-agent-mwx8tpbc');
      await t.events.waitType('ChannelDestroyed', 's3-caller-mwx8tpbc');
      const map = (s: string): string => s.replaceAll(as.address, '127.0.0.1:8090').replaceAll('-00000000;', '-00000003;');
      for (const [src, app] of [
        ['ari-ws:caller', 'test-caller'],
        ['ari-ws:ai', 'asterisk-ai-voice-agent'],
      ] as const) {
        const want = traceEvents('s3-uuidvar-serverclose', src).map((e) => normalize(e, (s) => s));
        const got = t.events.events.filter((r) => r.apps.includes(app)).map((r) => normalize(r.event as unknown as Json, map));
        // One race in real Asterisk: ;2's ChannelStateChange Up comes before ;1's in s1, s2, s6,
        // s7, s9, s12 (the model's order) and after ;1's StasisStart in s3. Same events, same count.
        expect([...got].sort()).toEqual([...want].sort());
        const withoutRace = (list: string[]): string[] => list.filter((e) => !(e.includes('"ChannelStateChange"') && e.includes(';2"')));
        expect(withoutRace(got)).toEqual(withoutRace(want));
      }
    } finally {
      await t.close();
      await as.close();
    }
  });

  it('s9: the events asterisk-ai-voice-agent received, in order', async () => {
    const as = await AsServer.start();
    const t = testPbx(traceDialplan(as.address));
    t.pbx.registerApp('asterisk-ai-voice-agent');
    const uuid = '62aefd5a-9ac4-4827-94e2-82fea43523ae';
    try {
      t.pbx.originate({ endpoint: 'Local/s@caller', app: 'asterisk-ai-voice-agent', channelId: 's9-agent-mwx8usrt', otherChannelId: 's9-caller-mwx8usrt', timeout: 10 });
      await t.events.waitType('StasisStart', 's9-agent-mwx8usrt');
      await t.pbx.externalMediaAsync!({
        app: 'asterisk-ai-voice-agent',
        channelId: 's9-ext-mwx8usrt',
        external_host: as.address,
        encapsulation: 'audiosocket',
        transport: 'tcp',
        format: 'slin16',
        data: uuid,
      });
      await t.events.waitType('StasisStart', 's9-ext-mwx8usrt');
      t.pbx.createBridge({ type: 'mixing', bridgeId: 's9-br-mwx8usrt' });
      t.pbx.addChannel('s9-br-mwx8usrt', ['s9-agent-mwx8usrt', 's9-ext-mwx8usrt']);
      await t.events.waitFor((r) => r.event.type === 'ChannelDialplan' && r.event.dialplan_app === 'Echo', 5000);
      t.pbx.hangup('s9-ext-mwx8usrt');
      await t.events.waitType('ChannelDestroyed', 's9-ext-mwx8usrt');
      t.pbx.hangup('s9-agent-mwx8usrt');
      await t.events.waitType('ChannelDestroyed', 's9-caller-mwx8usrt');
      t.pbx.destroyBridge('s9-br-mwx8usrt');
      const map = (s: string): string => s.replaceAll(as.address, '127.0.0.1:8090').replaceAll('-00000000;', '-00000009;');
      const want = traceEvents('s9-externalmedia-audiosocket', 'ari-ws:ai').map((e) => normalize(e, (s) => s));
      const got = t.events.events.filter((r) => r.apps.includes('asterisk-ai-voice-agent')).map((r) => normalize(r.event as unknown as Json, map));
      expect(got).toEqual(want);
    } finally {
      await t.close();
      await as.close();
    }
  }, 10_000);

  it('s1 (channelId variant): the events test-caller received, in order', async () => {
    const t = testPbx(traceDialplan('127.0.0.1:8090'));
    t.pbx.registerApp('test-caller');
    try {
      t.pbx.originate({ endpoint: 'Local/s@ai-voice-agent', app: 'test-caller', channelId: 's1-caller-mwx8teg5', timeout: 10 });
      await t.events.waitType('ChannelDestroyed', 's1-caller-mwx8teg5');
      const all = traceEvents('s1-uniqueid-literal', 'ari-ws:caller');
      const variantB = all.slice(all.findIndex((e) => JSON.stringify(e).includes('s1-caller-mwx8teg5')));
      const want = variantB.map((e) => normalize(e, (x) => x));
      const map = (x: string): string => x.replaceAll('-00000000;', '-00000001;');
      const got = t.events.events.filter((r) => r.apps.includes('test-caller')).map((r) => normalize(r.event as unknown as Json, map));
      expect(got).toEqual(want);
    } finally {
      await t.close();
    }
  });

  it('s6: snoop, continue into AudioSocket, playback stop, hangup: what asterisk-ai-voice-agent received, in order', async () => {
    const as = await AsServer.start();
    const t = testPbx(traceDialplan(as.address));
    t.pbx.registerApp('asterisk-ai-voice-agent');
    writeToneWav(t.soundDir, 'ai-test-tone', 1000, 200);
    writeToneWav(t.soundDir, 'ai-test-long', 800, 3000);
    const AI = 'asterisk-ai-voice-agent';
    try {
      t.pbx.originate({ endpoint: 'Local/s@caller', app: AI, channelId: 's6-agent-mwx8tz93', otherChannelId: 's6-caller-mwx8tz93', timeout: 10 });
      await t.events.waitType('StasisStart', 's6-agent-mwx8tz93');
      t.pbx.snoop('s6-agent-mwx8tz93', { spy: 'both', app: AI, snoopId: 's6-snoop-mwx8tz93' });
      await t.events.waitType('StasisStart', 's6-snoop-mwx8tz93');
      t.pbx.setVariable('s6-snoop-mwx8tz93', 'AUDIOSOCKET_UUID', 'b4fa9266-000b-4ba5-8444-48d22367512a');
      t.pbx.continueInDialplan('s6-snoop-mwx8tz93', { context: 'audiosocket-snoop', extension: 's', priority: 1 });
      await as.nextConnection();
      await t.events.waitFor((r) => r.event.type === 'ChannelDialplan' && r.event.dialplan_app === 'Echo', 3000);
      t.pbx.play('s6-agent-mwx8tz93', { media: ['sound:ai-test-long'], playbackId: 's6-pb-mwx8u172' });
      await t.events.waitType('PlaybackStarted');
      await sleep(100);
      t.pbx.stopPlayback('s6-pb-mwx8u172');
      await t.events.waitType('PlaybackFinished');
      t.pbx.hangup('s6-agent-mwx8tz93');
      await t.events.waitType('ChannelDestroyed', 's6-agent-mwx8tz93');
      await t.events.waitType('ChannelDestroyed', 's6-snoop-mwx8tz93');
      const map = (x: string): string => x.replaceAll(as.address, '127.0.0.1:8090').replaceAll('-00000000;', '-00000006;');
      const want = traceEvents('s6-snoop-continue', 'ari-ws:ai').map((e) => normalize(e, (x) => x));
      const got = t.events.events.filter((r) => r.apps.includes(AI)).map((r) => normalize(r.event as unknown as Json, map));
      expect(got).toEqual(want);
    } finally {
      await t.close();
      await as.close();
    }
  });
});

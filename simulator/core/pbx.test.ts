import { describe, expect, it } from 'vitest';
import { AriError } from './api.js';
import { testPbx, traceDialplan } from './testing.js';

describe('SimPbx', () => {
  it('GET /asterisk/info: Asterisk 22.10.1 with the configured entity id', async () => {
    const t = testPbx(traceDialplan('127.0.0.1:1'), { asteriskId: '02:fc:00:00:00:09' });
    try {
      const info = t.pbx.info();
      expect(info.system).toEqual({ version: '22.10.1', entity_id: '02:fc:00:00:00:09' });
      expect(info.config.default_language).toBe('en');
      expect(info.status.startup_time).toMatch(/\+0000$/);
      expect(t.pbx.asteriskId).toBe('02:fc:00:00:00:09');
    } finally {
      await t.close();
    }
  });

  it('modules: the AudioSocket, ARI and Stasis modules are loaded; others are 404', async () => {
    const t = testPbx(traceDialplan('127.0.0.1:1'));
    try {
      const names = t.pbx.listModules().map((m) => m.name);
      for (const m of ['app_audiosocket.so', 'chan_audiosocket.so', 'res_audiosocket.so', 'res_ari.so', 'res_stasis.so', 'res_stasis_snoop.so', 'app_mixmonitor.so']) {
        expect(names).toContain(m);
      }
      expect(t.pbx.getModule('app_audiosocket.so')).toEqual({
        name: 'app_audiosocket.so',
        description: 'AudioSocket Application',
        use_count: 0,
        status: 'Running',
        support_level: 'extended',
      });
      expect(t.pbx.getModule('res_ari').name).toBe('res_ari.so');
      expect(() => t.pbx.getModule('chan_pjsip.so')).toThrow(new AriError(404, 'Module could not be found in running modules'));
    } finally {
      await t.close();
    }
  });

  it('close() hangs everything up, stops every timer and is safe to call twice', async () => {
    const t = testPbx(traceDialplan('127.0.0.1:1'));
    t.pbx.registerApp('a');
    t.pbx.originate({ endpoint: 'Local/silent@caller', app: 'a', channelId: 'x' });
    await t.events.waitType('StasisStart', 'x');
    t.pbx.createBridge({ bridgeId: 'b' });
    t.pbx.addChannel('b', ['x']);
    t.pbx.play('x', { media: ['sound:ai-silence'] });
    await t.pbx.close();
    expect(t.pbx.stats).toEqual({ channels: 0, bridges: 0, playbacks: 0, timers: 0, links: 0 });
    expect(t.events.of('ChannelDestroyed').map((r) => r.event.type === 'ChannelDestroyed' && r.event.channel.id).sort()).toEqual(['x', 'x;2']);
    await t.close();
  });

  it('s2/s7/s9/s12: a DELETE returns before the hangup starts; the channel is still there until the next turn', async () => {
    const t = testPbx(traceDialplan('127.0.0.1:1'));
    try {
      t.pbx.registerApp('a');
      t.pbx.originate({ endpoint: 'Local/silent@caller', app: 'a', channelId: 'd' });
      await t.events.waitType('StasisStart', 'd');
      const before = t.events.events.length;
      t.pbx.hangup('d');
      expect(t.events.events.length).toBe(before);
      expect(t.pbx.getChannel('d').id).toBe('d');
      const request = await t.events.waitType('ChannelHangupRequest', 'd');
      expect(request.event.type === 'ChannelHangupRequest' && request.event.cause).toBe(32);
      await t.events.waitType('ChannelDestroyed', 'd');
      expect(() => t.pbx.getChannel('d')).toThrow(new AriError(404, 'Channel not found'));
    } finally {
      await t.close();
    }
  });

  it('s6/s12: continue returns before StasisEnd; the channel then runs the dialplan', async () => {
    const t = testPbx(traceDialplan('127.0.0.1:1'));
    try {
      t.pbx.registerApp('a');
      t.pbx.originate({ endpoint: 'Local/silent@caller', app: 'a', channelId: 'c' });
      await t.events.waitType('StasisStart', 'c');
      t.pbx.continueInDialplan('c', { context: 'caller', extension: 'silent', priority: 1 });
      expect(t.events.of('StasisEnd', 'c')).toEqual([]);
      await t.events.waitType('StasisEnd', 'c');
      await t.events.waitFor((r) => r.event.type === 'ChannelDialplan' && r.event.channel.id === 'c' && r.event.dialplan_app === 'NoOp');
    } finally {
      await t.close();
    }
  });
});

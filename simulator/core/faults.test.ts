import { describe, expect, it } from 'vitest';
import { AriError } from './api.js';
import { AsServer, testPbx, traceDialplan, type TestPbx } from './testing.js';

const CALLER = 'test-caller';
const AI = 'asterisk-ai-voice-agent';

function withSim(body: (as: AsServer, t: TestPbx) => Promise<void>): () => Promise<void> {
  return async () => {
    const as = await AsServer.start();
    const t = testPbx(traceDialplan(as.address));
    t.pbx.registerApp(CALLER);
    t.pbx.registerApp(AI);
    try {
      await body(as, t);
    } finally {
      await t.close();
      await as.close();
    }
  };
}

describe.concurrent('fault injection', () => {
  it(
    'refused connects: the AudioSocket app fails as in s13, nothing reaches the server',
    withSim(async (as, t) => {
      t.pbx.faults!.refuseAudioSocketConnects(true);
      t.pbx.originate({ endpoint: 'Local/uuid@ai-voice-agent', app: CALLER, channelId: 'c', otherChannelId: 'a' });
      await t.events.waitType('ChannelDestroyed', 'c');
      expect(as.connections).toHaveLength(0);
      expect(t.events.of('StasisStart', 'a')).toHaveLength(0);
    }),
  );

  it(
    'echo: 400 before 404, clear() removes every echo',
    withSim(async (_as, t) => {
      expect(() => t.pbx.faults!.setEcho!('nope', { gainDb: 99, delayMs: 100 })).toThrow(/gainDb/);
      expect(() => t.pbx.faults!.setEcho!('nope', { gainDb: -6, delayMs: 100 })).toThrow(new AriError(404, 'Channel not found'));
      t.pbx.originate({ endpoint: 'Local/silent@caller', app: CALLER, channelId: 'p' });
      await t.events.waitType('StasisStart', 'p');
      t.pbx.faults!.setEcho!('p', { gainDb: -6, delayMs: 100 });
      t.pbx.faults!.clear();
      expect(t.pbx.faults!.removeEcho!('p')).toBe(false);
    }),
  );

  it(
    'delayed connects: the UUID frame comes after the delay',
    withSim(async (as, t) => {
      t.pbx.faults!.delayAudioSocketConnects(300);
      t.pbx.originate({ endpoint: 'Local/uuid@ai-voice-agent', app: CALLER, channelId: 'c', otherChannelId: 'a' });
      const step = await t.events.waitFor((r) => r.event.type === 'ChannelDialplan' && r.event.dialplan_app === 'AudioSocket');
      const conn = await as.nextConnection();
      expect(conn.openedAt - step.at).toBeGreaterThan(280);
    }),
  );

  it(
    'dropping the connection mid-call (RST): the app fails, the channel hangs up, no Stasis',
    withSim(async (as, t) => {
      t.pbx.originate({ endpoint: 'Local/uuid@ai-voice-agent', app: CALLER, channelId: 'c', otherChannelId: 'a' });
      const conn = await as.nextConnection();
      await conn.until(() => conn.uuid !== undefined);
      expect(t.pbx.faults!.dropAudioSocket('c')).toBe(false); // ;1 has no AudioSocket
      expect(t.pbx.faults!.dropAudioSocket('a')).toBe(true);
      await conn.closed;
      expect(conn.hadError).toBe(true);
      await t.events.waitType('ChannelDestroyed', 'c');
      expect(t.events.of('StasisStart', 'a')).toHaveLength(0);
    }),
  );

  it(
    'hangupAfter hangs the channel up like ARI DELETE; unknown channels are 404',
    withSim(async (_as, t) => {
      t.pbx.originate({ endpoint: 'Local/silent@caller', app: AI, channelId: 'x' });
      await t.events.waitType('StasisStart', 'x');
      const at = performance.now();
      t.pbx.faults!.hangupAfter('x', 100, 17);
      const d = await t.events.waitType('ChannelDestroyed', 'x');
      expect(d.at - at).toBeGreaterThan(90);
      expect(d.event.type === 'ChannelDestroyed' && d.event.cause).toBe(17);
      expect(t.events.of('ChannelHangupRequest', 'x')[0].event).toMatchObject({ cause: 32, soft: true });
      expect(() => t.pbx.faults!.hangupAfter('nope', 10)).toThrow(new AriError(404, 'Channel not found'));
      expect(() => t.pbx.faults!.dropAudioSocket('nope')).toThrow(new AriError(404, 'Channel not found'));
    }),
  );
});

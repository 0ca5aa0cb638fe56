import { describe, expect, it } from 'vitest';
import { goertzelDbfs, ToneGenerator } from '../../engine/audio/tone.js';
import { AriError } from './api.js';
import { AsServer, sleep, testPbx, traceDialplan, type AsConnection, type TestPbx } from './testing.js';

const AI = 'asterisk-ai-voice-agent';
const UUIDS = ['11111111-1111-4111-8111-111111111111', '22222222-2222-4222-8222-222222222222', '33333333-3333-4333-8333-333333333333'];

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

async function legs(as: AsServer, t: TestPbx, n: number): Promise<AsConnection[]> {
  const conns: AsConnection[] = [];
  for (let i = 0; i < n; i++) {
    await t.pbx.externalMediaAsync!({ app: AI, channelId: `e${i}`, external_host: as.address, encapsulation: 'audiosocket', transport: 'tcp', format: 'slin', data: UUIDS[i] });
    conns.push(await as.nextConnection());
    await t.events.waitType('StasisStart', `e${i}`);
  }
  return conns;
}

function err(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e instanceof AriError ? [e.status, e.message] : e;
  }
  return 'no error';
}

describe.concurrent('bridges', () => {
  it(
    'two members: frames pass straight through (simple_bridge); three: softmix, each hears the others but not itself',
    withSim(async (as, t) => {
      const conns = await legs(as, t, 3);
      t.pbx.createBridge({ bridgeId: 'b', type: 'mixing' });
      t.pbx.addChannel('b', ['e0', 'e1']);
      expect(t.pbx.getBridge('b')).toMatchObject({ technology: 'simple_bridge', channels: ['e0', 'e1'] });
      const freqs = [400, 1000, 2500];
      const gens = freqs.map((f) => new ToneGenerator(f, 8000, 0.2));
      const sent: Buffer[][] = [[], [], []];
      const send = (active: number[], frames: number): Promise<void> =>
        new Promise((resolve) => {
          let n = 0;
          const timer = setInterval(() => {
            for (const i of active) {
              const pcm = gens[i].next(20);
              sent[i].push(pcm);
              conns[i].sendAudio(8000, pcm);
            }
            if (++n === frames) {
              clearInterval(timer);
              resolve();
            }
          }, 20);
        });
      await send([0], 3);
      await conns[1].until(() => conns[1].audio().length >= 3, 1000, 'pass-through');
      // Straight through: the very bytes e0 sent.
      expect(conns[1].audio().slice(0, 3).map((f) => f.payload)).toEqual(sent[0]);
      expect(conns[0].audio()).toHaveLength(0); // e1 sent nothing, so e0 heard nothing
      t.pbx.addChannel('b', ['e2']);
      expect(t.pbx.getBridge('b').technology).toBe('softmix');
      expect(t.pbx.getVariable('e0', 'BRIDGEPEER')).toBe(`AudioSocket/${as.address}-${UUIDS[1]},AudioSocket/${as.address}-${UUIDS[2]}`);
      const before = conns.map((c) => c.audio().length);
      await send([0, 1, 2], 25);
      await sleep(80);
      for (let i = 0; i < 3; i++) {
        const got = conns[i].audio().slice(before[i] + 3);
        expect(got.length).toBeGreaterThan(10);
        const pcm = Buffer.concat(got.map((f) => f.payload));
        const level = (f: number): number => goertzelDbfs(pcm, 8000, f);
        for (let j = 0; j < 3; j++) {
          if (j === i) expect(level(freqs[j])).toBeLessThan(-40);
          else expect(level(freqs[j])).toBeGreaterThan(-30);
        }
      }
    }),
  );

  it(
    'destroying a bridge: ChannelLeftBridge for each member, BridgeDestroyed, channels stay in Stasis',
    withSim(async (as, t) => {
      await legs(as, t, 2);
      t.pbx.createBridge({ bridgeId: 'b' });
      t.pbx.addChannel('b', ['e0', 'e1']);
      t.pbx.destroyBridge('b');
      expect(t.events.lines().slice(-5)).toEqual([
        'ChannelVarset e0 BRIDGEPEER=',
        'ChannelLeftBridge e0',
        'ChannelVarset e1 BRIDGEPEER=',
        'ChannelLeftBridge e1',
        'BridgeDestroyed b',
      ]);
      expect(t.pbx.listBridges()).toEqual([]);
      expect(t.pbx.listChannels().map((c) => c.id).sort()).toEqual(['e0', 'e1']);
      t.pbx.setVariable('e0', 'STILL', 'in stasis');
    }),
  );

  it(
    'moving a channel to another bridge leaves the first; removeChannel needs a member',
    withSim(async (as, t) => {
      await legs(as, t, 2);
      t.pbx.createBridge({ bridgeId: 'a' });
      t.pbx.createBridge({ bridgeId: 'b', type: 'holding' });
      expect(t.pbx.getBridge('b')).toMatchObject({ bridge_type: 'holding', technology: 'holding_bridge' });
      t.pbx.addChannel('a', ['e0']);
      t.pbx.addChannel('b', ['e0']);
      expect(t.pbx.getBridge('a').channels).toEqual([]);
      expect(t.pbx.getBridge('b').channels).toEqual(['e0']);
      expect(err(() => t.pbx.removeChannel('a', ['e0']))).toEqual([422, 'Channel not in this bridge']);
      t.pbx.removeChannel('b', ['e0']);
      expect(t.pbx.getBridge('b').channels).toEqual([]);
    }),
  );

  it(
    'errors with Asterisk messages',
    withSim(async (_as, t) => {
      t.pbx.originate({ endpoint: 'Local/silent@caller', app: AI, channelId: 'x' });
      await t.events.waitType('StasisStart', 'x');
      t.pbx.createBridge({ bridgeId: 'b' });
      expect(err(() => t.pbx.createBridge({ bridgeId: 'b' }))).toEqual([409, "Bridge with id 'b' already exists"]);
      expect(err(() => t.pbx.getBridge('nope'))).toEqual([404, 'Bridge not found']);
      expect(err(() => t.pbx.addChannel('nope', ['x']))).toEqual([404, 'Bridge not found']);
      expect(err(() => t.pbx.addChannel('b', []))).toEqual([400, 'Missing parameter channel']);
      expect(err(() => t.pbx.addChannel('b', ['ghost']))).toEqual([400, 'Channel not found']);
      expect(err(() => t.pbx.addChannel('b', ['x;2']))).toEqual([422, 'Channel not in Stasis application']);
      expect(err(() => t.pbx.destroyBridge('nope'))).toEqual([404, 'Bridge not found']);
      expect(t.pbx.createBridge({}).id).toMatch(/^[0-9a-f-]{36}$/);
    }),
  );
});

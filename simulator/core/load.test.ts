/**
 * Load: many calls streaming both ways through the shared 20 ms ticker, and a thousand calls
 * coming and going without leaving timers, channels, sockets or listeners behind.
 * SIM_LOAD_CALLS raises the streaming test to the 500-call target (default 150 keeps CI quick;
 * the AudioSocket server stand-in runs in the same process and takes its share of the CPU).
 */
import { describe, expect, it } from 'vitest';
import { ToneGenerator } from '../../engine/audio/tone.js';
import { AsServer, sleep, testPbx, writeToneWav } from './testing.js';

const CALLS = Number(process.env.SIM_LOAD_CALLS ?? 150);

describe('load', () => {
  // Cadence (p50/p99 frame interval) is measured by `npm run bench` (bench/sim-load.ts), not
  // asserted here: a timed assertion would fail on a busy machine, not on a broken simulator.
  it(`${CALLS} calls streaming 20 ms frames both ways all keep streaming`, async () => {
    const as = await AsServer.start();
    const t = testPbx(`[load]\nexten => s,1,Answer()\n same => n,AudioSocket(\${UUID()},${as.address})\n same => n,Hangup()\n`);
    t.pbx.registerApp('load');
    writeToneWav(t.soundDir, 'long', 700, 5000);
    try {
      for (let i = 0; i < CALLS; i++) t.pbx.originate({ endpoint: 'Local/s@load', app: 'load', channelId: `c${i}`, formats: 'slin' });
      while (as.connections.length < CALLS) await sleep(20);
      for (let i = 0; i < CALLS; i++) t.pbx.play(`c${i}`, { media: ['sound:long'] });
      // The engine stand-in writes a paced 20 ms frame to every connection.
      const frame = new ToneGenerator(440, 8000, 0.2).next(20);
      let next = performance.now();
      let running = true;
      const server = (async () => {
        while (running) {
          next += 20;
          for (const c of as.connections) c.sendAudio(8000, frame);
          await sleep(Math.max(0, next - performance.now()));
        }
      })();
      const from = performance.now() + 300;
      await sleep(1500);
      running = false;
      await server;
      const gaps: number[] = [];
      for (const c of as.connections) {
        const recent = c.audio().filter((f) => f.at > from);
        for (let i = 1; i < recent.length; i++) gaps.push(recent[i].at - recent[i - 1].at);
      }
      // Every call delivered frames through the whole window (1.2 s is 60 frames a call).
      for (const c of as.connections) expect(c.audio().filter((f) => f.at > from).length).toBeGreaterThan(20);
      expect(gaps.length).toBeGreaterThan(CALLS * 20);
      // Every call still up: nothing tripped the 2 s inactivity rule or dropped.
      expect(t.pbx.stats.links).toBe(CALLS);
    } finally {
      await t.close();
      await as.close();
    }
    expect(t.pbx.stats).toEqual({ channels: 0, bridges: 0, playbacks: 0, timers: 0, links: 0 });
  }, 20_000);

  it('a thousand calls coming and going leave nothing behind', async () => {
    const t = testPbx('[c]\nexten => s,1,Answer()\n same => n,Wait(0.05)\n same => n,Hangup()\n');
    t.pbx.registerApp('app');
    try {
      const waves = 2;
      const perWave = 500;
      for (let w = 0; w < waves; w++) {
        for (let i = 0; i < perWave; i++) {
          const id = `w${w}-${i}`;
          t.pbx.originate({ endpoint: 'Local/s@c', app: 'app', channelId: id });
        }
        await t.events.waitFor(() => t.pbx.stats.channels === 0, 5000, 'all calls gone');
      }
      expect(t.events.of('ChannelDestroyed')).toHaveLength(waves * perWave * 2);
      expect(t.events.of('StasisStart')).toHaveLength(waves * perWave);
      expect(t.pbx.stats).toEqual({ channels: 0, bridges: 0, playbacks: 0, timers: 0, links: 0 });
      expect(t.pbx.listChannels()).toEqual([]);
    } finally {
      await t.close();
    }
  }, 20_000);
});

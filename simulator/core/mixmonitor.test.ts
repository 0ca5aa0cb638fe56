import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { rms } from '../../engine/audio/pcm.js';
import { ToneGenerator } from '../../engine/audio/tone.js';
import { parseWav } from '../../engine/audio/wav.js';
import { SimChannel } from './channel.js';
import type { Core } from './core.js';
import { startMixMonitor } from './mixmonitor.js';
import { Scheduler } from './scheduler.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function frames(pcm: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0; at + 320 <= pcm.length; at += 320) out.push(pcm.subarray(at, at + 320));
  return out;
}

describe('MixMonitor', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mixmonitor-'));
  const scheduler = new Scheduler(() => undefined);
  afterEach(() => {
    scheduler.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('s8: a direction whose frames come late (two every other tick) gets no silence slots; one running alone is padded', async () => {
    const core = { log: pino({ level: 'silent' }), scheduler } as unknown as Core;
    const channel = new SimChannel({
      id: 'c',
      name: 'Local/s@caller-00000000;2',
      kind: 'local',
      state: 'Up',
      dialplan: { context: 'caller', exten: 's', priority: 1, app_name: '', app_data: '' },
      outgoing: false,
      nativeRate: 8000,
      lossyAudioSocketWrites: false,
    });
    channel.tech = { write: () => undefined, sendDtmf: () => undefined, destroy: () => undefined };
    const stop = startMixMonitor(core, channel, { read: join(dir, 'heard.wav'), write: join(dir, 'said.wav') });
    const heard = new ToneGenerator(440, 8000, 0.25);
    const said = new ToneGenerator(1000, 8000, 0.25);
    // 30 ticks: the channel writes a frame each tick, reads two every other tick (jitter).
    for (let i = 0; i < 30; i++) {
      channel.write({ rate: 8000, pcm: said.next(20) });
      if (i % 2 === 1) {
        channel.deliverRead({ rate: 8000, pcm: heard.next(20) });
        channel.deliverRead({ rate: 8000, pcm: heard.next(20) });
      }
      await sleep(20);
    }
    // Then it only writes, for 10 ticks: what it hears is silence there.
    for (let i = 0; i < 10; i++) {
      channel.write({ rate: 8000, pcm: said.next(20) });
      await sleep(20);
    }
    stop();
    await sleep(50);
    const heardFrames = frames(parseWav(readFileSync(join(dir, 'heard.wav'))).pcm);
    const saidFrames = frames(parseWav(readFileSync(join(dir, 'said.wav'))).pcm);
    expect(saidFrames).toHaveLength(40);
    expect(heardFrames).toHaveLength(40);
    const silent = heardFrames.map((f) => rms(f) < 1);
    expect(silent.slice(0, 30).some(Boolean)).toBe(false);
    expect(silent.slice(30).every(Boolean)).toBe(true);
  });
});

import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { CARRIER_FILE_MS, CARRIER_REPEATS, SilenceCarrier, type CarrierPorts } from './carrier.js';

const logger = pino({ level: 'silent' });

/** Ports that record what the carrier asks for; play requests resolve when the test says so. */
function fakePorts() {
  const calls: string[] = [];
  const writes: { bytes: number; rate: number; silent: boolean }[] = [];
  const pendingPlays: Array<() => void> = [];
  let failPlays = false;
  const ports: CarrierPorts = {
    async write(pcm, rate) {
      writes.push({ bytes: pcm.length, rate, silent: pcm.every((b) => b === 0) });
      return 'sound:ai-generated/aiav-c1-1';
    },
    play(playbackId, media) {
      calls.push(`play ${playbackId} ${media.split(',').length}x ${media.split(',')[0]}`);
      if (failPlays) return Promise.reject(new Error('404 Channel not found'));
      return new Promise<void>((resolve) => pendingPlays.push(resolve));
    },
    async stop(playbackId) {
      calls.push(`stop ${playbackId}`);
    },
    own(playbackId) {
      calls.push(`own ${playbackId}`);
    },
  };
  const answerPlays = async () => {
    for (const r of pendingPlays.splice(0)) r();
    await new Promise((r) => setImmediate(r));
  };
  return { ports, calls, writes, answerPlays, failNextPlays: () => (failPlays = true) };
}

const tick = () => new Promise((r) => setImmediate(r));

/** A carrier that has been started and has sent its first play request (not yet answered). */
async function startedCarrier() {
  const f = fakePorts();
  const carrier = new SilenceCarrier('aiav-c1', f.ports, logger);
  void carrier.start();
  await tick();
  return { f, carrier };
}

describe('SilenceCarrier', () => {
  it('writes one short silence file and plays it listed many times, under an id it owns first', async () => {
    const { f, carrier } = await startedCarrier();
    expect(f.writes).toEqual([{ bytes: (8000 * CARRIER_FILE_MS * 2) / 1000, rate: 8000, silent: true }]);
    expect(f.calls).toEqual(['own aiav-c1-carrier-1', `play aiav-c1-carrier-1 ${CARRIER_REPEATS}x sound:ai-generated/aiav-c1-1`]);
    expect(carrier.active).toBe(true);
  });

  it('plays the next round when its playback finishes, and ignores other playbacks', async () => {
    const { f, carrier } = await startedCarrier();
    await f.answerPlays();
    expect(carrier.finished('aiav-c1-pb-3')).toBe(false);
    expect(carrier.finished('aiav-c1-carrier-1')).toBe(true);
    await tick();
    expect(f.calls.slice(2)).toEqual(['own aiav-c1-carrier-2', `play aiav-c1-carrier-2 ${CARRIER_REPEATS}x sound:ai-generated/aiav-c1-1`]);
    expect(f.writes.length).toBe(1); // the file is written once per call
  });

  it('stop() stops the playing round and no round follows', async () => {
    const { f, carrier } = await startedCarrier();
    await f.answerPlays();
    await carrier.stop();
    expect(f.calls.at(-1)).toBe('stop aiav-c1-carrier-1');
    expect(carrier.finished('aiav-c1-carrier-1')).toBe(false);
    await tick();
    expect(f.calls.filter((c) => c.startsWith('play')).length).toBe(1);
  });

  it('stopped while its play request is unanswered: stops the playback once it exists', async () => {
    const { f, carrier } = await startedCarrier();
    await carrier.stop();
    expect(f.calls.some((c) => c.startsWith('stop'))).toBe(false); // it could overtake the play
    await f.answerPlays();
    expect(f.calls.at(-1)).toBe('stop aiav-c1-carrier-1');
  });

  it('does not stop anything on a caller that hung up', async () => {
    const { f, carrier } = await startedCarrier();
    await f.answerPlays();
    await carrier.stop(false);
    expect(f.calls.some((c) => c.startsWith('stop'))).toBe(false);
  });

  it('gives up when a play request fails', async () => {
    const f = fakePorts();
    f.failNextPlays();
    const carrier = new SilenceCarrier('aiav-c1', f.ports, logger);
    await carrier.start();
    expect(carrier.active).toBe(false);
    expect(carrier.finished('aiav-c1-carrier-1')).toBe(false);
  });
});

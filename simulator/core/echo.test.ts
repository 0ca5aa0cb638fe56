import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { rms } from '../../engine/audio/pcm.js';
import { goertzelDbfs, ToneGenerator } from '../../engine/audio/tone.js';
import { encodeWav } from '../../engine/audio/wav.js';
import { AriError } from './api.js';
import { checkEcho, EchoLine } from './echo.js';
import { AsServer, sleep, testPbx, traceDialplan, type AsConnection } from './testing.js';

const db = (ratio: number): number => 20 * Math.log10(ratio);
const tone = (ms: number): Buffer => new ToneGenerator(1000, 8000, 0.25).next(ms);

describe('EchoLine (the delay line, on a given clock)', () => {
  it('gives back what was heard, delayMs later (±10 ms) and gainDb down (±0.1 dB)', () => {
    const line = new EchoLine({ gainDb: -12, delayMs: 120 }, 0);
    const heard = tone(200);
    // Heard in 20 ms frames from t = 100 ms, one per tick; the output is read every tick.
    const out: { t: number; pcm: Buffer | undefined }[] = [];
    for (let t = 0; t <= 600; t += 20) {
      const k = (t - 100) / 20;
      if (k >= 0 && k < 10) line.hear({ rate: 8000, pcm: heard.subarray(k * 320, (k + 1) * 320) }, t);
      out.push({ t, pcm: line.next(t)?.pcm });
    }
    const loud = out.filter((o) => o.pcm !== undefined);
    expect(loud.length).toBeGreaterThanOrEqual(10);
    expect(loud.length).toBeLessThanOrEqual(11);
    expect(Math.abs(loud[0].t - (100 + 120))).toBeLessThanOrEqual(20);
    const level = rms(Buffer.concat(loud.slice(1, -1).map((o) => o.pcm!)));
    expect(Math.abs(db(level / rms(heard)) + 12)).toBeLessThan(0.1);
  });

  it('plays a burst out back to back, as a speaker would, and is silent (undefined) otherwise', () => {
    const line = new EchoLine({ gainDb: 0, delayMs: 100 }, 0);
    expect(line.next(0)).toBeUndefined();
    const burst = tone(200);
    for (let k = 0; k < 10; k++) line.hear({ rate: 8000, pcm: burst.subarray(k * 320, (k + 1) * 320) }, 40);
    const loud: number[] = [];
    for (let t = 20; t <= 600; t += 20) if (line.next(t)) loud.push(t);
    // 200 ms of tone, starting 100 ms after it was heard.
    expect(loud.length).toBeGreaterThanOrEqual(10);
    expect(loud.length).toBeLessThanOrEqual(11);
    expect(Math.abs(loud[0] - 140)).toBeLessThanOrEqual(20);
    expect(loud[loud.length - 1] - loud[0]).toBeLessThanOrEqual(220);
  });

  it('refuses parameters out of range with 400', () => {
    expect(() => checkEcho({ gainDb: Number.NaN, delayMs: 100 })).toThrow(AriError);
    expect(() => checkEcho({ gainDb: -12, delayMs: -1 })).toThrow(/delayMs/);
    expect(() => checkEcho({ gainDb: 30, delayMs: 100 })).toThrow(/gainDb/);
    expect(checkEcho({ gainDb: -12, delayMs: 120 })).toEqual({ gainDb: -12, delayMs: 120 });
  });
});

/**
 * A test call as the call driver places it: the phone is ;1 (in test-caller), ;2 runs the
 * dialplan into the engine (here AudioSocket() to a local server standing in for the engine).
 * With formats=slin the Local channel adds no loss of its own (trace s14).
 */
async function call(t: ReturnType<typeof testPbx>, as: AsServer): Promise<AsConnection> {
  t.pbx.registerApp('test-caller');
  t.pbx.originate({
    endpoint: 'Local/uuid@ai-voice-agent',
    app: 'test-caller',
    channelId: 'phone',
    otherChannelId: 'caller',
    formats: 'slin',
    variables: { AUDIOSOCKET_UUID: '0b7c2f6e-55a4-4a4e-9d0e-3c1f0c7e2a11' },
  });
  const conn = await as.nextConnection(3000);
  await conn.until(() => conn.uuid !== undefined);
  return conn;
}

/** The engine says 300 ms of 1 kHz (paced); returns when it started, on performance.now(). */
async function agentSays(conn: AsConnection, amplitude: number): Promise<number> {
  const gen = new ToneGenerator(1000, 8000, amplitude);
  const startedAt = performance.now();
  let next = startedAt;
  for (let i = 0; i < 15; i++) {
    conn.sendAudio(8000, gen.next(20));
    next += 20;
    await sleep(Math.max(0, next - performance.now()));
  }
  return startedAt;
}

describe('echo on the phone half of a test call', () => {
  it('the agent\'s audio comes back to the engine through the caller half, delayed and attenuated as set', async () => {
    const as = await AsServer.start();
    const t = testPbx(traceDialplan(as.address));
    try {
      const conn = await call(t, as);
      // Without echo the phone sends nothing back (a silent Local channel sends no frames).
      await agentSays(conn, 0.25);
      await sleep(300);
      expect(conn.audio()).toHaveLength(0);

      t.pbx.faults.setEcho!('phone', { gainDb: -12, delayMs: 120 });
      const startedAt = await agentSays(conn, 0.25);
      await sleep(400);
      const back = conn.audio().filter((f) => rms(f.payload) > 50);
      expect(back.length).toBeGreaterThanOrEqual(13);
      expect(back.length).toBeLessThanOrEqual(17);
      expect(Math.abs(back[0].at - startedAt - 120)).toBeLessThanOrEqual(30);
      const level = rms(Buffer.concat(back.slice(2, -2).map((f) => f.payload)));
      if (process.env.ECHO_DEBUG) console.log({ delay: back[0].at - startedAt, db: db(level / (0.25 * 32767 * Math.SQRT1_2)), frames: back.length });
      expect(Math.abs(db(level / (0.25 * 32767 * Math.SQRT1_2)) + 12)).toBeLessThanOrEqual(0.5);

      // Removed: silence again.
      expect(t.pbx.faults.removeEcho!('phone')).toBe(true);
      expect(t.pbx.faults.removeEcho!('phone')).toBe(false);
      const before = conn.audio().length;
      await agentSays(conn, 0.25);
      await sleep(300);
      expect(conn.audio().length).toBe(before);
      expect(() => t.pbx.faults.setEcho!('nope', { gainDb: -12, delayMs: 120 })).toThrow(new AriError(404, 'Channel not found'));
    } finally {
      await t.close();
      await as.close();
    }
  }, 10_000);

  it('the phone\'s own voice still goes out, with the echo mixed in, one frame per tick', async () => {
    const as = await AsServer.start();
    const t = testPbx(traceDialplan(as.address));
    try {
      const conn = await call(t, as);
      t.pbx.faults.setEcho!('phone', { gainDb: -6, delayMs: 60 });
      // The phone speaks (an ARI playback on ;1) while the agent talks.
      const pcm = new ToneGenerator(440, 8000, 0.25).next(2000);
      writeFileSync(join(t.soundDir, 'phone-voice.wav'), encodeWav(pcm, 8000));
      t.pbx.play('phone', { media: ['sound:phone-voice'], playbackId: 'v' });
      await t.events.waitType('PlaybackStarted');
      await agentSays(conn, 0.25);
      await sleep(200);
      t.pbx.stopPlayback('v');
      const audio = conn.audio();
      // About one frame per 20 ms (no doubled stream), and the echo's 1 kHz inside the 440 Hz.
      const spanMs = audio[audio.length - 1].at - audio[0].at;
      expect(audio.length).toBeLessThanOrEqual(Math.ceil(spanMs / 20) + 3);
      const withEcho = audio.filter((f) => goertzelDbfs(f.payload, 8000, 1000) > -30);
      expect(withEcho.length).toBeGreaterThanOrEqual(10);
      expect(withEcho.every((f) => goertzelDbfs(f.payload, 8000, 440) > -20)).toBe(true);
    } finally {
      await t.close();
      await as.close();
    }
  }, 10_000);
});

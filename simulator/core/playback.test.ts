import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tone } from '../../engine/audio/tone.js';
import { ulawEncode } from '../../engine/audio/ulaw.js';
import { AriError } from './api.js';
import { sleep, testPbx, traceDialplan, writeToneWav, type TestPbx } from './testing.js';

const AI = 'asterisk-ai-voice-agent';

function withAgent(body: (t: TestPbx) => Promise<void>): () => Promise<void> {
  return async () => {
    const t = testPbx(traceDialplan('127.0.0.1:1'));
    t.pbx.registerApp(AI);
    writeToneWav(t.soundDir, 'ai-test-tone', 1000, 300);
    t.pbx.originate({ endpoint: 'Local/silent@caller', app: AI, channelId: 'agent' });
    await t.events.waitType('StasisStart', 'agent');
    try {
      await body(t);
    } finally {
      await t.close();
    }
  };
}

async function finished(t: TestPbx, id: string, timeoutMs = 3000) {
  const r = await t.events.waitFor((e) => e.event.type === 'PlaybackFinished' && e.event.playback.id === id, timeoutMs, `PlaybackFinished ${id}`);
  return r.event.type === 'PlaybackFinished' ? { state: r.event.playback.state, at: r.at } : { state: undefined, at: r.at };
}

describe.concurrent('playbacks (s7)', () => {
  it(
    's7: sound: without extension plays, PlaybackStarted then PlaybackFinished done after the audio; then 404',
    withAgent(async (t) => {
      const pb = t.pbx.play('agent', { media: ['sound:ai-test-tone'], playbackId: 'p0' });
      expect(pb).toEqual({ id: 'p0', media_uri: 'sound:ai-test-tone', target_uri: 'channel:agent', language: 'en', state: 'queued' });
      const started = await t.events.waitFor((r) => r.event.type === 'PlaybackStarted');
      expect(started.event.type === 'PlaybackStarted' && started.event.playback.state).toBe('playing');
      expect(started.apps).toEqual([AI]);
      expect(t.pbx.getPlayback('p0').state).toBe('playing');
      const done = await finished(t, 'p0');
      expect(done.state).toBe('done');
      expect(done.at - started.at).toBeGreaterThan(280);
      expect(done.at - started.at).toBeLessThan(500);
      expect(() => t.pbx.getPlayback('p0')).toThrow(new AriError(404, 'Playback not found'));
    }),
  );

  it(
    's7: sound: with an extension, or a missing file: 201, PlaybackStarted, PlaybackFinished failed at once',
    withAgent(async (t) => {
      for (const [i, media] of ['sound:ai-test-tone.wav', 'sound:does-not-exist', 'sound:ai-test-tone.ulaw'].entries()) {
        const pb = t.pbx.play('agent', { media: [media], playbackId: `f${i}` });
        expect(pb.state).toBe('queued');
        const r = await finished(t, `f${i}`);
        expect(r.state).toBe('failed');
        const started = t.events.events.find((e) => e.event.type === 'PlaybackStarted' && e.event.playback.id === `f${i}`)!;
        expect(r.at - started.at).toBeLessThan(20);
      }
    }),
  );

  it(
    's7: media without a scheme: PlaybackStarted and never PlaybackFinished; the next playback still plays',
    withAgent(async (t) => {
      t.pbx.play('agent', { media: ['ai-test-tone'], playbackId: 'bare' });
      t.pbx.play('agent', { media: ['sound:ai-test-tone'], playbackId: 'next' });
      await t.events.waitFor((r) => r.event.type === 'PlaybackStarted' && r.event.playback.id === 'bare');
      expect((await finished(t, 'next')).state).toBe('done');
      expect(t.events.events.some((r) => r.event.type === 'PlaybackFinished' && r.event.playback.id === 'bare')).toBe(false);
    }),
  );

  it(
    's7: DELETE /playbacks/{id} stops it: PlaybackFinished state done 2-4 ms later, then 404',
    withAgent(async (t) => {
      writeToneWav(t.soundDir, 'ai-test-long', 800, 3000);
      t.pbx.play('agent', { media: ['sound:ai-test-long'], playbackId: 'long' });
      await t.events.waitFor((r) => r.event.type === 'PlaybackStarted');
      await sleep(100);
      const stoppedAt = performance.now();
      t.pbx.stopPlayback('long');
      const r = await finished(t, 'long');
      expect(r.state).toBe('done');
      expect(r.at - stoppedAt).toBeGreaterThanOrEqual(1.5);
      expect(r.at - stoppedAt).toBeLessThan(60);
      expect(() => t.pbx.stopPlayback('long')).toThrow('Playback not found');
      expect(() => t.pbx.stopPlayback('s7-stop-nonexistent')).toThrow(new AriError(404, 'Playback not found'));
    }),
  );

  it(
    'several media play in order with PlaybackContinuing; queued playbacks wait their turn',
    withAgent(async (t) => {
      writeToneWav(t.soundDir, 'two', 500, 100);
      const pb = t.pbx.play('agent', { media: ['sound:ai-test-tone', 'sound:two'], playbackId: 'm' });
      expect(pb.next_media_uri).toBe('sound:two');
      t.pbx.play('agent', { media: ['sound:two'], playbackId: 'q' });
      await finished(t, 'q');
      expect(t.events.lines((r) => r.event.type.startsWith('Playback'))).toEqual([
        'PlaybackStarted m playing',
        'PlaybackContinuing m continuing',
        'PlaybackStarted m playing',
        'PlaybackFinished m done',
        'PlaybackStarted q playing',
        'PlaybackFinished q done',
      ]);
      const cont = t.events.of('PlaybackContinuing')[0].event;
      expect(cont.type === 'PlaybackContinuing' && cont.playback).toMatchObject({ media_uri: 'sound:ai-test-tone', next_media_uri: 'sound:two' });
    }),
  );

  it(
    'formats and paths: .ulaw, .sln16, 16 kHz WAV, language folders, absolute Asterisk paths through the path map',
    withAgent(async (t) => {
      writeFileSync(join(t.soundDir, 'u.ulaw'), ulawEncode(tone(700, 100, 8000)));
      writeFileSync(join(t.soundDir, 'w.sln16'), tone(700, 100, 16000));
      writeToneWav(t.soundDir, 'wide', 700, 100, 16000);
      mkdirSync(join(t.soundDir, 'en'));
      writeToneWav(join(t.soundDir, 'en'), 'lang', 700, 100);
      const tts = join(t.dir, 'tts');
      mkdirSync(tts);
      writeToneWav(tts, 'abs', 700, 100);
      const t2 = testPbx(traceDialplan('127.0.0.1:1'), { soundDirs: [t.soundDir], pathMap: { '/var/lib/asterisk/tts': tts } });
      try {
        t2.pbx.registerApp(AI);
        t2.pbx.originate({ endpoint: 'Local/silent@caller', app: AI, channelId: 'agent' });
        await t2.events.waitType('StasisStart', 'agent');
        const media = ['sound:u', 'sound:w', 'sound:wide', 'sound:lang', 'sound:en/lang', 'sound:/var/lib/asterisk/tts/abs'];
        t2.pbx.play('agent', { media, playbackId: 'all' });
        const r = await finished(t2, 'all');
        expect(r.state).toBe('done');
        expect(t2.events.of('PlaybackContinuing')).toHaveLength(media.length - 1);
        t2.pbx.play('agent', { media: ['sound:/var/lib/asterisk/tts/abs.wav'], playbackId: 'ext' });
        expect((await finished(t2, 'ext')).state).toBe('failed');
      } finally {
        await t2.close();
      }
    }),
  );

  it(
    'ARI errors: 404 / 409 / 412 as Asterisk',
    withAgent(async (t) => {
      expect(() => t.pbx.play('nope', { media: ['sound:x'] })).toThrow(new AriError(404, 'Channel not found'));
      expect(() => t.pbx.play('agent;2', { media: ['sound:x'] })).toThrow(new AriError(409, 'Channel not in Stasis application'));
      expect(() => t.pbx.play('agent', { media: ['sound:x'], offsetms: -1 })).toThrow(new AriError(400, 'offsetms cannot be negative'));
      expect(() => t.pbx.getPlayback('nope')).toThrow(new AriError(404, 'Playback not found'));
    }),
  );

  it(
    'bridge playback reaches every member',
    withAgent(async (t) => {
      t.pbx.originate({ endpoint: 'Local/silent@caller', app: AI, channelId: 'other' });
      await t.events.waitType('StasisStart', 'other');
      t.pbx.createBridge({ bridgeId: 'b' });
      t.pbx.addChannel('b', ['agent', 'other']);
      const heard = { agent: 0, other: 0 };
      // What reaches each member's far end is read on its ;2 half.
      for (const id of ['agent', 'other'] as const) {
        t.pbx['core'].channels.get(`${id};2`)!.addHook({ onRead: () => void heard[id]++ });
      }
      const pb = t.pbx.playOnBridge('b', { media: ['sound:ai-test-tone'], playbackId: 'bp' });
      expect(pb.target_uri).toBe('bridge:b');
      const started = await t.events.waitFor((r) => r.event.type === 'PlaybackStarted');
      expect(started.apps).toEqual([AI]);
      expect((await finished(t, 'bp')).state).toBe('done');
      expect(heard.agent).toBeGreaterThan(10);
      expect(heard.other).toBeGreaterThan(10);
    }),
  );
});

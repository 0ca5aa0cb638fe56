import { describe, expect, it } from 'vitest';
import { tone } from '../../engine/audio/tone.js';
import {
  AI,
  CALLER,
  Normalizer,
  answeredFirst,
  eventsFrom,
  firstEvent,
  frameClass,
  loadTrace,
  pastSecondLimitMs,
  segmentClass,
  sequences,
  splitAt,
  traceSounds,
  type EventRecord,
  type TraceRecord,
} from './harness.js';

const event = (t: number, src: string, e: Record<string, unknown>): EventRecord => ({ t, src, event: { type: 'X', ...e } as EventRecord['event'] });

describe('Normalizer', () => {
  it('maps generated ids by first appearance, channel sequence numbers and aliases; drops timestamps', () => {
    const a = new Normalizer({ '127.0.0.1:8090': '<as>' });
    const b = new Normalizer({ '127.0.0.1:40111': '<as>' });
    const one = (n: Normalizer, id1: string, id2: string, seq: string, addr: string, uuid: string): string =>
      n.event({
        type: 'ChannelDialplan',
        timestamp: `2026-01-01T00:00:00.${id1.slice(-1)}00+0000`,
        dialplan_app_data: `${uuid},${addr}`,
        channel: { id: id2, name: `Local/s@ai-voice-agent-${seq};2`, creationtime: 'x', peer: id1 },
      });
    expect(one(a, '1795678833.0', '1795678833.1', '00000000', '127.0.0.1:8090', '82C0FAD4-bbe8-47a5-9736-470e787b0a1c')).toBe(
      one(b, '1800000000.4', '1800000000.5', '0000000a', '127.0.0.1:40111', '5f95e853-0e6b-453d-a259-5a609f8a4ec9'),
    );
    // The same id twice stays the same placeholder; a new one gets the next number.
    const n = new Normalizer();
    expect(n.text('1795678833.1 then 1795678833.1 then 1795678833.2')).toBe('<uniqueid#1> then <uniqueid#1> then <uniqueid#2>');
  });

  it('sequences(): racy events compare as a multiset, the rest in order', () => {
    const want = [event(1, AI, { n: 1 }), event(2, AI, { n: 2, racy: true }), event(3, AI, { n: 3 })];
    const got = [event(1, AI, { n: 1 }), event(2, AI, { n: 3 }), event(3, AI, { n: 2, racy: true })];
    const strict = sequences(got, want);
    expect(strict.got.ordered).not.toEqual(strict.want.ordered);
    const loose = sequences(got, want, { racy: (e) => e.racy === true });
    expect(loose.got).toEqual(loose.want);
  });
});

describe('trace extraction', () => {
  it('splitAt cuts a trace at harness markers (s1: two variants)', () => {
    const s1 = loadTrace('s1-uniqueid-literal');
    const variants = splitAt(s1.records, 'variant', 'variant');
    expect([...variants.keys()]).toEqual(['no-channelId', 'channelId']);
    expect(eventsFrom(variants.get('channelId')!, CALLER).every((r) => JSON.stringify(r.event).includes('s1-caller-mwx8teg5'))).toBe(true);
  });

  it('answeredFirst: s3 answered the originate before any event of its channels, not the DELETE', () => {
    const s3 = loadTrace('s3-uuidvar-serverclose');
    const first = answeredFirst(s3.records);
    expect(first.some((p) => p.startsWith('/ari/channels?'))).toBe(true);
    expect(first.some((p) => p.startsWith('/ari/channels/s3-agent') && !p.includes('variable'))).toBe(false);
    const synthetic: TraceRecord[] = [
      { t: 10, src: 'http', method: 'POST', path: '/ari/channels/c1/play?playbackId=p1', status: 201, ms: 2 },
      event(9, AI, { playback: { id: 'p1' } }),
    ];
    expect(answeredFirst(synthetic)).toEqual([]);
  });

  it('pastSecondLimitMs: the traces\' recordings stopped just past the whole-second limit', () => {
    const s2 = loadTrace('s2-uniqueid-uuid-hangupframe').records;
    const past = pastSecondLimitMs(firstEvent(s2, CALLER, 'RecordingStarted'), firstEvent(s2, CALLER, 'RecordingFinished'), 3);
    expect(past).toBeGreaterThanOrEqual(0);
    expect(past).toBeLessThan(50);
  });
});

describe('audio helpers', () => {
  it('classes frames like the traces\' analysis', () => {
    expect(frameClass(tone(1000, 20, 8000, 0.25), 8000)).toBe('~1000Hz');
    expect(frameClass(tone(440, 20, 8000, 0.25), 8000)).toBe('~450Hz');
    expect(frameClass(Buffer.alloc(320), 8000)).toBe('silence');
    expect(segmentClass('~440Hz')).toBe('~450Hz');
  });

  it('rebuilds the trace harness\'s prompts from what the traces measured', () => {
    const sounds = traceSounds();
    expect(sounds.map((s) => [s.file, s.freq, s.ms])).toEqual([
      ['ai-test-tone.wav', 1000, 2000],
      ['ai-test-long.wav', 800, 10_000],
      ['ai-silence.wav', 0, 10_000],
    ]);
    expect(Math.round(sounds[0].rms)).toBe(5791);
  });
});

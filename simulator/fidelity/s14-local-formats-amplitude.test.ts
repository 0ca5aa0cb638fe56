/**
 * Fidelity, trace s14-local-formats-amplitude: the server sends 440 Hz at amplitude 8000 (RMS
 * 5657) through the dialplan AudioSocket(); an ARI recording of the caller half measures what
 * arrives. Local channels originated without `formats` run at slin192 and lose 6 dB; with
 * formats=slin the level is exact. (No asterisk-ai-voice-agent socket in this trace: the later
 * Stasis() fails with STASISSTATUS=FAILED.) Both variants run at once.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseWav } from '../../engine/audio/wav.js';
import {
  CALLER,
  analysisSegment,
  answer,
  asFrom,
  db,
  eventsFrom,
  firstEvent,
  httpFrom,
  isType,
  loadTrace,
  pastSecondLimitMs,
  queryOf,
  rms,
  scenarioStart,
  subjectOf,
  type Json,
  type TraceRecord,
} from './harness.js';
import { FidelityRun } from './sim-run.js';

const trace = loadTrace('s14-local-formats-amplitude');
const originates = httpFrom(trace.records).filter((h) => h.method === 'POST' && /^\/ari\/channels\?/.test(h.path));
/** One slice per variant: from its originate to the next one. */
const variants = originates.map((o, i) => {
  const from = o.t - o.ms!;
  const to = i + 1 < originates.length ? originates[i + 1].t - originates[i + 1].ms! : Infinity;
  const records = trace.records.filter((r) => r.t >= from && r.t < to);
  const analysis = records.find((r) => r.src === 'analysis')!;
  return { name: String(analysis.formats), records, analysis };
});
const description = String(scenarioStart(trace.records).description);
const freq = Number(/(\d+) Hz/.exec(description)![1]);
const amplitude = Number(/amplitude (\d+)/.exec(description)![1]);
const sentRms = Number(/RMS (\d+)/.exec(description)![1]);
const LEVEL_TOLERANCE_DB = 0.5;

function ids(records: readonly TraceRecord[]): { callerId: string; agentId: string } {
  const path = httpFrom(records)[0].path;
  return { callerId: path.match(/[?&]channelId=([^&]+)/)![1], agentId: path.match(/otherChannelId=([^&]+)/)![1] };
}

describe('s14-local-formats-amplitude (simulator vs trace)', () => {
  const runs = new Map<string, FidelityRun>();

  beforeAll(async () => {
    await Promise.all(
      variants.map(async (v) => {
        const run = await FidelityRun.start({ sockets: [CALLER] });
        runs.set(v.name, run);
        const [originate, record, del] = httpFrom(v.records);
        const { callerId } = ids(v.records);
        await run.replay(originate);
        const peer = await run.connection(2000);
        await run.until(() => peer.uuid !== undefined, 1000, 'the UUID frame');
        void peer.startTone(freq, { amplitude });
        await run.replay(record);
        await run.waitEvent(CALLER, isType('RecordingFinished'), 5000);
        peer.end();
        await run.waitEvent(CALLER, isType('ChannelDestroyed', callerId), 2000);
        await run.replay(del);
      }),
    );
  }, 15_000);

  afterAll(() => Promise.all([...runs.values()].map((r) => r.close())));

  it('the trace has the two variants, and the tone was sent at the level it says', () => {
    expect(variants.map((v) => v.name)).toEqual(['(none: native slin192)', 'slin']);
    expect(Math.abs(db(sentRms / (amplitude / Math.SQRT2)))).toBeLessThan(0.01);
  });

  describe.each(variants.map((v) => v.name))('formats %s', (name) => {
    const v = variants.find((x) => x.name === name)!;
    const { agentId } = ids(v.records);

    it('test-caller receives the trace events in the trace order', () => {
      // The ;2 half's ChannelStateChange Up races ;1's StasisStart (after it in the first variant,
      // before it in the second, as in s3 vs s2): compared as a multiset.
      const racy = (e: Json): boolean => e.type === 'ChannelStateChange' && subjectOf(e) === agentId;
      const s = runs.get(name)!.compare(CALLER, eventsFrom(v.records, CALLER), { racy });
      expect(s.got.ordered).toEqual(s.want.ordered);
      expect(s.got.racy).toEqual(s.want.racy);
    });

    it('originate, record and the late DELETE (404) are answered as in the trace', () => {
      expect(httpFrom(runs.get(name)!.records).map((h) => answer(h))).toEqual(httpFrom(v.records).map((h) => answer(h)));
    });

    it('the recording stops at the first frame past the whole-second limit, as in the trace (within 50 ms)', () => {
      const max = Number(queryOf(httpFrom(v.records)[1].path).maxDurationSeconds);
      const past = (records: readonly TraceRecord[]): number =>
        pastSecondLimitMs(firstEvent(records, CALLER, 'RecordingStarted'), firstEvent(records, CALLER, 'RecordingFinished'), max);
      for (const records of [v.records, runs.get(name)!.records]) {
        expect(past(records)).toBeGreaterThanOrEqual(0);
        expect(past(records)).toBeLessThan(50);
      }
    });

    it(`the recording holds the ${freq} Hz at the trace's level (±${LEVEL_TOLERANCE_DB} dB)`, () => {
      const wav = parseWav(readFileSync(runs.get(name)!.spoolPath(String(v.analysis.file))));
      const steady = wav.pcm.subarray(wav.rate * 0.2 * 2, wav.pcm.length - wav.rate * 0.1 * 2);
      const want = analysisSegment(v.analysis, `~${freq}Hz`).maxRms;
      expect(Math.abs(db(rms(steady) / want))).toBeLessThanOrEqual(LEVEL_TOLERANCE_DB);
    });
  });

  it('without formats the level drops 6 dB; with formats=slin it is what was sent (±0.5 dB)', () => {
    const level = (name: string): number => {
      const v = variants.find((x) => x.name === name)!;
      const wav = parseWav(readFileSync(runs.get(name)!.spoolPath(String(v.analysis.file))));
      return rms(wav.pcm.subarray(wav.rate * 0.2 * 2, wav.pcm.length - wav.rate * 0.1 * 2));
    };
    expect(Math.abs(db(level(variants[0].name) / sentRms) + 6)).toBeLessThanOrEqual(LEVEL_TOLERANCE_DB);
    expect(Math.abs(db(level(variants[1].name) / sentRms))).toBeLessThanOrEqual(LEVEL_TOLERANCE_DB);
    expect(asFrom(trace.records).filter((r) => r.ev === 'connect')).toHaveLength(2);
  });
});

/**
 * Fidelity, trace s1-uniqueid-literal: `AudioSocket(${UNIQUEID},…)` with a uniqueid that is not a
 * UUID (an Asterisk uniqueid, or "x;2" when only channelId is given): "Failed to parse UUID", no
 * TCP connect, the channel hangs up ~500 ms after Answer (Answer() waiting for a first voice
 * frame), Stasis(asterisk-ai-voice-agent) never reached. Both variants of the trace run at once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AI,
  CALLER,
  FIREHOSE,
  answer,
  eventsFrom,
  firehoseBetween,
  harnessFrom,
  httpFrom,
  isType,
  loadTrace,
  splitAt,
  timeOf,
  type TraceRecord,
} from './harness.js';
import { FidelityRun } from './sim-run.js';

const trace = loadTrace('s1-uniqueid-literal');
const variants = splitAt(trace.records, 'variant', 'variant');
const names = [...variants.keys()];
/** s1: ChannelHangupRequest of ;2 comes this long after its Answer (Answer() waits 500 ms). */
const HANGUP_TOLERANCE_MS = 150;

interface Result {
  run: FidelityRun;
  answerToHangup: number;
}

function answerToHangup(records: readonly TraceRecord[]): number {
  const answered = timeOf(records, CALLER, isType('ChannelDialplan', undefined, (e) => e.dialplan_app === 'Answer'));
  const hungUp = timeOf(records, CALLER, isType('ChannelHangupRequest'));
  return hungUp - answered;
}

describe('s1-uniqueid-literal (simulator vs trace)', () => {
  const results = new Map<string, Result>();

  beforeAll(async () => {
    await Promise.all(
      names.map(async (name) => {
        const slice = variants.get(name)!;
        const run = await FidelityRun.start({ sockets: [AI, CALLER, FIREHOSE] });
        const originate = httpFrom(slice)[0];
        const created = await run.replay(originate);
        const callerId = (created.response as { id: string }).id;
        await run.waitEvent(CALLER, isType('ChannelDestroyed', callerId), 3000, 'the caller destroyed');
        await run.sleep(50);
        results.set(name, { run, answerToHangup: answerToHangup(run.records) });
      }),
    );
  }, 10_000);

  afterAll(() => Promise.all([...results.values()].map((r) => r.run.close())));

  it('the trace has both variants (no channelId, channelId)', () => {
    expect(names).toEqual(['no-channelId', 'channelId']);
  });

  describe.each(names)('variant %s', (name) => {
    const slice = variants.get(name)!;

    it('test-caller receives the trace events in the trace order (uniqueids mapped by first appearance)', () => {
      const s = results.get(name)!.run.compare(CALLER, eventsFrom(slice, CALLER));
      expect(s.got.ordered).toEqual(s.want.ordered);
    });

    it('the firehose receives the trace events, DeviceStateChanged aside', () => {
      const from = slice[0].t;
      const to = names.indexOf(name) + 1 < names.length ? variants.get(names[names.indexOf(name) + 1])![0].t : Infinity;
      const want = firehoseBetween(trace, from, to).filter((r) => r.event.type !== 'DeviceStateChanged');
      const s = results.get(name)!.run.compare(FIREHOSE, want);
      expect(s.got.ordered).toEqual(s.want.ordered);
    });

    it('asterisk-ai-voice-agent never hears of the call (Stasis() is not reached)', () => {
      expect(results.get(name)!.run.events(AI)).toEqual(eventsFrom(slice, AI));
    });

    it('originate answers as in the trace (200, the ;1 channel Down in AppDial2)', () => {
      const got = httpFrom(results.get(name)!.run.records)[0];
      expect(answer(got)).toEqual(answer(httpFrom(slice)[0]));
    });

    it('makes no AudioSocket connection', () => {
      const measured = harnessFrom(slice).find((h) => 'socketConnected' in h)!;
      expect(results.get(name)!.run.as.peers.length > 0).toBe(measured.socketConnected);
    });

    it(`hangs ;2 up ~${Math.round(answerToHangup(slice))} ms after Answer (±${HANGUP_TOLERANCE_MS} ms)`, () => {
      expect(Math.abs(results.get(name)!.answerToHangup - answerToHangup(slice))).toBeLessThanOrEqual(HANGUP_TOLERANCE_MS);
    });
  });
});

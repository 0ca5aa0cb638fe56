/**
 * Fidelity, trace s7-playback-uris-and-stop: `sound:` URIs without an extension play
 * (PlaybackStarted, PlaybackFinished done); with `.wav`/`.ulaw` or a missing file: HTTP 201,
 * PlaybackStarted, then PlaybackFinished failed ~1 ms later; scheme-less media never finishes;
 * DELETE /playbacks/{id} answers 204 and PlaybackFinished (state done) follows within a few ms.
 *
 * The trace ran its cases one after the other on one channel (21 s); here every case runs on its
 * own simulator at the same time, each call set up and hung up as in the trace.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AI,
  CALLER,
  FIREHOSE,
  answer,
  answeredFirst,
  eventsFrom,
  harnessFrom,
  httpFrom,
  isType,
  loadTrace,
  request,
  sequences,
  splitAt,
  subjectOf,
  type EventRecord,
  type HttpRecord,
  type Json,
  type TraceRecord,
} from './harness.js';
import { FidelityRun } from './sim-run.js';

const trace = loadTrace('s7-playback-uris-and-stop');
const originate = request(trace.records, 'POST', /^\/ari\/channels\?/);
const hangup = request(trace.records, 'DELETE', /^\/ari\/channels\//);
const missingStop = request(trace.records, 'DELETE', /^\/ari\/playbacks\/s7-stop-nonexistent$/);
const agentId = originate.path.match(/[?&]channelId=([^&]+)/)![1];
const cases = splitAt(trace.records, 'case', 'playbackId');
const caseIds = [...cases.keys()];
const stopPlays = httpFrom(trace.records).filter((h) => h.method === 'POST' && /\/play\?.*playbackId=s7-stop-/.test(h.path));
/** The trace's absolute-path requests kept the recording host's prefix (URL-encoded, so the README's path rewrite missed it). */
const HOST_PREFIX = '/work/verify/asterisk';
const TTS = '/var/lib/asterisk/tts';

/** What the trace's harness concluded for a case: `{media, httpStatus, finishedState, elapsedMs}`. */
function outcome(slice: readonly TraceRecord[]): Json {
  return harnessFrom(slice).find((h) => 'finishedState' in h)!;
}
const doneElapsed = Number(outcome(cases.get(caseIds[0])!).elapsedMs);

const firstPlay = httpFrom(cases.get(caseIds[0])!)[0];
const setupEvents = eventsFrom(trace.records, AI).filter((r) => r.t < firstPlay.t - firstPlay.ms!);
const tailEvents = eventsFrom(trace.records, AI).filter((r) => r.t > hangup.t - hangup.ms!);
const isWait = (e: Json): boolean => e.type === 'ChannelDialplan' && e.dialplan_app === 'Wait';
/**
 * A race of real Asterisk: s7 shows the first Dial (dialstatus "") after ;2's NoOp, Answer and
 * Up; s1–s6, s9, s12 show it before them (the simulator's order). Compared as a multiset.
 */
const isFirstDial = (e: Json): boolean => e.type === 'Dial' && e.dialstatus === '';
const racy = (e: Json): boolean => isWait(e) || isFirstDial(e);

interface Played {
  run: FidelityRun;
  play: HttpRecord;
  extra: HttpRecord[];
}

async function call(): Promise<FidelityRun> {
  const run = await FidelityRun.start({
    sockets: [AI, CALLER, FIREHOSE],
    sounds: [{ file: 'ai-test-ulaw.ulaw', freq: 1000, ms: doneElapsed, rms: 5000 }],
    pathMap: { [TTS]: 'tts' },
    mappedSounds: [{ dir: TTS, file: 'ai-abs-tone.wav', freq: 1000, ms: doneElapsed, rms: 5000 }],
  });
  await run.replay(originate);
  await run.waitEvent(AI, isType('StasisStart', agentId));
  return run;
}

async function end(run: FidelityRun): Promise<void> {
  // At the trace's hangup ;2 was in Wait(60): Answer() had stopped waiting for a first frame.
  await run.waitEvent(AI, isWait, 1000, 'Wait(60) on ;2');
  await run.replay(hangup);
  await run.waitEvent(AI, isType('ChannelDestroyed', `${agentId};2`), 1000);
  await run.sleep(30);
}

/** One trace case: play, wait for its end (or as long as a played file would take), hang up. */
async function playCase(id: string): Promise<Played> {
  const slice = cases.get(id)!;
  const run = await call();
  const play = await run.replay(httpFrom(slice)[0], { [HOST_PREFIX + TTS]: TTS });
  if (outcome(slice).finishedState === null) await run.sleep(doneElapsed + 500);
  else await run.waitEvent(AI, isType('PlaybackFinished', id), doneElapsed + 1000);
  await end(run);
  return { run, play, extra: [] };
}

/** One trace stop: play the long file, DELETE it after a while, GET it. */
async function stopCase(post: HttpRecord): Promise<Played> {
  const id = post.path.match(/playbackId=([^&]+)/)![1];
  const [del, get] = httpFrom(trace.records).filter((h) => h.path.endsWith(`/playbacks/${id}`));
  const run = await call();
  const play = await run.replay(post);
  await run.waitEvent(AI, isType('PlaybackStarted', id));
  await run.sleep(300); // the trace let it play ~1 s
  const deleted = await run.replay(del);
  await run.waitEvent(AI, isType('PlaybackFinished', id), 1000);
  const got = await run.replay(get);
  await end(run);
  return { run, play, extra: [deleted, got] };
}

/** The trace's events for a run of one case: the call set-up, that playback's events, the hangup. */
function expectedFor(id: string): EventRecord[] {
  const own = eventsFrom(trace.records, AI).filter((r) => subjectOf(r.event) === id);
  const wait = eventsFrom(trace.records, AI).filter((r) => isWait(r.event));
  return [...setupEvents, ...own, ...wait, ...tailEvents].sort((a, b) => a.t - b.t);
}

describe('s7-playback-uris-and-stop (simulator vs trace)', () => {
  const played = new Map<string, Played>();
  let missing: HttpRecord;
  let missingRun: FidelityRun;

  beforeAll(async () => {
    const runs = await Promise.all([
      ...caseIds.map(async (id) => [id, await playCase(id)] as const),
      ...stopPlays.map(async (post) => [post.path.match(/playbackId=([^&]+)/)![1], await stopCase(post)] as const),
    ]);
    for (const [id, p] of runs) played.set(id, p);
    missingRun = await call();
    missing = await missingRun.replay(missingStop);
  }, 15_000);

  afterAll(async () => {
    await Promise.all([...played.values()].map((p) => p.run.close()));
    await missingRun?.close();
  });

  it('the trace has the cases (10 URIs, 3 stops)', () => {
    expect([caseIds.length, stopPlays.length]).toEqual([10, 3]);
  });

  it(`first case (${caseIds[0]}): asterisk-ai-voice-agent receives the trace events in the trace order`, () => {
    // In the trace the ;2 half's Wait(60) starts when the first played frame ends Answer()'s wait.
    const s = played.get(caseIds[0])!.run.compare(AI, expectedFor(caseIds[0]), { racy: isFirstDial });
    expect(s.got.ordered).toEqual(s.want.ordered);
    expect(s.got.racy).toEqual(s.want.racy);
  });

  it('the firehose of the first case receives the trace events of the set-up, DeviceStateChanged aside', () => {
    const want = trace.firehose.filter((r) => r.t < firstPlay.t - firstPlay.ms! && r.event.type !== 'DeviceStateChanged');
    const run = played.get(caseIds[0])!.run;
    const s = sequences(run.firehose.slice(0, want.length), want, { gotAliases: run.aliases, racy: isFirstDial });
    expect(s.got.ordered).toEqual(s.want.ordered);
    expect(s.got.racy).toEqual(s.want.racy);
  });

  describe.each(caseIds)('case %s', (id) => {
    const slice = cases.get(id)!;
    const result = outcome(slice);

    it(`${String(result.media)}: 201 with the trace's body, then the trace's playback events (${String(result.finishedState)})`, () => {
      const p = played.get(id)!;
      expect(answer(p.play)).toEqual(answer(httpFrom(slice)[0]));
      // Answered before PlaybackStarted, as in the trace.
      expect(answeredFirst(slice)).toContain(httpFrom(slice)[0].path);
      expect(p.run.answeredFirst()).toContain(p.play.path);
      // Wait(60) of ;2 comes whenever Answer() stops waiting: after the first frame played, or 500 ms.
      const s = p.run.compare(AI, expectedFor(id), { racy });
      expect(s.got.ordered).toEqual(s.want.ordered);
      expect(s.got.racy).toEqual(s.want.racy);
    });

    it(`timing: ${result.finishedState === 'failed' ? 'failed within 50 ms of the start' : result.finishedState === 'done' ? `done ~${String(result.elapsedMs)} ms after the request (±150 ms)` : 'never finished'}`, () => {
      const p = played.get(id)!;
      const started = p.run.events(AI).find((r) => isType('PlaybackStarted', id)(r.event));
      const finished = p.run.events(AI).find((r) => isType('PlaybackFinished', id)(r.event));
      expect(started).toBeDefined();
      if (result.finishedState === null) expect(finished).toBeUndefined();
      else if (result.finishedState === 'failed') expect(finished!.t - started!.t).toBeLessThan(50);
      else expect(Math.abs(finished!.t - (p.play.t - p.play.ms!) - Number(result.elapsedMs))).toBeLessThanOrEqual(150);
    });
  });

  describe.each(stopPlays.map((p) => p.path.match(/playbackId=([^&]+)/)![1]))('stop %s', (id) => {
    const [del, get] = httpFrom(trace.records).filter((h) => h.path.endsWith(`/playbacks/${id}`));
    const measured = harnessFrom(trace.records).filter((h) => 'playbackFinishedAfterDeleteMs' in h)[stopPlays.findIndex((p) => p.path.includes(id))];

    it('DELETE answers 204, a GET after it 404 "Playback not found", as in the trace', () => {
      const p = played.get(id)!;
      expect(p.extra.map((h) => answer(h))).toEqual([del, get].map((h) => answer(h)));
      expect(answer(p.play)).toEqual(answer(stopPlays.find((s) => s.path.includes(id))!));
    });

    it(`PlaybackFinished state ${String(measured.finishedState)} ~${String(measured.playbackFinishedAfterDeleteMs)} ms after the DELETE (within 50 ms)`, () => {
      const p = played.get(id)!;
      const finished = p.run.events(AI).find((r) => isType('PlaybackFinished', id)(r.event))!;
      expect((finished.event.playback as Json).state).toBe(measured.finishedState);
      expect(finished.t - (p.extra[0].t - p.extra[0].ms!)).toBeLessThan(50);
      const s = p.run.compare(AI, expectedFor(id), { racy });
      expect(s.got.ordered).toEqual(s.want.ordered);
      expect(s.got.racy).toEqual(s.want.racy);
    });
  });

  it('DELETE of a playback that never existed: 404 with the trace body', () => {
    expect(answer(missing)).toEqual(answer(missingStop));
  });
});

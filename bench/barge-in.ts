/**
 * Scenario 5, barge-in: how fast the agent stops when the caller talks over it.
 *
 * BARGE_CALLS (10) concurrent calls (file playback, the default). Each caller asks a question;
 * every answer is the 9 s one (bench/scripts/barge-in.yaml); BARGE_AFTER_MS (2000) after the
 * answer starts the caller says caller-interrupt-16k over it, BARGE_PER_CALL (2) times per call.
 * Barge-in settings are the config defaults (min_speech_ms 300, protection_window_ms 1000).
 *
 * Three definitions, all reported:
 *  - engine, onset → stopped: from the first frame of the caller's speech (as the engine's VAD
 *    saw it) to the playback stop request returning (CallTimeline barge_in.latencyMs); includes
 *    the detector waiting for min_speech_ms unless the provider's own detector fires first;
 *  - engine, decision → stopped: the cancel alone (barge_in.cancelMs);
 *  - at the caller: speech start → agent audio stops, from the MixMonitor recordings.
 */
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { analyzeCall } from '../simulator/driver/analysis.js';
import { REPO_ROOT, sleep } from './lib/children.js';
import { Report } from './lib/report.js';
import { sessionOf, startRig, waitMark, type Rig } from './lib/rig.js';
import { summarize, type Summary } from './lib/stats.js';
import { num } from './lib/table.js';

const CALLS = Number(process.env.BARGE_CALLS ?? 10);
const PER_CALL = Number(process.env.BARGE_PER_CALL ?? 2);
const AFTER_MS = Number(process.env.BARGE_AFTER_MS ?? 2000);
const STAGGER_MS = 200;

interface Barge {
  latencyMs: number;
  cancelMs: number;
  source: string;
}

interface CallResult {
  engine: Barge[];
  caller: number[];
  missed: number;
  error?: string;
}

async function runCall(rig: Rig): Promise<CallResult> {
  const result: CallResult = { engine: [], caller: [], missed: 0 };
  const call = await rig.driver.placeCall({ formats: 'slin16', answerTimeoutMs: 30_000 });
  try {
    const session = await sessionOf(rig.engine, call.callerId);
    await waitMark(session, 'agent_audio_end', 0);
    await sleep(400);
    await call.say('sound:caller-question-16k');
    let saidAt = performance.now();
    for (let k = 0; k < PER_CALL; k++) {
      const answer = await waitMark(session, 'agent_audio_start', saidAt);
      await sleep(Math.max(0, answer.at + AFTER_MS - performance.now()));
      const talkOverAt = performance.now();
      await call.say('sound:caller-interrupt-16k');
      saidAt = performance.now();
      const barge = session.timeline.marks.find((m) => m.what === 'barge_in' && m.at >= talkOverAt);
      if (barge) result.engine.push({ latencyMs: Number(barge.data?.latencyMs), cancelMs: Number(barge.data?.cancelMs), source: String(barge.data?.source) });
      else result.missed++;
    }
    // Let the last answer be heard for a moment, then hang up.
    await waitMark(session, 'agent_audio_start', saidAt).catch(() => undefined);
    await sleep(1000);
    await call.hangup();
    await session.done;
    const rec = await call.recordings();
    result.caller = analyzeCall(rec.heard, rec.said).bargeIns.map((b) => b.stopLatencyMs);
    await call.deleteRecordings().catch(() => undefined);
  } catch (err) {
    result.error = (err as Error).message;
    await call.hangup().catch(() => undefined);
  }
  return result;
}

function row(label: string, s: Summary): (string | number)[] {
  return [label, s.n, num(s.p50, 0), num(s.p95, 0), num(s.p99, 0), num(s.max, 0)];
}

async function main(): Promise<void> {
  const report = new Report('barge-in', 'how fast the agent stops when the caller talks over it', {
    calls: CALLS,
    perCall: PER_CALL,
    afterMs: AFTER_MS,
    downstream: 'file',
    minSpeechMs: 300,
    protectionWindowMs: 1000,
  });
  const rig = await startRig({ script: join(REPO_ROOT, 'bench', 'scripts', 'barge-in.yaml') });
  let results: CallResult[];
  try {
    results = await Promise.all(Array.from({ length: CALLS }, (_, i) => sleep(i * STAGGER_MS).then(() => runCall(rig))));
  } finally {
    await rig.close();
  }
  const ok = results.filter((r) => !r.error);
  const engine = ok.flatMap((r) => r.engine);
  const latency = summarize(engine.map((b) => b.latencyMs));
  const cancel = summarize(engine.map((b) => b.cancelMs));
  const detect = summarize(engine.map((b) => b.latencyMs - b.cancelMs));
  const caller = summarize(ok.flatMap((r) => r.caller));
  report.table(
    `${ok.length}/${CALLS} calls completed, ${PER_CALL} talk-overs each (ms)`,
    ['measure', 'n', 'p50', 'p95', 'p99', 'max'],
    [
      row('engine: onset -> playback stopped', latency),
      row('engine: detection (onset -> decision)', detect),
      row('engine: cancel (decision -> stopped)', cancel),
      row('caller: speech start -> agent audio stops', caller),
    ],
  );
  const sources = new Map<string, number>();
  for (const b of engine) sources.set(b.source, (sources.get(b.source) ?? 0) + 1);
  const missed = ok.reduce((n, r) => n + r.missed, 0);
  report.note(`talk-overs: ${ok.length * PER_CALL}; barge-ins recorded by the engine: ${engine.length} (${[...sources].map(([s, n]) => `${n} by ${s}`).join(', ')}); missed: ${missed}`);
  for (const f of results.filter((r) => r.error).slice(0, 3)) report.note(`call failed: ${f.error}`);
  if (sources.has('provider')) {
    report.note(
      "a barge-in the provider's detector triggers takes as its onset the start of the engine detector's current run of qualifying frames (or the moment of the event), not the first frame of speech: the engine figure leaves out the time before that run began; the caller's figure includes all of it, plus the simulator stopping the playback at its next 20 ms tick",
    );
  }
  Object.assign(report.data, { latency, cancel, detect, caller, sources: Object.fromEntries(sources), missed });
  for (const [what, s] of [
    ['engine onset -> stopped', latency],
    ['engine decision -> stopped (cancel)', cancel],
    ['caller speech start -> agent audio stops', caller],
  ] as const) {
    report.target(`P95 ${what}`, s.p95, '<', 300, 'ms', 'seed');
    report.target(`P95 ${what}`, s.p95, '<', 100, 'ms', 'target');
  }
  report.finish();
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error('barge-in failed:', err instanceof Error ? err.stack : err);
    process.exit(1);
  },
);

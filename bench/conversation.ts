/**
 * Scenario 4, conversation: response times of scripted conversations, at the caller and inside
 * the engine.
 *
 * CONV_CALLS (20) concurrent calls of CONV_TURNS (3) turns each: the caller says a fixture
 * (caller-hello / caller-question / caller-interrupt, 16 kHz), waits for the agent's answer to
 * end, pauses 400 ms, and speaks again. Per downstream mode in CONV_MODES (file,stream).
 *
 *  - End to end at the caller: from the caller's MixMonitor recordings (analyzeCall), end of the
 *    caller's speech → first agent audio heard. This includes end-of-turn detection (the VAD's
 *    hangover), which the engine's figures start after, and the ~300 ms of silence the reply
 *    fixtures begin with.
 *  - Engine (CallTimeline turns): response = end of turn → agent audio starts; provider = end of
 *    turn → first provider audio (the script's think_ms); engine overhead = first provider audio
 *    → agent audio starts.
 *
 * CONV_FIRST_SEGMENT_MS sets media.first_segment_ms (file mode): the engine overhead includes
 * waiting for that much provider audio before the first file can be played.
 *
 * Then latency creep: one call of CONV_CREEP_TURNS (20) turns with short clips (the first 1.4 s
 * of caller-hello, a 1 s answer, both whole 20 ms frames) so it fits the time budget; turn 20
 * against turn 1.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { CallSession } from '../engine/call/session.js';
import { analyzeCall } from '../simulator/driver/analysis.js';
import { REPO_ROOT, sleep } from './lib/children.js';
import { fixture, wavDurationMs, writeClip } from './lib/clips.js';
import { Report } from './lib/report.js';
import { sessionOf, startRig, waitMark, type Rig } from './lib/rig.js';
import { summarize, type Summary } from './lib/stats.js';
import { num } from './lib/table.js';

const CALLS = Number(process.env.CONV_CALLS ?? 20);
const TURNS = Number(process.env.CONV_TURNS ?? 3);
const CREEP_TURNS = Number(process.env.CONV_CREEP_TURNS ?? 20);
const MODES = (process.env.CONV_MODES ?? 'file,stream').split(',').filter((m): m is 'file' | 'stream' => m === 'file' || m === 'stream');
/** media.first_segment_ms for file mode; unset = the config default. */
const FIRST_SEGMENT_MS = process.env.CONV_FIRST_SEGMENT_MS ? Number(process.env.CONV_FIRST_SEGMENT_MS) : undefined;
const STAGGER_MS = 150;
const BREATH_MS = 400;
const CALLER_SAYS = ['caller-hello-16k', 'caller-question-16k', 'caller-interrupt-16k'];

interface CallResult {
  engine: Array<{ responseMs: number; providerMs: number; engineMs: number }>;
  caller: number[];
  bargeIns: number;
  error?: string;
}

/**
 * Waits until the agent has finished the answer that began after `after` (agent_audio_end). In
 * stream mode an engine that does not mark the end is waited out for the answer's length.
 */
async function agentDone(session: CallSession, mode: 'file' | 'stream', after: number, answerMs: number): Promise<void> {
  if (mode === 'file') {
    await waitMark(session, 'agent_audio_end', after, answerMs + 15_000);
  } else {
    await waitMark(session, 'response_started', after, 15_000);
    await waitMark(session, 'agent_audio_end', after, answerMs + 3000).catch(() => undefined);
  }
  await sleep(BREATH_MS);
}

async function runCall(rig: Rig, mode: 'file' | 'stream', turns: number, says: (turn: number) => string, answerMs: (turn: number) => number): Promise<CallResult> {
  const call = await rig.driver.placeCall({ formats: 'slin16', answerTimeoutMs: 30_000 });
  const result: CallResult = { engine: [], caller: [], bargeIns: 0 };
  try {
    const session = await sessionOf(rig.engine, call.callerId);
    await agentDone(session, mode, 0, answerMs(0));
    for (let t = 1; t <= turns; t++) {
      await call.say(`sound:${says(t)}`);
      await agentDone(session, mode, performance.now(), answerMs(t));
    }
    await call.hangup();
    await session.done;
    const summary = session.timeline.summary();
    result.engine = summary.turns;
    result.bargeIns = summary.bargeIns.length;
    const rec = await call.recordings();
    result.caller = analyzeCall(rec.heard, rec.said).responses.map((r) => r.responseMs);
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
  const report = new Report('conversation', 'response time of scripted conversations (caller side and engine side)', {
    calls: CALLS,
    turns: TURNS,
    modes: MODES,
    creepTurns: CREEP_TURNS,
    firstSegmentMs: FIRST_SEGMENT_MS ?? 'config default',
    provider: 'scripted think_ms=150, 4x real-time delivery',
  });
  const conversationScript = join(REPO_ROOT, 'bench', 'scripts', 'conversation.yaml');
  const reply = (t: number) => wavDurationMs(fixture(t === 0 ? 'agent-greeting-16k' : t === 2 ? 'agent-reply-2-16k' : 'agent-reply-1-16k'));
  const byMode: Record<string, unknown> = {};
  const p95: Record<string, { caller: number; overhead: number }> = {};
  for (const mode of MODES) {
    report.progress(`${mode} mode: ${CALLS} calls x ${TURNS} turns`);
    const rig = await startRig({ script: conversationScript, downstream: mode, config: FIRST_SEGMENT_MS ? { media: { first_segment_ms: FIRST_SEGMENT_MS } } : {} });
    let results: CallResult[];
    const firstSegmentMs = rig.engine.config.media.first_segment_ms;
    try {
      results = await Promise.all(
        Array.from({ length: CALLS }, (_, i) =>
          sleep(i * STAGGER_MS).then(() => runCall(rig, mode, TURNS, (t) => CALLER_SAYS[(t - 1) % CALLER_SAYS.length], reply)),
        ),
      );
    } finally {
      await rig.close();
    }
    const failed = results.filter((r) => r.error);
    const ok = results.filter((r) => !r.error);
    const caller = summarize(ok.flatMap((r) => r.caller));
    const response = summarize(ok.flatMap((r) => r.engine.map((t) => t.responseMs)));
    const provider = summarize(ok.flatMap((r) => r.engine.map((t) => t.providerMs)));
    const overhead = summarize(ok.flatMap((r) => r.engine.map((t) => t.engineMs)));
    report.table(
      `downstream_mode=${mode}: ${ok.length}/${CALLS} calls completed, ${TURNS} turns each (ms)`,
      ['measure', 'n', 'p50', 'p95', 'p99', 'max'],
      [
        row('end to end at the caller (recording)', caller),
        row('engine: response (end of turn -> audio starts)', response),
        row('engine: provider (end of turn -> first audio)', provider),
        row('engine: overhead (first audio -> audio starts)', overhead),
      ],
    );
    const expectedTurns = ok.length * TURNS;
    if (response.n < expectedTurns) report.note(`${mode}: the engine timed ${response.n} of ${expectedTurns} turns`);
    if (caller.n < expectedTurns) report.note(`${mode}: the recordings show ${caller.n} answered utterances of ${expectedTurns}`);
    const spurious = ok.reduce((n, r) => n + r.bargeIns, 0);
    if (spurious > 0) report.note(`${mode}: ${spurious} barge-ins were recorded although the caller never talked over the agent`);
    for (const f of failed.slice(0, 3)) report.note(`${mode}: call failed: ${f.error}`);
    if (response.n > 0 && caller.n > 0) {
      report.note(
        `${mode}: caller p50 - engine response p50 = ${num(caller.p50 - response.p50, 0)} ms: end-of-turn detection (the VAD's hangover, before the engine's clock starts), the ~300 ms of silence the reply recordings begin with, and transport/20 ms granularity`,
      );
    }
    if (mode === 'file' && overhead.n > 0) {
      report.note(
        `file: the overhead includes waiting for the first segment (media.first_segment_ms = ${firstSegmentMs} ms of audio) to arrive from the provider (200 ms chunks at 4x real time here)`,
      );
    }
    byMode[mode] = { caller, response, provider, overhead, failed: failed.length, spuriousBargeIns: spurious };
    p95[mode] = { caller: caller.p95, overhead: overhead.p95 };
  }
  report.data.modes = byMode;

  // Latency creep: one long call.
  let creep: { engine: number[]; caller: number[] } | null = null;
  if (CREEP_TURNS > 0) {
    report.progress(`creep: 1 call x ${CREEP_TURNS} turns (file mode)`);
    const work = mkdtempSync(join(tmpdir(), 'bench-conv-'));
    // Whole 20 ms frames: the simulator's MixMonitor loses the half frame a sound ends with on the
    // "said" track (about 10 ms per utterance), which reads as creep at the caller.
    writeClip('caller-hello-16k', 1400, 300, work, 'bench-caller-short');
    const answer = writeClip('agent-reply-1-16k', 1040, 200, work, 'bench-agent-short');
    const script = join(work, 'creep.yaml');
    writeFileSync(script, `think_ms: 150\nchunk_ms: 200\ndelivery_speed: 4\ngreeting:\n  audio: ${answer}\ndefault:\n  audio: ${answer}\n`);
    const rig = await startRig({ script, soundDirs: [work] });
    try {
      const r = await runCall(rig, 'file', CREEP_TURNS, () => 'bench-caller-short', () => wavDurationMs(answer));
      if (r.error) report.note(`creep call failed: ${r.error}`);
      creep = { engine: r.engine.map((t) => t.responseMs), caller: r.caller };
    } finally {
      await rig.close();
      rmSync(work, { recursive: true, force: true });
    }
    const c = creep ?? { engine: [], caller: [] };
    const pick = (xs: number[], i: number) => (xs[i] === undefined ? '-' : num(xs[i], 0));
    const turnsShown = [1, 2, 5, 10, 15, CREEP_TURNS].filter((t, i, a) => t <= CREEP_TURNS && a.indexOf(t) === i);
    const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);
    report.table(
      `Latency creep: one call, ${CREEP_TURNS} turns (ms)`,
      ['measure', ...turnsShown.map((t) => `turn ${t}`), 'mean 1-5', `mean last 5`],
      [
        ['engine response', ...turnsShown.map((t) => pick(c.engine, t - 1)), num(mean(c.engine.slice(0, 5)), 0), num(mean(c.engine.slice(-5)), 0)],
        ['end to end at the caller', ...turnsShown.map((t) => pick(c.caller, t - 1)), num(mean(c.caller.slice(0, 5)), 0), num(mean(c.caller.slice(-5)), 0)],
      ],
    );
    if (c.engine.length !== CREEP_TURNS || c.caller.length !== CREEP_TURNS) {
      report.note(`creep: the engine timed ${c.engine.length} turns and the recording shows ${c.caller.length} answers of ${CREEP_TURNS}`);
    }
    report.data.creep = c;
  }

  for (const mode of MODES) {
    report.target(`P95 end to end at the caller (${mode})`, p95[mode]?.caller, '<=', 2000, 'ms', 'seed');
    report.target(`P95 engine overhead (${mode})`, p95[mode]?.overhead, '<', 50, 'ms');
  }
  report.finish();
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error('conversation failed:', err instanceof Error ? err.stack : err);
    process.exit(1);
  },
);

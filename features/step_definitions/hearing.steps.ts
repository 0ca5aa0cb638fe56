/**
 * What the caller heard, read from the caller's MixMonitor recordings after hangup
 * (simulator/driver/analysis.ts): the truth at the caller's ear, whatever the engine believes.
 */
import { Then } from '@cucumber/cucumber';
import type { CallAnalysis } from '../../simulator/driver/analysis.js';
import { inRange, percentile, type CountRange } from '../support/expect.js';
import type { CallUnderTest, VoiceWorld } from '../support/world.js';

Then('the caller heard {count} stretch(es) of agent audio', async function (this: VoiceWorld, count: CountRange) {
  const a = await this.recordingOf(this.lastCall);
  if (!inRange(a.heard.length, count)) {
    throw new Error(`the caller heard ${a.heard.length} stretch(es) of agent audio, expected ${count.text}: ${segments(a.heard)}`);
  }
});

Then('the caller heard an answer after each thing they said, within {int} ms', async function (this: VoiceWorld, ms: number) {
  const problems = await answersAfterEachUtterance(this, this.lastCall, ms);
  if (problems.length > 0) throw new Error(problems.join('\n'));
});

Then(
  'at the caller, the agent stopped within {int} ms of being talked over, {count} time(s)',
  async function (this: VoiceWorld, ms: number, count: CountRange) {
    const a = await this.recordingOf(this.lastCall);
    const desc = a.bargeIns.map((b) => `${b.stopLatencyMs} ms (caller started at ${b.saidStartMs} ms)`).join(', ') || 'none';
    if (!inRange(a.bargeIns.length, count)) throw new Error(`the caller talked over the agent ${a.bargeIns.length} time(s), expected ${count.text}: ${desc}`);
    const slow = a.bargeIns.filter((b) => b.stopLatencyMs > ms);
    if (slow.length > 0) throw new Error(`at the caller the agent went on for ${desc}; expected at most ${ms} ms`);
    this.log(`at the caller, the agent stopped after ${desc}`);
  },
);

Then('the caller heard agent audio for at least {int} ms in one stretch', async function (this: VoiceWorld, ms: number) {
  const a = await this.recordingOf(this.lastCall);
  const longest = Math.max(0, ...a.heard.map((s) => s.endMs - s.startMs));
  if (longest < ms) throw new Error(`the longest stretch of agent audio was ${longest} ms, expected at least ${ms}: ${segments(a.heard)}`);
});

// ── many callers ─────────────────────────────────────────────────────────────────────────────

Then('every caller heard an answer after what they said', async function (this: VoiceWorld) {
  const problems: string[] = [];
  for (const c of this.calls) problems.push(...(await answersAfterEachUtterance(this, c, Infinity)));
  if (problems.length > 0) throw new Error(problems.join('\n'));
});

Then(
  'the {int}th percentile of the response time at the callers is at most {int} ms',
  async function (this: VoiceWorld, p: number, ms: number) {
    const times: number[] = [];
    for (const c of this.calls) times.push(...(await this.recordingOf(c)).responses.map((r) => r.responseMs));
    if (times.length === 0) throw new Error('no caller heard any answer');
    const value = percentile(times, p);
    this.log(`response times at the callers (ms): ${[...times].sort((a, b) => a - b).join(', ')}; P${p} = ${value} ms`);
    if (value > ms) throw new Error(`P${p} of the response time at the callers is ${value} ms, expected at most ${ms} ms (all: ${times.join(', ')})`);
  },
);

// ── helpers ──────────────────────────────────────────────────────────────────────────────────

/** One problem per utterance that got no answer (or a late one). */
async function answersAfterEachUtterance(world: VoiceWorld, c: CallUnderTest, withinMs: number): Promise<string[]> {
  const a = await world.recordingOf(c);
  const problems: string[] = [];
  if (a.said.length !== c.said.length) {
    problems.push(`call ${c.call.callId}: the recording shows ${a.said.length} caller utterance(s), the caller played ${c.said.length} (${c.said.join(', ')}): ${segments(a.said)}`);
  }
  for (const s of a.said) {
    const r = a.responses.find((x) => x.saidEndMs === s.endMs);
    if (!r) problems.push(`call ${c.call.callId}: no agent audio after the caller's speech at ${s.startMs}-${s.endMs} ms (heard: ${segments(a.heard)})`);
    else if (r.responseMs > withinMs) problems.push(`call ${c.call.callId}: the answer to the speech ending at ${s.endMs} ms came ${r.responseMs} ms later, expected within ${withinMs} ms`);
  }
  return problems;
}

function segments(list: CallAnalysis['heard']): string {
  return list.map((s) => `${s.startMs}-${s.endMs}`).join(', ') || 'none';
}

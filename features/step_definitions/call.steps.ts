/**
 * The caller: places the call, listens, speaks, hangs up, as a person on a telephone would. The
 * caller's pauses follow the engine's own marks (it started / stopped speaking), so a scenario
 * waits as long as the call needs and no longer.
 */
import { performance } from 'node:perf_hooks';
import { When } from '@cucumber/cucumber';
import { pathPattern, splitRequest } from '../support/ari-tap.js';
import { sleep, type CallUnderTest, type VoiceWorld } from '../support/world.js';

/** A person waits a breath after the agent stops before speaking. */
const BREATH_MS = 400;

When('a call comes in with formats {string}', { timeout: 30_000 }, async function (this: VoiceWorld, formats: string) {
  await this.placeCall(formats);
});

When('the caller hears the greeting out', { timeout: 30_000 }, async function (this: VoiceWorld) {
  await hearsOut(this, this.lastCall, 0);
});

When('the caller hears the answer out', { timeout: 30_000 }, async function (this: VoiceWorld) {
  await hearsOut(this, this.lastCall, this.lastCall.lastSaidEndAt);
});

When('the caller says {string}', { timeout: 30_000 }, async function (this: VoiceWorld, utterance: string) {
  await this.say(this.lastCall, utterance);
});

When('the caller starts saying {string}', async function (this: VoiceWorld, utterance: string) {
  const c = this.lastCall;
  this.startSaying(c, utterance);
  // Its first audio is out before the next step acts.
  await c.call.waitFor('PlaybackStarted:' + `tc-${c.call.callId}-say-${c.said.length}`, 5000).catch(() => undefined);
});

When('the caller finishes speaking', { timeout: 30_000 }, async function (this: VoiceWorld) {
  await this.finishSaying(this.lastCall);
});

When('the caller waits {int} ms', async function (this: VoiceWorld, ms: number) {
  await sleep(ms);
});

When('the agent answers within {int} ms', async function (this: VoiceWorld, ms: number) {
  await this.engineMark(this.lastCall, 'agent_audio_start', this.lastCall.lastSaidEndAt, ms);
});

When('the agent is speaking within {int} ms', async function (this: VoiceWorld, ms: number) {
  // From the PBX's side, so it works whichever way the engine runs.
  await this.observer.waitFor(
    (ev) => ev.type === 'PlaybackStarted' && String((ev.playback as { id?: string } | undefined)?.id ?? '').startsWith('aiav-'),
    ms,
    "PlaybackStarted of one of the engine's playbacks",
  );
});

When('the caller hangs up', async function (this: VoiceWorld) {
  await this.lastCall.call.hangup();
});

When('the caller hangs up {int} ms into the answer', { timeout: 30_000 }, async function (this: VoiceWorld, ms: number) {
  await hangUpIntoAnswer(this, this.lastCall, ms);
});

When('the caller hangs up as soon as the engine sends {string}', async function (this: VoiceWorld, request: string) {
  const [method, path] = splitRequest(request);
  const re = pathPattern(path);
  const deadline = performance.now() + 10_000;
  while (!this.tap.requests.some((r) => r.method === method && re.test(r.path))) {
    if (performance.now() > deadline) throw new Error(`the engine never sent ${request}`);
    await sleep(5);
  }
  await this.lastCall.call.hangup();
});

// ── many callers ─────────────────────────────────────────────────────────────────────────────

When('{int} calls come in at once with formats {string}', { timeout: 60_000 }, async function (this: VoiceWorld, n: number, formats: string) {
  await this.ensureEngine();
  await Promise.all(Array.from({ length: n }, () => this.placeCall(formats)));
});

When('every caller hears the greeting out and says {string}', { timeout: 60_000 }, async function (this: VoiceWorld, utterance: string) {
  await Promise.all(
    this.calls.map(async (c) => {
      await hearsOut(this, c, 0);
      await this.say(c, utterance);
    }),
  );
});

When('every caller hangs up {int} ms into the answer', { timeout: 60_000 }, async function (this: VoiceWorld, ms: number) {
  await Promise.all(this.calls.map((c) => hangUpIntoAnswer(this, c, ms)));
});

// ── helpers ──────────────────────────────────────────────────────────────────────────────────

async function hearsOut(world: VoiceWorld, c: CallUnderTest, after: number): Promise<void> {
  await world.engineMark(c, 'agent_audio_end', after, 25_000);
  await sleep(BREATH_MS);
}

async function hangUpIntoAnswer(world: VoiceWorld, c: CallUnderTest, ms: number): Promise<void> {
  const started = await world.engineMark(c, 'agent_audio_start', c.lastSaidEndAt, 10_000);
  const wait = started.at + ms - performance.now();
  if (wait > 0) await sleep(wait);
  await c.call.hangup();
}

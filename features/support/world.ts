/**
 * The state of one scenario and what its steps do with it.
 *
 * Per scenario: the PBX from the target (a fresh simulator, or the shared Asterisk), a tap in
 * front of its ARI for the engine (ari-tap.ts), a bystander on its events (ari-observer.ts), the
 * engine (started by the first step that needs it, with the scenario's configuration), the call
 * driver placing calls as a telephone would (simulator/driver/call-driver.ts), and the engine's
 * log lines. Steps stay short because the work is here.
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { World } from '@cucumber/cucumber';
import { parse as parseYaml } from 'yaml';
import type { CallSession } from '../../engine/call/session.js';
import { analyzeCall, type CallAnalysis } from '../../simulator/driver/analysis.js';
import { CallDriver, type TestCall } from '../../simulator/driver/call-driver.js';
import { AriObserver } from './ari-observer.js';
import { AriTap } from './ari-tap.js';
import { baseConfig, deepMerge, startInProcess, startProcess, type Raw, type RunningEngine } from './engine-runner.js';
import { fixtureName, fixtureTranscript } from './fixtures.js';
import { LogCapture } from './log-capture.js';
import { CALL_REPORTS_DIR, slug } from './paths.js';
import { buildCallReport, type CallReport } from './report/call-report.js';
import { timelineSvg } from './report/timeline-svg.js';
import { currentTarget } from './suite.js';
import type { ScenarioPbx } from './targets/target.js';

/** A call the scenario placed; steps about "the call" mean the last one. */
export interface CallUnderTest {
  call: TestCall;
  rateHz: 8000 | 16000;
  /** Fixture names the caller played, in order (turn N is said[N-1]). */
  said: string[];
  /** performance.now() when the caller last finished speaking. */
  lastSaidEndAt: number;
  /** An utterance still being played ("starts saying"). */
  saying: Promise<unknown> | undefined;
  recordings: { heard: Buffer; said: Buffer } | undefined;
  analysis: CallAnalysis | undefined;
  report: CallReport | undefined;
}

export class VoiceWorld extends World {
  pbx!: ScenarioPbx;
  tap!: AriTap;
  observer!: AriObserver;
  driver!: CallDriver;
  readonly logs = new LogCapture();
  engine: RunningEngine | undefined;
  private starting: Promise<RunningEngine> | undefined;
  readonly calls: CallUnderTest[] = [];
  /** Every session the in-process engine ran, by caller channel id (kept after they end). */
  readonly sessions = new Map<string, CallSession>();
  /** Sockets the scenario opened itself (strangers, impostor servers): closed at the end. */
  readonly ownSockets = new Set<Socket>();
  readonly cleanups: Array<() => Promise<void> | void> = [];
  scenarioName = '';
  reportDir = '';
  private overrides: Raw = {};
  private watchSessions: NodeJS.Timeout | undefined;
  private workDir = '';

  get targetName(): string {
    return currentTarget().name;
  }

  // ── scenario lifecycle (hooks.ts) ────────────────────────────────────────────────────────

  async open(scenarioName: string, workDir: string): Promise<void> {
    this.scenarioName = scenarioName;
    this.workDir = workDir;
    this.reportDir = join(CALL_REPORTS_DIR, slug(scenarioName));
    rmSync(this.reportDir, { recursive: true, force: true });
    mkdirSync(this.reportDir, { recursive: true });
    this.logs.file = join(this.reportDir, 'engine.log');
    this.pbx = await currentTarget().openScenario();
    this.tap = await AriTap.start(this.pbx.url);
    this.observer = await AriObserver.connect(this.pbx.url, this.pbx.username, this.pbx.password, `e2e-observer-${process.pid}`);
    this.driver = await CallDriver.connect({ ariUrl: this.pbx.url, username: this.pbx.username, password: this.pbx.password });
  }

  /** Hangs everything up, writes the reports, stops what the scenario started. Never throws. */
  async close(): Promise<void> {
    const step = async (what: string, fn: () => Promise<unknown> | unknown) => {
      try {
        await fn();
      } catch (err) {
        this.log(`cleanup: ${what} failed: ${(err as Error).message}`);
      }
    };
    for (const c of this.calls) await step(`hang up ${c.call.callId}`, () => c.call.hangup());
    await step('wait for sessions', () => Promise.race([Promise.all([...this.sessions.values()].map((s) => s.done)), sleep(3000)]));
    for (const c of this.calls) await step(`report ${c.call.callId}`, () => this.writeReport(c));
    for (const fn of this.cleanups.reverse()) await step('scenario cleanup', fn);
    for (const s of this.ownSockets) s.destroy();
    if (this.watchSessions) clearInterval(this.watchSessions);
    await step('stop engine', () => this.engine?.stop());
    for (const c of this.calls) await step('delete recordings', () => c.call.deleteRecordings());
    await step('close driver', () => this.driver?.close());
    await step('close observer', () => this.observer?.close());
    await step('close tap', () => this.tap?.close());
    await step('close PBX', () => this.pbx?.close());
  }

  // ── the engine ───────────────────────────────────────────────────────────────────────────

  /** Merges YAML into the configuration the engine will start with. */
  configure(yamlText: string): void {
    if (this.engine) throw new Error('the engine is already running: configure it before the first call');
    const doc = parseYaml(yamlText) as unknown;
    if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) throw new Error('the engine configuration must be a YAML mapping');
    this.overrides = deepMerge(this.overrides, doc as Raw);
  }

  /** Starts the engine if it is not running (in this process unless asked otherwise). */
  ensureEngine(kind: 'in-process' | 'process' = 'in-process'): Promise<RunningEngine> {
    if (this.engine) return Promise.resolve(this.engine);
    // Steps running side by side (many callers) share one start.
    this.starting ??= this.startEngine(kind).finally(() => (this.starting = undefined));
    return this.starting;
  }

  private async startEngine(kind: 'in-process' | 'process'): Promise<RunningEngine> {
    const raw = deepMerge(baseConfig(this.pbx, this.tap.url), this.overrides);
    if (kind === 'process') {
      this.engine = await startProcess(raw, this.logs, this.workDir);
    } else {
      this.engine = await startInProcess(raw, this.logs, { utteranceFor: (callId, turn) => this.utteranceFor(callId, turn) });
      const engine = this.engine.engine!;
      // Sessions leave the manager when they end; keep them for the timeline and the report.
      this.watchSessions = setInterval(() => {
        for (const s of engine.manager.calls) if (!this.sessions.has(s.callerId)) this.sessions.set(s.callerId, s);
      }, 5);
      engine.onCallEnded((s) => this.sessions.set(s.callerId, s));
    }
    return this.engine;
  }

  /** The running engine in this process; steps that read its sessions need one. */
  inProcessEngine() {
    const e = this.engine?.engine;
    if (!e) throw new Error('this step needs the engine running in this process');
    return e;
  }

  /** Forget the engine (after a kill) so the next step can start a new one. */
  retireEngine(): void {
    this.engine = undefined;
    if (this.watchSessions) clearInterval(this.watchSessions);
    this.watchSessions = undefined;
  }

  /** What the caller said in a turn, for the scripted provider (the fixture's transcript). */
  private utteranceFor(engineCallId: string, turn: number): string | undefined {
    const c = this.calls.find((x) => this.sessions.get(x.call.callerId)?.callId === engineCallId);
    const name = c?.said[turn - 1];
    return name ? fixtureTranscript(name) : undefined;
  }

  // ── calls ────────────────────────────────────────────────────────────────────────────────

  get lastCall(): CallUnderTest {
    const c = this.calls[this.calls.length - 1];
    if (!c) throw new Error('no call has been placed in this scenario');
    return c;
  }

  async placeCall(formats = 'slin16'): Promise<CallUnderTest> {
    await this.ensureEngine();
    const call = await this.driver.placeCall({ formats, answerTimeoutMs: 15_000 });
    const c: CallUnderTest = {
      call,
      rateHz: formats === 'slin' || formats === 'ulaw' || formats === 'alaw' ? 8000 : 16000,
      said: [],
      lastSaidEndAt: performance.now(),
      saying: undefined,
      recordings: undefined,
      analysis: undefined,
      report: undefined,
    };
    this.calls.push(c);
    return c;
  }

  /** The engine's session for a call (engine in this process), waiting for it to appear. */
  async sessionOf(c: CallUnderTest, timeoutMs = 5000): Promise<CallSession> {
    this.inProcessEngine();
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const s = this.sessions.get(c.call.callerId);
      if (s) return s;
      if (performance.now() > deadline) throw new Error(`the engine never took call ${c.call.callId} (caller ${c.call.callerId})`);
      await sleep(10);
    }
  }

  /** Resolves with the first engine timeline mark `what` at or after `after` (performance.now()). */
  async engineMark(c: CallUnderTest, what: string, after: number, timeoutMs: number): Promise<{ at: number; data?: Record<string, unknown> }> {
    const session = await this.sessionOf(c);
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const m = session.timeline.marks.find((x) => x.what === what && x.at >= after);
      if (m) return m;
      if (performance.now() > deadline) {
        const seen = session.timeline.relative().map((x) => `${x.at}:${x.what}`).join(' ');
        throw new Error(`call ${c.call.callId}: no engine "${what}" within ${timeoutMs} ms (engine marks: ${seen})`);
      }
      await sleep(10);
    }
  }

  /** The caller plays an utterance; resolves when it has been played. */
  async say(c: CallUnderTest, utterance: string): Promise<void> {
    const name = fixtureName(utterance, c.rateHz);
    c.said.push(name);
    await c.call.say(this.pbx.fixtureUri(name));
    c.lastSaidEndAt = performance.now();
  }

  /** Starts an utterance without waiting for it to end. */
  startSaying(c: CallUnderTest, utterance: string): void {
    c.saying = this.say(c, utterance);
    c.saying.catch(() => undefined);
  }

  async finishSaying(c: CallUnderTest): Promise<void> {
    if (!c.saying) throw new Error('the caller is not saying anything');
    await c.saying;
    c.saying = undefined;
  }

  /** After hangup: what the caller heard and said, fetched and analysed once. */
  async recordingOf(c: CallUnderTest): Promise<CallAnalysis> {
    if (c.analysis) return c.analysis;
    if (!c.call.ended) throw new Error(`call ${c.call.callId} is still up: its recording is complete only after hangup`);
    c.recordings = await c.call.recordings(8000);
    c.analysis = analyzeCall(c.recordings.heard, c.recordings.said);
    return c.analysis;
  }

  // ── sockets the scenario opens itself ────────────────────────────────────────────────────

  /** A TCP connection to the engine's AudioSocket server, as a stranger would open one. */
  connectToEngineAudioSocket(): Promise<Socket> {
    const engine = this.engine;
    if (!engine) return Promise.reject(new Error('the engine is not running'));
    const host = ['0.0.0.0', '::', '[::]'].includes(engine.config.audiosocket.host) ? '127.0.0.1' : engine.config.audiosocket.host;
    return new Promise((resolve, reject) => {
      const s = connect(engine.audiosocketPort, host, () => resolve(s));
      s.once('error', reject);
      this.ownSockets.add(s);
    });
  }

  // ── what is left ─────────────────────────────────────────────────────────────────────────

  /**
   * What of the scenario's calls is still there: channels and bridges in ARI (on the simulator,
   * anything at all; on a shared Asterisk, the engine's `aiav-` ids and the test calls' `tc-`
   * channels), files in the media folder, and AudioSocket connections the engine holds open.
   */
  async leftovers(): Promise<string[]> {
    const everything = this.pbx.sim !== undefined;
    const ours = (id: string) => id.startsWith('aiav-') || this.calls.some((c) => id.startsWith(`tc-${c.call.callId}-`));
    const channels = (await this.driver.ari.channels.list()).filter((ch) => everything || ours(ch.id)).map((ch) => `channel ${ch.id} (${ch.name})`);
    const bridges = (await this.driver.ari.bridges.list()).filter((b) => everything || b.id.startsWith('aiav-')).map((b) => `bridge ${b.id}`);
    let files: string[] = [];
    try {
      files = readdirSync(this.pbx.mediaDir)
        .filter((f) => everything || f.startsWith('aiav') || f.startsWith('.aiav'))
        .map((f) => `file ${f}`);
    } catch {
      // no folder, no files
    }
    const sockets = this.engine?.engine ? this.engine.engine.audio.connectionCount : 0;
    return [...channels, ...bridges, ...files, ...(sockets > 0 ? [`${sockets} AudioSocket connection(s) open in the engine`] : [])];
  }

  // ── reports ──────────────────────────────────────────────────────────────────────────────

  private async writeReport(c: CallUnderTest): Promise<void> {
    let analysis: CallAnalysis | null = null;
    try {
      analysis = await this.recordingOf(c);
    } catch (err) {
      this.log(`call ${c.call.callId}: no recording (${(err as Error).message})`);
    }
    const session = this.sessions.get(c.call.callerId);
    const report = buildCallReport({
      scenario: this.scenarioName,
      target: this.targetName,
      callId: c.call.callId,
      engineCallId: session?.callId ?? null,
      rateHz: c.rateHz,
      callerMarks: c.call.marks,
      // Both clocks are this process's performance.now(): the engine's marks move onto the call's.
      engineMarks: session ? session.timeline.marks.map((m) => ({ ...m, at: m.at - c.call.t0 })) : [],
      analysis,
      engineSummary: session?.timeline.summary(),
    });
    c.report = report;
    const base = join(this.reportDir, c.call.callId);
    const svg = timelineSvg(report);
    writeFileSync(`${base}.json`, `${JSON.stringify(report, null, 2)}\n`);
    writeFileSync(`${base}.svg`, svg);
    if (c.recordings) {
      writeFileSync(`${base}.heard.wav`, c.recordings.heard);
      writeFileSync(`${base}.said.wav`, c.recordings.said);
    }
    this.attach(Buffer.from(svg), 'image/svg+xml');
    this.attach(
      [
        `call ${c.call.callId}: ${report.heard.length} stretch(es) of agent audio heard, ${report.said.length} caller utterance(s)`,
        ...report.responses.map((r) => `  answer heard ${r.responseMs} ms after the caller stopped`),
        ...report.bargeIns.map((b) => `  barge-in: agent stopped ${b.stopLatencyMs} ms after the caller started`),
        `  files: ${base}.{json,svg,heard.wav,said.wav}`,
      ].join('\n'),
      'text/plain',
    );
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * Shared setup of the engine's integration tests: the simulator (a fake Asterisk 22 over real
 * sockets), the engine on free ports with its log lines captured, and the call driver that
 * places calls through the dialplan like a phone (`Local/s@ai-test-call`, caller half `;2` into
 * the engine's Stasis app).
 *
 * Each test file starts its own harness, so files are independent and may run in parallel.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import { repoRoot, startEngine, type Engine } from '../app.js';
import type { CallSession } from '../call/session.js';
import { parseConfig, type EngineConfig } from '../config/load.js';
import { CallDriver, type TestCall } from '../../simulator/driver/call-driver.js';
import { startSimulator, type Simulator } from '../../simulator/main.js';
import { LogCapture } from './logs.js';
import { eventually, sleep } from './wait.js';

export { eventually, sleep };

export const ROOT = repoRoot();
export const FIXTURES = join(ROOT, 'fixtures', 'audio');
/** The engine's id prefix for what it creates (channels, bridges, playbacks). */
export const OWN = 'aiav-';

/** A short script for the scripted provider: no greeting, a quick answer to every caller turn. */
export function writeTestScript(dir: string): string {
  const path = join(dir, 'it-script.yaml');
  writeFileSync(
    path,
    [
      'think_ms: 100',
      'chunk_ms: 200',
      'delivery_speed: 4',
      'default:',
      // Converted to the call's rate by the provider.
      `  audio: ${join(FIXTURES, 'agent-reply-1-16k.wav')}`,
      '  text: Sure, I can help with that.',
      '',
    ].join('\n'),
  );
  return path;
}

export interface HarnessOptions {
  /** Raw config (as in the YAML) merged over the test defaults. */
  config?: Record<string, unknown>;
  /** Do not start an engine in this process (restart and drain tests run it in a child). */
  noEngine?: boolean;
  /** Engine log level; default debug. */
  logLevel?: string;
  /** Log into this instead of the harness's LogCapture (which then stays empty). */
  logger?: Logger;
}

export interface Harness {
  sim: Simulator;
  engine: Engine;
  driver: CallDriver;
  logs: LogCapture;
  /** Temp dir removed by close(). */
  work: string;
  /** Sound folder the simulator plays from; the engine's media dir is `<soundDir>/ai-generated`. */
  soundDir: string;
  mediaDir: string;
  /** The raw config the engine was built from (without ports), for child-process engines. */
  rawConfig: Record<string, unknown>;
  config: EngineConfig;
  startEngine(): Promise<Engine>;
  close(): Promise<void>;
}

export async function startHarness(opts: HarnessOptions = {}): Promise<Harness> {
  const work = mkdtempSync(join(tmpdir(), 'aiav-it-'));
  const soundDir = join(work, 'sounds');
  const mediaDir = join(soundDir, 'ai-generated');
  mkdirSync(mediaDir, { recursive: true });
  const logs = new LogCapture();
  const sim = await startSimulator({ port: 0, soundDirs: [soundDir, FIXTURES] });
  const script = writeTestScript(work);
  const rawConfig = deepMerge(
    {
      ari: { url: sim.url, username: sim.username, password: sim.password, reconnect: { min_ms: 100, max_ms: 1000 }, ping_interval_ms: 1000 },
      media: { dir: mediaDir },
      providers: { scripted: { script } },
      audiosocket: { bind_timeout_ms: 2000 },
      barge_in: { enabled: false },
      log_level: 'debug',
    },
    opts.config ?? {},
  );
  const config = parseConfig(rawConfig, {});
  // Free ports, so test files run side by side.
  config.audiosocket.port = 0;
  config.http.port = 0;
  const driver = await CallDriver.connect({ ariUrl: sim.url, username: sim.username, password: sim.password });

  let engine: Engine | undefined;
  const h: Harness = {
    sim,
    get engine(): Engine {
      if (!engine) throw new Error('no engine in this harness');
      return engine;
    },
    driver,
    logs,
    work,
    soundDir,
    mediaDir,
    rawConfig,
    config,
    async startEngine() {
      engine = await startEngine({ config, logger: opts.logger ?? logs.logger(opts.logLevel ?? 'debug') });
      return engine;
    },
    async close() {
      sim.pbx.faults?.clear();
      sim.ari.faults.setResponseDelay(0);
      await driver.close().catch(() => undefined);
      await engine?.close();
      await sim.close();
      rmSync(work, { recursive: true, force: true });
    },
  };
  if (!opts.noEngine) await h.startEngine();
  return h;
}

/** For afterEach: prints the engine's log when the test failed, which says more than the assertion. */
export function dumpLogsIfFailed(ctx: { task: { result?: { state?: string } } }, h: Harness | undefined): void {
  if (ctx.task.result?.state === 'fail' && h) console.log(h.logs.dump());
}

/** Places a call and returns it with the engine's session for it. */
export async function placeCall(h: Harness, formats = 'slin16'): Promise<{ call: TestCall; session: CallSession }> {
  const call = await h.driver.placeCall({ formats });
  const session = await sessionOf(h.engine, call.callerId);
  return { call, session };
}

/** The engine's session for a caller, live or (if it was quick) already ended. */
export async function sessionOf(engine: Engine, callerId: string, timeoutMs = 5000): Promise<CallSession> {
  let found: CallSession | undefined;
  const off = engine.onCallEnded((s) => {
    if (s.callerId === callerId) found ??= s;
  });
  try {
    await eventually(
      () => (found ??= [...engine.manager.calls].find((s) => s.callerId === callerId)) !== undefined,
      timeoutMs,
      `the engine's session for ${callerId}`,
    );
  } finally {
    off();
  }
  return found!;
}

/** Resolves when the session's timeline has `what` at or after `after` (performance.now()). */
export async function waitMark(session: CallSession, what: string, after = 0, timeoutMs = 15_000): Promise<void> {
  await eventually(() => session.timeline.marks.some((m) => m.what === what && m.at >= after), timeoutMs, `${what} on call ${session.callId}`);
}

/**
 * One conversational turn: the caller speaks, the engine hears the turn end and the agent's
 * answer starts playing. Resolves with the answer's start (performance.now()).
 */
export async function turn(call: TestCall, session: CallSession, media = 'sound:caller-hello-16k'): Promise<number> {
  const t0 = performance.now();
  await call.say(media);
  await waitMark(session, 'user_speech_end', t0, 5000);
  await waitMark(session, 'agent_audio_start', t0, 8000);
  return session.timeline.marks.find((m) => m.what === 'agent_audio_start' && m.at >= t0)!.at;
}

/** Frames the engine has received on bound AudioSocket connections (all calls). */
export async function framesIn(engine: Engine): Promise<number> {
  const m = await engine.metrics.framesIn.get();
  return m.values.reduce((n, v) => n + v.value, 0);
}

/** What is left in ARI and on disk; empty when everything was cleaned up. */
export async function leftovers(h: Harness, engine?: Engine): Promise<string[]> {
  const channels = (await h.driver.ari.channels.list()).map((c) => `channel ${c.id} (${c.name})`);
  const bridges = (await h.driver.ari.bridges.list()).map((b) => `bridge ${b.id}`);
  const files = mediaFiles(h).map((f) => `file ${f}`);
  const sockets = engine && engine.audio.connectionCount > 0 ? [`${engine.audio.connectionCount} AudioSocket connection(s)`] : [];
  return [...channels, ...bridges, ...files, ...sockets];
}

/** Polls until nothing is left (bounded); throws listing what is. `engine: null` when it runs elsewhere. */
export async function expectClean(h: Harness, engine: Engine | null, timeoutMs = 3000): Promise<void> {
  let left: string[] = [];
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    left = await leftovers(h, engine ?? undefined);
    if (left.length === 0) return;
    if (performance.now() > deadline) throw new Error(`left behind after ${timeoutMs} ms: ${left.join(', ')}`);
    await sleep(50);
  }
}

function deepMerge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const prev = out[k];
    out[k] =
      v && typeof v === 'object' && !Array.isArray(v) && prev && typeof prev === 'object' && !Array.isArray(prev)
        ? deepMerge(prev as Record<string, unknown>, v as Record<string, unknown>)
        : v;
  }
  return out;
}

/**
 * Keeps the caller's audio flowing: a Local channel sends frames only while something plays on
 * it (a SIP phone sends them all the time, silence included: fixtures/traces/README.md), so the
 * phone plays `seconds` of a silence recording. Returns a function that stops it.
 */
export async function keepStreaming(h: Harness, call: TestCall, seconds = 60): Promise<() => Promise<void>> {
  const playbackId = `tc-${call.callId}-stream`;
  const media = Array.from({ length: Math.ceil(seconds / 3) }, () => 'sound:silence-3s-8k');
  await h.driver.ari.channels.play(call.phoneId, { media, playbackId });
  return async () => {
    try {
      await h.driver.ari.playbacks.stop(playbackId);
    } catch {
      // Already finished.
    }
  };
}

/** Frames per second the engine receives on bound connections, measured over `ms`. */
export async function frameRate(engine: Engine, ms = 1000): Promise<number> {
  const a = await framesIn(engine);
  const t0 = performance.now();
  await sleep(ms);
  const b = await framesIn(engine);
  return ((b - a) * 1000) / (performance.now() - t0);
}

/** The simulator's fault-injection control API (/_sim), over HTTP like any test tool would. */
export async function control(h: Harness, method: string, path: string, body?: Record<string, unknown>): Promise<unknown> {
  const res = await fetch(`${h.sim.controlUrl}${path}`, {
    method,
    headers: {
      authorization: `Basic ${Buffer.from(`${h.sim.username}:${h.sim.password}`).toString('base64')}`,
      ...(body ? { 'content-type': 'application/json' } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} /_sim${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

/** Names of the files in the engine's media dir. */
export function mediaFiles(h: Harness): string[] {
  return readdirSync(h.mediaDir);
}

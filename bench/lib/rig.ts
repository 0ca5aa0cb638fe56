/**
 * A whole call path for the response-time scenarios: the simulator in its own process, the engine
 * in this one (startEngine, so the bench reads each call's timeline directly) and the call
 * driver placing test calls with MixMonitor recordings (what the caller said and heard).
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pino from 'pino';
import { startEngine, type Engine } from '../../engine/app.js';
import type { CallSession } from '../../engine/call/session.js';
import { parseConfig } from '../../engine/config/load.js';
import { CallDriver } from '../../simulator/driver/call-driver.js';
import { REPO_ROOT, sleep } from './children.js';
import { startSimProcess, type SimProcess } from './sim-process.js';

export interface RigOptions {
  /** Scripted-provider script (absolute path). */
  script: string;
  downstream?: 'file' | 'stream';
  /** Extra sound folders for the simulator (caller clips made by the bench). */
  soundDirs?: string[];
  /** Config keys over the defaults (parsed like the YAML file). */
  config?: Record<string, unknown>;
}

export interface Rig {
  sim: SimProcess;
  engine: Engine;
  driver: CallDriver;
  close(): Promise<void>;
}

export async function startRig(opts: RigOptions): Promise<Rig> {
  const work = mkdtempSync(join(tmpdir(), 'bench-rig-'));
  const mediaRoot = join(work, 'sounds');
  mkdirSync(join(mediaRoot, 'ai-generated'), { recursive: true });
  const sim = await startSimProcess({ soundDirs: [mediaRoot, ...(opts.soundDirs ?? []), join(REPO_ROOT, 'fixtures', 'audio')] });
  const base: Record<string, unknown> = {
    ari: { url: sim.url, username: sim.username, password: sim.password },
    media: { dir: join(mediaRoot, 'ai-generated') },
    providers: { scripted: { script: opts.script } },
    downstream_mode: opts.downstream ?? 'file',
  };
  // One level deep, so { media: { first_segment_ms } } keeps the media dir.
  for (const [k, v] of Object.entries(opts.config ?? {})) {
    const b = base[k];
    base[k] = isObject(v) && isObject(b) ? { ...b, ...v } : v;
  }
  const config = parseConfig(base, {});
  // Free ports (the schema wants 1-65535; 0 is for tests and benches).
  config.audiosocket.port = 0;
  config.http.port = 0;
  const engine = await startEngine({ config, logger: pino({ level: process.env.BENCH_ENGINE_LOG_LEVEL ?? 'silent' }) });
  const driver = await CallDriver.connect({ ariUrl: sim.url, username: sim.username, password: sim.password });
  return {
    sim,
    engine,
    driver,
    async close() {
      await driver.close().catch(() => undefined);
      await engine.close().catch(() => undefined);
      await sim.stop();
      rmSync(work, { recursive: true, force: true });
    },
  };
}

/** The engine's session for a caller channel. */
export async function sessionOf(engine: Engine, callerId: string, timeoutMs = 10_000): Promise<CallSession> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    for (const s of engine.manager.calls) if (s.callerId === callerId) return s;
    await sleep(20);
  }
  throw new Error(`the engine never took call ${callerId}`);
}

/** Resolves with the first mark `what` at or after `after` (performance.now() time). */
export async function waitMark(session: CallSession, what: string, after: number, timeoutMs = 20_000): Promise<{ at: number; data?: Record<string, unknown> }> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    const m = session.timeline.marks.find((x) => x.what === what && x.at >= after);
    if (m) return m;
    await sleep(20);
  }
  throw new Error(`call ${session.callId}: no ${what} within ${timeoutMs} ms`);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * The engine as production runs it: `engine/main.ts` in a process of its own, with a YAML config
 * file, logging JSON lines on stdout. For the tests that kill it or send it SIGTERM.
 *
 * It is started as `node --import tsx engine/main.ts` (not through npx) so that the pid the test
 * signals is the engine's own.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { stringify } from 'yaml';
import { eventually, ROOT } from './harness.js';
import { freePort } from './net.js';
import type { LogLine } from './logs.js';
import { ENGINE_NODE_FLAGS } from '../node-flags.js';

export interface ChildEngine {
  proc: ChildProcess;
  pid: number;
  /** JSON log lines from its stdout, parsed. */
  lines: LogLine[];
  /** Other output (stderr, non-JSON stdout), for failure messages. */
  other: string[];
  audiosocketPort: number;
  /** Resolves with the exit code (null when killed by a signal) and the signal. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
  waitFor(msg: string, where?: (l: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
}


/**
 * Writes `rawConfig` (plus free ports) to `<dir>/engine.yaml` and starts the engine on it;
 * resolves once it logs "engine ready".
 */
export async function spawnEngine(dir: string, rawConfig: Record<string, unknown>, name = 'engine'): Promise<ChildEngine> {
  const audiosocketPort = await freePort();
  const httpPort = await freePort();
  const path = join(dir, `${name}.yaml`);
  const cfg = {
    ...rawConfig,
    audiosocket: { ...(rawConfig.audiosocket as object), port: audiosocketPort },
    http: { port: httpPort },
  };
  writeFileSync(path, stringify(cfg));
  // Only what the engine needs: no config overrides leak in from the test's environment.
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: 'test' };
  const proc = spawn(process.execPath, [...ENGINE_NODE_FLAGS, '--import', 'tsx', join(ROOT, 'engine', 'main.ts'), path], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: LogLine[] = [];
  const other: string[] = [];
  let rest = '';
  proc.stdout!.on('data', (d: Buffer) => {
    rest += d.toString('utf8');
    const parts = rest.split('\n');
    rest = parts.pop()!;
    for (const p of parts) {
      if (p.trim() === '') continue;
      try {
        lines.push(JSON.parse(p) as LogLine);
      } catch {
        other.push(p);
      }
    }
  });
  proc.stderr!.on('data', (d: Buffer) => other.push(d.toString('utf8')));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) =>
    proc.once('exit', (code, signal) => resolve({ code, signal, at: performance.now() })),
  );
  const child: ChildEngine = {
    proc,
    pid: proc.pid!,
    lines,
    other,
    audiosocketPort,
    exited,
    async waitFor(msg, where = () => true, timeoutMs = 10_000) {
      let hit: LogLine | undefined;
      await eventually(() => (hit = lines.find((l) => l.msg === msg && where(l))) !== undefined || proc.exitCode !== null, timeoutMs, `child log line ${msg}`);
      if (!hit) throw new Error(`engine exited (${proc.exitCode}) before "${msg}": ${other.join('').slice(-2000)}`);
      return hit;
    },
  };
  try {
    await child.waitFor('engine ready', () => true, 20_000);
  } catch (err) {
    proc.kill('SIGKILL');
    throw err;
  }
  return child;
}

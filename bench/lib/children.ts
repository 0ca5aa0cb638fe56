/**
 * Measured child processes: the engine and the simulator each run in a process of their own, so
 * their memory and CPU are theirs alone. A child is `node --expose-gc --import tsx --import
 * probe.ts <entry>` (node itself, not `npx tsx`, whose wrapper would be the pid we measure),
 * with an IPC channel to the probe.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { ProbeReply, ProbeRequest, ProbeSample } from './probe.js';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const PROBE = join(REPO_ROOT, 'bench', 'lib', 'probe.ts');

export interface SpawnOptions {
  /** Script path, relative to the repository root. */
  entry: string;
  args?: string[];
  env?: NodeJS.ProcessEnv;
  /** Extra node flags (e.g. --max-old-space-size). */
  nodeFlags?: string[];
  onStdoutLine?(line: string): void;
  onStderrLine?(line: string): void;
}

export class MeasuredChild {
  readonly proc: ChildProcess;
  readonly exited: Promise<number | null>;
  private seq = 0;
  private readonly waiting = new Map<number, (s: ProbeSample) => void>();
  private readonly stderrTail: string[] = [];
  private readonly lineWaiters = new Set<(line: string) => void>();

  constructor(opts: SpawnOptions) {
    // tsx first, so extra --import flags may name TypeScript files.
    const flags = ['--expose-gc', '--import', 'tsx', ...(opts.nodeFlags ?? []), '--import', PROBE];
    this.proc = spawn(process.execPath, [...flags, join(REPO_ROOT, opts.entry), ...(opts.args ?? [])], {
      cwd: REPO_ROOT,
      env: { ...process.env, ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    this.proc.on('message', (msg: unknown) => {
      const reply = msg as ProbeReply;
      const done = this.waiting.get(reply?.probe);
      if (done) {
        this.waiting.delete(reply.probe);
        done(reply.sample);
      }
    });
    createInterface({ input: this.proc.stdout! }).on('line', (l) => {
      for (const w of this.lineWaiters) w(l);
      opts.onStdoutLine?.(l);
    });
    createInterface({ input: this.proc.stderr! }).on('line', (l) => {
      this.stderrTail.push(l);
      if (this.stderrTail.length > 30) this.stderrTail.shift();
      opts.onStderrLine?.(l);
    });
    this.exited = new Promise((r) => this.proc.on('exit', (code, signal) => r(code ?? (signal ? 128 : null))));
  }

  get pid(): number {
    return this.proc.pid!;
  }

  /** The last lines the child wrote to stderr (for error messages). */
  get stderr(): string {
    return this.stderrTail.join('\n');
  }

  sample(): Promise<ProbeSample> {
    return this.ask('sample');
  }

  /** Full GC in the child, then a sample. */
  gc(): Promise<ProbeSample> {
    return this.ask('gc');
  }

  /** A sample, and a fresh event-loop delay histogram from now on. */
  reset(): Promise<ProbeSample> {
    return this.ask('reset');
  }

  /** Resolves with the first stdout line `match` accepts; rejects on timeout or exit. */
  waitForStdout(match: (line: string) => boolean, timeoutMs: number, what: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const finish = (err: Error | null, line?: string) => {
        clearTimeout(timer);
        this.lineWaiters.delete(onLine);
        this.proc.off('exit', onExit);
        if (err) reject(err);
        else resolve(line!);
      };
      const onLine = (line: string) => {
        if (match(line)) finish(null, line);
      };
      const onExit = (code: number | null) => finish(new Error(`child exited (${code}) before ${what}:\n${this.stderr}`));
      const timer = setTimeout(() => finish(new Error(`timed out after ${timeoutMs} ms waiting for ${what}:\n${this.stderr}`)), timeoutMs);
      this.lineWaiters.add(onLine);
      this.proc.once('exit', onExit);
    });
  }

  send(msg: object): void {
    this.proc.send(msg);
  }

  /** SIGTERM, then SIGKILL after `graceMs`. */
  async stop(graceMs = 10_000): Promise<number | null> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return this.proc.exitCode;
    this.proc.kill('SIGTERM');
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), graceMs);
    const code = await this.exited;
    clearTimeout(timer);
    return code;
  }

  private ask(op: ProbeRequest['op'], timeoutMs = 30_000): Promise<ProbeSample> {
    const id = ++this.seq;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new Error(`probe ${op} of pid ${this.pid} timed out`));
      }, timeoutMs);
      this.waiting.set(id, (s) => {
        clearTimeout(timer);
        resolve(s);
      });
      this.proc.send({ probe: id, op } satisfies ProbeRequest);
    });
  }
}

/** CPU use between two samples, in % of one core. */
export function cpuPercent(a: ProbeSample, b: ProbeSample): number {
  const cpuMs = (b.cpuUserUs + b.cpuSystemUs - a.cpuUserUs - a.cpuSystemUs) / 1000;
  return (cpuMs / Math.max(1, b.at - a.at)) * 100;
}


/** Extra node flags for a child from an environment variable (e.g. BENCH_SIM_NODE_FLAGS="--cpu-prof"). */
export function nodeFlagsFromEnv(name: string): string[] {
  return (process.env[name] ?? '').split(/\s+/).filter(Boolean);
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * The engine as production runs it (`engine/main.ts` with a YAML config) in a measured child
 * process, pointed at a simulator. Its pino lines (stdout) are parsed: listeners see each one,
 * and counts by message and level are kept.
 */
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { ASTERISK_ARI_PORT_ENV, ASTERISK_HOST_ENV, DEEPGRAM_API_KEY_ENV, ENV_OVERRIDES } from '../../engine/config/env.js';
import { freePort } from '../../engine/it/net.js';
import { ENGINE_NODE_FLAGS } from '../../engine/node-flags.js';
import { MeasuredChild, nodeFlagsFromEnv } from './children.js';

/** BENCH_ENGINE_LOG=<file>: a copy of the engine's log lines, for looking into a run. */
const LOG_COPY = process.env.BENCH_ENGINE_LOG;

export interface EngineLogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

export interface EngineProcessOptions {
  ari: { url: string; username: string; password: string };
  mediaDir: string;
  /** Scripted-provider script (absolute path). Default: config/scripts/demo.yaml. */
  script?: string;
  /** Merged over the generated config (top-level keys replace, nested objects merge one level). */
  config?: Record<string, Record<string, unknown> | unknown>;
}

export class EngineProcess {
  readonly child: MeasuredChild;
  readonly metricsUrl: string;
  /** Lines seen, by message. */
  readonly counts = new Map<string, number>();
  /** The last error-level lines (level >= 50). */
  readonly errors: EngineLogLine[] = [];
  private readonly listeners = new Set<(l: EngineLogLine) => void>();
  private readonly dir: string;

  private constructor(child: MeasuredChild, metricsUrl: string, dir: string) {
    this.child = child;
    this.metricsUrl = metricsUrl;
    this.dir = dir;
  }

  static async start(opts: EngineProcessOptions): Promise<EngineProcess> {
    const dir = mkdtempSync(join(tmpdir(), 'bench-engine-'));
    const [asPort, httpPort] = [await freePort(), await freePort()];
    const base: Record<string, Record<string, unknown>> = {
      ari: { url: opts.ari.url, username: opts.ari.username, password: opts.ari.password },
      audiosocket: { host: '127.0.0.1', port: asPort },
      http: { host: '127.0.0.1', port: httpPort },
      media: { dir: opts.mediaDir },
      providers: { scripted: opts.script ? { script: opts.script } : {} },
    };
    const cfg: Record<string, unknown> = { ...base, default_provider: 'scripted', log_level: 'info', drain_timeout_ms: 1000 };
    for (const [k, v] of Object.entries(opts.config ?? {})) {
      cfg[k] = v && typeof v === 'object' && !Array.isArray(v) && base[k] ? { ...base[k], ...(v as object) } : v;
    }
    const path = join(dir, 'ai-agent.yaml');
    writeFileSync(path, stringify(cfg));
    let self: EngineProcess | undefined;
    const child = new MeasuredChild({
      entry: 'engine/main.ts',
      args: [path],
      // Production's flags first (what is measured is what ships), then any given for a look inside.
      nodeFlags: [...ENGINE_NODE_FLAGS, ...nodeFlagsFromEnv('BENCH_ENGINE_NODE_FLAGS')],
      // The engine's env overrides would win over the file; keep the bench's config authoritative.
      env: { ...blankOverrides(), AI_AGENT_CONFIG: path },
      onStdoutLine: (line) => self?.onLine(line),
    });
    self = new EngineProcess(child, `http://127.0.0.1:${httpPort}/metrics`, dir);
    await child.waitForStdout((l) => l.includes('"engine ready"'), 30_000, 'the engine to start');
    return self;
  }

  /** Calls `fn` with every log line until the returned function is called. */
  onLog(fn: (l: EngineLogLine) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  count(msg: string): number {
    return this.counts.get(msg) ?? 0;
  }

  async stop(): Promise<void> {
    await this.child.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }

  private onLine(line: string): void {
    if (LOG_COPY) appendFileSync(LOG_COPY, `${line}\n`);
    if (!line.startsWith('{')) return;
    let l: EngineLogLine;
    try {
      l = JSON.parse(line) as EngineLogLine;
    } catch {
      return;
    }
    this.counts.set(l.msg, (this.counts.get(l.msg) ?? 0) + 1);
    if (l.level >= 50) {
      this.errors.push(l);
      if (this.errors.length > 20) this.errors.shift();
    }
    for (const fn of this.listeners) fn(l);
  }
}

/** Every variable the engine would take over its config file, set empty (empty counts as unset). */
function blankOverrides(): Record<string, string> {
  const names = [...ENV_OVERRIDES.map((o) => o.env), ASTERISK_HOST_ENV, ASTERISK_ARI_PORT_ENV, DEEPGRAM_API_KEY_ENV];
  return Object.fromEntries(names.map((n) => [n, '']));
}

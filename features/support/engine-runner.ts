/**
 * Starts the engine a scenario talks to: in this process with startEngine() (the usual case: its
 * call sessions and timelines can be read directly), or as a child process running
 * engine/main.ts exactly as `npm run engine` does, for the scenario that kills it.
 *
 * The configuration is the suite's base (below) with the scenario's YAML merged over it. The
 * engine's ARI URL is the scenario's tap (ari-tap.ts), never the PBX itself.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { startEngine, type Engine } from '../../engine/app.js';
import { parseConfig, type EngineConfig } from '../../engine/config/load.js';
import type { ScriptedProviderOptions } from '../../engine/providers/scripted.js';
import type { LogCapture } from './log-capture.js';
import { REPO_ROOT } from './paths.js';
import { freePort } from '../../engine/it/net.js';
import type { ScenarioPbx } from './targets/target.js';

export type Raw = Record<string, unknown>;

/** The suite's engine configuration: the shipped defaults, pointed at the scenario's PBX. */
export function baseConfig(pbx: ScenarioPbx, ariUrl: string): Raw {
  return {
    audio_transport: 'audiosocket',
    downstream_mode: 'file',
    default_provider: 'scripted',
    providers: { scripted: { script: join(REPO_ROOT, 'config', 'scripts', 'demo.yaml') } },
    ari: { url: ariUrl, username: pbx.username, password: pbx.password, app: 'asterisk-ai-voice-agent', ping_interval_ms: 5000 },
    audiosocket: { host: pbx.audiosocket.bindHost, port: 8090, advertise_host: pbx.audiosocket.advertiseHost, bind_timeout_ms: 2000, format: 'slin16' },
    media: { dir: pbx.mediaDir, sound_prefix: pbx.mediaSoundPrefix },
    http: { host: '127.0.0.1', port: 8091 },
    drain_timeout_ms: 2000,
    log_level: 'debug',
  };
}

/** `over` merged into `base`, objects key by key, everything else replaced. */
export function deepMerge(base: Raw, over: Raw): Raw {
  const out: Raw = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] = isObject(b) && isObject(v) ? deepMerge(b, v) : v;
  }
  return out;
}

function isObject(v: unknown): v is Raw {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

export interface RunningEngine {
  readonly kind: 'in-process' | 'process';
  readonly config: EngineConfig;
  /** The engine object, when it runs in this process. */
  readonly engine: Engine | undefined;
  readonly audiosocketPort: number;
  /** Closes it cleanly (in-process) or with SIGTERM (process). Idempotent. */
  stop(): Promise<void>;
  /** SIGKILL (process only): no cleanup of any kind. */
  kill(): Promise<void>;
}

export async function startInProcess(raw: Raw, logs: LogCapture, scripted: Partial<ScriptedProviderOptions>): Promise<RunningEngine> {
  const config = parseConfig(raw, {});
  // Free ports, so scenarios (and workers) never collide.
  config.audiosocket.port = 0;
  config.http.port = 0;
  const engine = await startEngine({ config, logger: logs.logger(config.log_level), scripted });
  let stopped: Promise<void> | undefined;
  return {
    kind: 'in-process',
    config,
    engine,
    audiosocketPort: engine.audio.address()?.port ?? 0,
    stop: () => (stopped ??= engine.close()),
    kill: () => Promise.reject(new Error('an engine in this process cannot be killed; use "the engine runs as a separate process"')),
  };
}

export async function startProcess(raw: Raw, logs: LogCapture, workDir: string): Promise<RunningEngine> {
  const withPorts = deepMerge(raw, { audiosocket: { port: await freePort() }, http: { port: await freePort() } });
  const config = parseConfig(withPorts, {});
  const path = join(workDir, `engine-${Date.now().toString(36)}.yaml`);
  writeFileSync(path, stringify(withPorts), { mode: 0o600 });
  // A clean environment: the target's ASTERISK_* variables must not override the file.
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: 'test' };
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'engine', 'main.ts'), path], {
    cwd: REPO_ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.setEncoding('utf8').on('data', (s: string) => logs.push(s));
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code, signal) => resolve(code ?? (signal ? -1 : null))));
  try {
    await Promise.race([
      logs.waitFor((l) => l.msg === 'engine ready', 20_000, '"engine ready"'),
      exited.then((code) => {
        throw new Error(`the engine process exited with ${code} before it was ready: ${stderr.trim().slice(-500)}`);
      }),
    ]);
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  const signal = async (sig: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(sig);
    await exited;
  };
  return {
    kind: 'process',
    config,
    engine: undefined,
    audiosocketPort: config.audiosocket.port,
    stop: () => signal('SIGTERM'),
    kill: () => signal('SIGKILL'),
  };
}


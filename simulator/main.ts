/**
 * `make sim`: the fake Asterisk. ARI REST + events WebSocket (and the /_sim control API) on
 * 127.0.0.1:8088 by default, the simulated PBX behind it running the repo's extensions.conf,
 * AudioSocket as a TCP client towards the engine.
 *
 *   npx tsx simulator/main.ts [--port 8088] [--host 127.0.0.1] [--config-dir DIR]
 *       [--sound-dir DIR]... [--spool-dir DIR] [--username U] [--password P] [--no-control]
 *       [--log-level info]
 *
 * Environment: ASTERISK_ARI_USERNAME, ASTERISK_ARI_PASSWORD, SIM_ARI_HOST, SIM_ARI_PORT,
 * SIM_CONFIG_DIR, SIM_SOUND_DIRS (':'-separated), SIM_SPOOL_DIR, SIM_CONTROL=0, LOG_LEVEL.
 * Flags win over the environment. startSimulator() is the same thing for tests and the demo.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { destination, pino, type Logger } from 'pino';
import { startAriServer, type AriServer } from './ari/server.js';
import type { Pbx } from './core/api.js';
import { SimPbx } from './core/pbx.js';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const DEFAULT_CONFIG_DIR = join(REPO_ROOT, 'asterisk-docker');

export interface SimulatorOptions {
  /** ARI bind address; default 127.0.0.1. */
  host?: string;
  /** ARI port; default 8088, 0 picks a free one (tests). */
  port?: number;
  /** ARI credentials; default asterisk / asterisk. */
  username?: string;
  password?: string;
  /** Folder with extensions.conf; default <repo>/asterisk-docker. */
  configDir?: string;
  /** Extra sound folders searched before fixtures/sounds. */
  soundDirs?: string[];
  /** Spool root (recording/, monitor/); default a fresh temp dir, removed by close(). */
  spoolDir?: string;
  /** Serve the /_sim control API; default true. */
  control?: boolean;
  /** Default: silent. main() logs to stderr at LOG_LEVEL. */
  logger?: Logger;
  /** Dialplan text used instead of <configDir>/extensions.conf (tests). */
  extensionsConf?: string;
  /** A ready model to serve instead of a new SimPbx (façade tests). close() closes it too. */
  pbx?: Pbx;
  /** ARI HTTP connections served at once (http.conf sessionlimit); default 100, as Asterisk. */
  sessionLimit?: number;
}

export interface Simulator {
  /** Base URL, what ari-client's connect() and the engine's ARI URL take: http://127.0.0.1:8088 */
  readonly url: string;
  /** The ARI root: http://127.0.0.1:8088/ari */
  readonly ariUrl: string;
  /** ws://127.0.0.1:8088/ari/events (append ?app=…&api_key=…) */
  readonly eventsUrl: string;
  /** http://127.0.0.1:8088/_sim, or undefined when the control API is off. */
  readonly controlUrl: string | undefined;
  readonly username: string;
  readonly password: string;
  readonly pbx: Pbx;
  readonly ari: AriServer;
  readonly spoolDir: string;
  /** Closes the HTTP server, every socket and the model; removes a temp spool dir. Idempotent. */
  close(): Promise<void>;
}

export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const logger = options.logger ?? pino({ level: 'silent' });
  const username = options.username ?? 'asterisk';
  const password = options.password ?? 'asterisk';
  const ownSpool = options.spoolDir === undefined && options.pbx === undefined;
  const spoolDir = options.spoolDir ?? (ownSpool ? mkdtempSync(join(tmpdir(), 'asterisk-sim-spool-')) : '');
  let pbx: Pbx;
  try {
    pbx =
      options.pbx ??
      new SimPbx({
        configDir: options.configDir ?? DEFAULT_CONFIG_DIR,
        soundDirs: options.soundDirs,
        spoolDir,
        logger: logger.child({ component: 'pbx' }),
        extensionsConf: options.extensionsConf,
      });
  } catch (err) {
    if (ownSpool) rmSync(spoolDir, { recursive: true, force: true });
    throw err;
  }
  let ari: AriServer;
  try {
    ari = await startAriServer({
      pbx,
      credentials: { username, password },
      host: options.host,
      port: options.port,
      logger,
      control: options.control,
      sessionLimit: options.sessionLimit,
    });
  } catch (err) {
    await pbx.close();
    if (ownSpool) rmSync(spoolDir, { recursive: true, force: true });
    throw err;
  }
  let closing: Promise<void> | undefined;
  return {
    url: ari.url,
    ariUrl: ari.ariUrl,
    eventsUrl: `${ari.url.replace(/^http/, 'ws')}/ari/events`,
    controlUrl: options.control === false ? undefined : `${ari.url}/_sim`,
    username,
    password,
    pbx,
    ari,
    spoolDir,
    close() {
      closing ??= (async () => {
        await ari.close();
        await pbx.close();
        if (ownSpool) rmSync(spoolDir, { recursive: true, force: true });
      })();
      return closing;
    },
  };
}

/** The options main() derives from its flags and environment. Pure; exported for tests. */
export function optionsFromCli(argv: string[], env: NodeJS.ProcessEnv): SimulatorOptions & { logLevel: string } {
  const { values } = parseArgs({
    args: argv,
    options: {
      host: { type: 'string' },
      port: { type: 'string' },
      username: { type: 'string' },
      password: { type: 'string' },
      'config-dir': { type: 'string' },
      'sound-dir': { type: 'string', multiple: true },
      'spool-dir': { type: 'string' },
      'no-control': { type: 'boolean' },
      'log-level': { type: 'string' },
    },
    strict: true,
  });
  const portText = values.port ?? env.SIM_ARI_PORT ?? '8088';
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`invalid port: ${portText}`);
  const soundDirs = values['sound-dir'] ?? (env.SIM_SOUND_DIRS ? env.SIM_SOUND_DIRS.split(delimiter).filter(Boolean) : undefined);
  return {
    host: values.host ?? env.SIM_ARI_HOST ?? '127.0.0.1',
    port,
    username: values.username ?? env.ASTERISK_ARI_USERNAME ?? 'asterisk',
    password: values.password ?? env.ASTERISK_ARI_PASSWORD ?? 'asterisk',
    configDir: resolveMaybe(values['config-dir'] ?? env.SIM_CONFIG_DIR) ?? DEFAULT_CONFIG_DIR,
    soundDirs: soundDirs?.map((d) => resolve(d)),
    spoolDir: resolveMaybe(values['spool-dir'] ?? env.SIM_SPOOL_DIR),
    control: !(values['no-control'] ?? env.SIM_CONTROL === '0'),
    logLevel: values['log-level'] ?? env.LOG_LEVEL ?? 'info',
  };
}

function resolveMaybe(path: string | undefined): string | undefined {
  return path === undefined || path === '' ? undefined : resolve(path);
}

async function main(): Promise<void> {
  let options: ReturnType<typeof optionsFromCli>;
  try {
    options = optionsFromCli(process.argv.slice(2), process.env);
  } catch (err) {
    process.stderr.write(`asterisk-sim: ${(err as Error).message}\n`);
    process.exitCode = 2;
    return;
  }
  // Logs go to stderr so stdout carries only the "listening" line scripts wait for.
  const logger = pino({ name: 'asterisk-sim', level: options.logLevel }, destination(2));
  const sim = await startSimulator({ ...options, logger });
  process.stdout.write(
    `asterisk-sim: ARI ${sim.ariUrl} (user ${sim.username}), events ${sim.eventsUrl}` +
      `${sim.controlUrl ? `, control ${sim.controlUrl}` : ''}, dialplan ${options.configDir}, spool ${sim.spoolDir}\n`,
  );
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    sim.close().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main().catch((err: unknown) => {
    process.stderr.write(`asterisk-sim: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  });
}

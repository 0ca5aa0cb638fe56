/**
 * The pre-flight check: runs every check against the live Asterisk in dependency order and
 * returns one row per check. Checks that need something that failed are skipped, not failed
 * again, so the first failure in the table is the one to fix first.
 *
 * Everything the run creates on the PBX or on disk is registered with the undo list as soon as
 * it exists; the list runs in `finally`, and the last row proves that nothing is left.
 */
import { pino, type Logger } from 'pino';
import { AriClient } from '../ari/client.js';
import type { AriEventStream } from '../ari/events.js';
import type { AudioSocketServer } from '../audiosocket/server.js';
import type { EngineConfig } from '../config/load.js';
import { checkAriAccess, checkEngineApp, openDoctorEvents } from './checks/ari.js';
import { checkExternalMedia, startListener } from './checks/audiosocket.js';
import { checkLeftovers } from './checks/leftovers.js';
import { checkMediaDir, checkPlayback } from './checks/media.js';
import { checkModules, checkVersion, REQUIRED_MODULES } from './checks/modules.js';
import { CHECK } from './checks/names.js';
import { Cleanup } from './cleanup.js';
import { DEFAULT_TIMEOUTS, DOCTOR_ID_PREFIX, doctorAppName, newRunId, type DoctorContext, type DoctorTimeouts } from './context.js';
import { PROC_MOUNTS } from './mounts.js';
import { fail, skip, type CheckResult } from './report.js';

export interface DoctorOptions {
  /** Default: silent. The table is the doctor's output; logs are for debugging it. */
  logger?: Logger;
  timeouts?: Partial<DoctorTimeouts>;
  /** The mount table read for the tmpfs check (tests); default /proc/mounts. */
  mountsFile?: string;
  /** Fixed run id (tests); default random. */
  runId?: string;
}

export async function runDoctor(cfg: EngineConfig, options: DoctorOptions = {}): Promise<CheckResult[]> {
  const log = options.logger ?? pino({ level: 'silent' });
  const ari = new AriClient({
    url: cfg.ari.url,
    username: cfg.ari.username,
    password: cfg.ari.password,
    requestTimeoutMs: cfg.timeouts.ari_request_ms,
    logger: log,
  });
  const ctx: DoctorContext = {
    cfg,
    ari,
    log,
    ariUrl: ari.baseUrl,
    doctorApp: doctorAppName(cfg.ari.app),
    idPrefix: `${DOCTOR_ID_PREFIX}${options.runId ?? newRunId()}`,
    timeouts: { ...DEFAULT_TIMEOUTS, ...options.timeouts },
    cleanup: new Cleanup(),
  };
  const rows: CheckResult[] = [];
  let stream: AriEventStream | undefined;
  let server: AudioSocketServer | undefined;
  let ariUsable = false;

  try {
    // ARI: reachable, credentials, events, modules, version.
    const access = await guard([CHECK.ariReachable], () => checkAriAccess(ari, cfg));
    rows.push(...access.results);
    if (access.info !== undefined) {
      ariUsable = true;
      const events = await guard([CHECK.events], async () => {
        const e = await openDoctorEvents(cfg, ctx.doctorApp, ctx.timeouts.eventsMs);
        return { ...e, results: [e.result] };
      });
      rows.push(...events.results);
      stream = events.stream;
      ctx.events = events.log;
      rows.push(await guardOne(CHECK.engineApp, () => checkEngineApp(ari, cfg.ari.app)));
      rows.push(...(await guard(REQUIRED_MODULES.map(CHECK.module), async () => ({ results: await checkModules(ari) }))).results);
      rows.push(await guardOne(CHECK.version, async () => checkVersion(access.info!, cfg)));
    } else {
      const why = 'needs ARI';
      rows.push(skip(CHECK.events, why), skip(CHECK.engineApp, why), ...REQUIRED_MODULES.map((m) => skip(CHECK.module(m), why)), skip(CHECK.version, why));
    }

    // The media dir, then whether Asterisk plays from it.
    const media = await guard([CHECK.mediaDir, CHECK.tmpfs], () => checkMediaDir(ctx, options.mountsFile ?? PROC_MOUNTS));
    rows.push(...media.results);
    const stasis = stasisMissing(ariUsable, ctx);
    let probePlayable = false;
    if (stasis !== undefined) rows.push(skip(CHECK.playback, stasis));
    else if (media.probe === undefined) rows.push(skip(CHECK.playback, 'needs a probe file in the media dir'));
    else {
      const played = await guardOne(CHECK.playback, () => checkPlayback(ctx, media.probe!));
      probePlayable = played.status === 'pass';
      rows.push(played);
    }

    // The AudioSocket path.
    const listener = await guard([CHECK.listener], async () => {
      const l = await startListener(cfg, log);
      return { ...l, results: [l.result] };
    });
    rows.push(...listener.results);
    server = listener.server;
    const advertised = listener.advertised;
    if (stasis !== undefined) rows.push(skip(CHECK.externalMedia, stasis));
    else if (server === undefined || advertised === undefined) rows.push(skip(CHECK.externalMedia, 'needs the AudioSocket listener'));
    else {
      const probe = probePlayable ? media.probe : undefined;
      const listening = { server, advertised };
      rows.push(await guardOne(CHECK.externalMedia, () => checkExternalMedia(ctx, listening, probe)));
    }
  } finally {
    const undoFailures = await ctx.cleanup.run(log);
    await server?.close();
    rows.push(
      await guardOne(CHECK.leftovers, () =>
        checkLeftovers({
          ari: ariUsable ? ari : undefined,
          ariUrl: ari.baseUrl,
          idPrefix: ctx.idPrefix,
          mediaDir: cfg.media.dir,
          timeoutMs: ctx.timeouts.cleanupMs,
          undoFailures,
        }),
      ),
    );
    ctx.events?.close();
    await stream?.close();
  }
  return rows;
}

/** Why Stasis-based checks cannot run, or undefined when they can. */
function stasisMissing(ariUsable: boolean, ctx: DoctorContext): string | undefined {
  if (!ariUsable) return 'needs ARI';
  if (ctx.events === undefined) return 'needs the events WebSocket';
  return undefined;
}

/** A bug or an unexpected answer in one check becomes failed rows, never an aborted run. */
async function guard<T extends { results: CheckResult[] }>(names: string[], run: () => Promise<T>): Promise<T | (Partial<T> & { results: CheckResult[] })> {
  try {
    return await run();
  } catch (err) {
    const detail = `unexpected error: ${(err as Error).message}`;
    return { results: names.map((n) => fail(n, detail, 'run again with --log-level debug and report the output')) } as Partial<T> & { results: CheckResult[] };
  }
}

async function guardOne(name: string, run: () => Promise<CheckResult>): Promise<CheckResult> {
  return (await guard([name], async () => ({ results: [await run()] }))).results[0];
}

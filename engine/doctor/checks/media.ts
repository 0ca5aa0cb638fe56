/**
 * The media dir: it exists, the engine can write into it, it is a tmpfs, and (the check that
 * matters) Asterisk can play a file written there. A PBX that cannot see the dir answers every
 * playback with PlaybackFinished "failed": the most common cause of silent calls.
 */
import { mkdir, rmdir, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { isAriHttpError } from '../../ari/errors.js';
import { tone } from '../../audio/tone.js';
import { MediaStore, type StoredMedia } from '../../media/store.js';
import type { DoctorContext } from '../context.js';
import { on } from '../event-log.js';
import { fixes } from '../fixes.js';
import { filesystemOf, PROC_MOUNTS } from '../mounts.js';
import { fail, pass, skip, warn, type CheckResult } from '../report.js';
import { CHECK } from './names.js';

/** Long enough to give a handful of AudioSocket frames, short enough to keep the run quick. */
export const PROBE_MS = 200;

export interface MediaDirState {
  results: CheckResult[];
  /** The probe file, written with the engine's own MediaStore (8 kHz μ-law .ulaw). */
  probe?: StoredMedia;
}

type MediaContext = Pick<DoctorContext, 'cfg' | 'idPrefix' | 'cleanup'>;

export async function checkMediaDir(ctx: MediaContext, mountsFile = PROC_MOUNTS): Promise<MediaDirState> {
  const { dir, sound_prefix: soundPrefix } = ctx.cfg.media;
  const ready = await ensureDir(ctx, dir);
  if (ready.result.status === 'fail') return { results: [ready.result, skip(CHECK.tmpfs, 'needs the media dir')] };

  const store = new MediaStore({ dir, soundPrefix });
  let probe: StoredMedia;
  try {
    // A quiet tone, at the format the engine writes for 8 kHz audio.
    probe = await store.write(ctx.idPrefix, 0, tone(440, PROBE_MS, 8000, 0.05), 8000);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    const uid = process.getuid?.() ?? 'of the engine';
    return {
      results: [fail(CHECK.mediaDir, `${dir} is not writable (${code})`, fixes.mediaNotWritable(dir, String(uid))), await checkTmpfs(dir, mountsFile)],
    };
  }
  ctx.cleanup.add(`probe file ${probe.path}`, () => store.remove(probe));
  const result = pass(CHECK.mediaDir, `${ready.result.detail}; probe ${probe.name}.ulaw written`);
  return { results: [result, await checkTmpfs(dir, mountsFile)], probe };
}

/**
 * The dir must exist. Only its last component is created (as the engine does at start): a
 * missing parent is the tmpfs mount point, and creating it would put the files on the root disk.
 */
async function ensureDir(ctx: MediaContext, dir: string): Promise<{ result: CheckResult }> {
  try {
    const s = await stat(dir);
    if (!s.isDirectory()) return { result: fail(CHECK.mediaDir, `${dir} exists but is not a directory`, fixes.mediaMissing(dir)) };
    return { result: pass(CHECK.mediaDir, `${dir} exists`) };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      return { result: fail(CHECK.mediaDir, `${dir}: ${(err as NodeJS.ErrnoException).code ?? err}`, fixes.mediaMissing(dir)) };
    }
  }
  try {
    await mkdir(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? `${dirname(dir)} does not exist` : `cannot create it (${code})`;
    return { result: fail(CHECK.mediaDir, `${dir} is missing and ${why}`, fixes.mediaMissing(dir)) };
  }
  // Removed again at the end if still empty: the engine creates it itself when it starts.
  ctx.cleanup.add(`media dir ${dir}`, () => rmdir(dir).catch(() => undefined));
  return { result: pass(CHECK.mediaDir, `${dir} was missing, created (the engine creates it at start)`) };
}

async function checkTmpfs(dir: string, mountsFile: string): Promise<CheckResult> {
  const mount = await filesystemOf(dir, mountsFile).catch(() => undefined);
  if (mount === undefined) {
    return warn(CHECK.tmpfs, `cannot tell: ${mountsFile} not readable`, fixes.notTmpfs(dir));
  }
  if (mount.fsType === 'tmpfs') {
    const size = /(?:^|,)size=([^,]+)/.exec(mount.options)?.[1];
    return pass(CHECK.tmpfs, `tmpfs at ${mount.mountPoint}${size ? `, size=${size}` : ''}`);
  }
  return warn(CHECK.tmpfs, `on ${mount.fsType} (${mount.mountPoint}), not tmpfs: every utterance goes to disk`, fixes.notTmpfs(dir));
}

/**
 * Plays the probe on a throwaway Local channel: `Local/s@ai-doctor`, whose ;1 half enters the
 * doctor's app while ;2 answers and waits in [ai-doctor]. Played as `sound:<prefix>/<name>`
 * without extension, exactly as the engine plays its files (with one, Asterisk fails: trace s7).
 */
export async function checkPlayback(ctx: DoctorContext, probe: StoredMedia): Promise<CheckResult> {
  const events = ctx.events!;
  const channelId = `${ctx.idPrefix}-probe`;
  try {
    await ctx.ari.channels.originate({
      endpoint: 'Local/s@ai-doctor',
      app: ctx.doctorApp,
      channelId,
      otherChannelId: `${channelId}-2`,
      timeout: 10,
    });
  } catch (err) {
    return ariFailure(ctx, 'originate Local/s@ai-doctor', err);
  }
  ctx.cleanup.add(`channel ${channelId}`, () => hangupQuietly(ctx, channelId));

  const arrived = await events.waitFor(on.either(on.stasisStart(channelId), on.channelDestroyed(channelId)), ctx.timeouts.eventsMs);
  if (arrived?.type !== 'StasisStart') {
    const what = arrived === undefined ? `no StasisStart within ${ctx.timeouts.eventsMs} ms` : 'the channel was hung up before StasisStart';
    return fail(CHECK.playback, `Local/s@ai-doctor never reached Stasis(${ctx.doctorApp}): ${what}`, fixes.noDoctorContext());
  }

  const playbackId = `${ctx.idPrefix}-play`;
  const started = performance.now();
  try {
    await ctx.ari.channels.play(channelId, { media: probe.uri, playbackId });
  } catch (err) {
    return ariFailure(ctx, `play ${probe.uri}`, err);
  }
  const finished = await events.waitFor(on.playbackFinished(playbackId), ctx.timeouts.playbackMs);
  const ms = Math.round(performance.now() - started);
  if (finished?.type !== 'PlaybackFinished') {
    return fail(CHECK.playback, `${probe.uri}: no PlaybackFinished within ${ctx.timeouts.playbackMs} ms`, fixes.playbackSilent());
  }
  if (finished.playback.state === 'failed') {
    return fail(
      CHECK.playback,
      `${probe.uri}: PlaybackFinished state "failed" after ${ms} ms (Asterisk found no such sound)`,
      fixes.playbackFailed(ctx.cfg.media.sound_prefix, ctx.cfg.media.dir),
    );
  }
  return pass(CHECK.playback, `Asterisk played ${probe.uri}: PlaybackFinished "${finished.playback.state}" in ${ms} ms`);
}

export function ariFailure(ctx: Pick<DoctorContext, 'cfg'>, what: string, err: unknown, row: string = CHECK.playback): CheckResult {
  if (isAriHttpError(err)) {
    if (err.status === 403) return fail(row, `${what}: 403 ${err.ariMessage}`, fixes.readOnly(ctx.cfg.ari.username));
    return fail(row, `${what}: ${err.status} ${err.ariMessage}`, `asterisk -rvvv shows why Asterisk refused "${what}"`);
  }
  return fail(row, `${what}: ${(err as Error).message}`, fixes.ariUnreachable());
}

/** Hang up, tolerating a channel that is already gone. */
export async function hangupQuietly(ctx: Pick<DoctorContext, 'ari'>, channelId: string): Promise<void> {
  try {
    await ctx.ari.channels.hangup(channelId);
  } catch (err) {
    if (isAriHttpError(err) && err.status === 404) return;
    throw err;
  }
}

/**
 * Proof that the doctor left nothing on the PBX or in the media dir: after the undo list ran, no
 * channel or bridge whose id starts with this run's prefix remains (hung-up channels take a few
 * ms to disappear, so the list is polled), and no probe file is on disk. Leftovers of an earlier,
 * interrupted run (same `ai-doctor-` prefix, another run id) are reported as a warning.
 */
import { readdir } from 'node:fs/promises';
import type { AriClient } from '../../ari/client.js';
import { FILE_PREFIX } from '../../media/store.js';
import { DOCTOR_ID_PREFIX } from '../context.js';
import { fixes } from '../fixes.js';
import { fail, pass, warn, type CheckResult } from '../report.js';
import { CHECK } from './names.js';

export interface LeftoverOptions {
  ari?: AriClient;
  ariUrl: string;
  /** This run's id prefix, `ai-doctor-<runId>`. */
  idPrefix: string;
  mediaDir: string;
  timeoutMs: number;
  /** Undo steps that failed, from Cleanup.run(). */
  undoFailures: string[];
}

/** Probe files of any doctor run: MediaStore names them `aiav-ai-doctor-<runId>-0.ulaw`. */
const PROBE_FILE_PREFIX = `${FILE_PREFIX}-${DOCTOR_ID_PREFIX}`;

export async function checkLeftovers(opts: LeftoverOptions): Promise<CheckResult> {
  const files = await probeFiles(opts.mediaDir);
  const ownFiles = files.filter((f) => f.replace(/^\./, '').startsWith(`${FILE_PREFIX}-${opts.idPrefix}`));
  if (opts.ari === undefined) {
    if (ownFiles.length > 0) return fail(CHECK.leftovers, `probe file left: ${ownFiles.join(', ')}`, `rm ${opts.mediaDir}/${ownFiles[0]}`);
    return pass(CHECK.leftovers, 'probe file removed; no channel was created (no ARI)');
  }

  const deadline = performance.now() + opts.timeoutMs;
  let ids: string[];
  for (;;) {
    ids = await doctorIds(opts.ari);
    if (!ids.some((id) => id.startsWith(opts.idPrefix)) || performance.now() >= deadline) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const own = ids.filter((id) => id.startsWith(opts.idPrefix));
  const earlier = ids.filter((id) => !id.startsWith(opts.idPrefix));
  const earlierFiles = files.filter((f) => !ownFiles.includes(f));

  if (own.length > 0 || ownFiles.length > 0) {
    const what = [...own, ...ownFiles].join(', ');
    const fix = own.length > 0 ? fixes.leftovers(opts.ariUrl, own[0]) : `rm ${opts.mediaDir}/${ownFiles[0]}`;
    const undo = opts.undoFailures.length > 0 ? ` (undo failed: ${opts.undoFailures.join('; ')})` : '';
    return fail(CHECK.leftovers, `still there after ${opts.timeoutMs} ms: ${what}${undo}`, fix);
  }
  if (earlier.length > 0 || earlierFiles.length > 0) {
    return warn(
      CHECK.leftovers,
      `this run left nothing, but an earlier doctor run (or one running now) left: ${[...earlier, ...earlierFiles].join(', ')}`,
      earlier.length > 0 ? fixes.leftovers(opts.ariUrl, earlier[0]) : `rm ${opts.mediaDir}/${PROBE_FILE_PREFIX}*`,
    );
  }
  return pass(CHECK.leftovers, `no ${DOCTOR_ID_PREFIX}* channel or bridge, no probe file`);
}

/** Ids of channels and bridges any doctor run created. */
async function doctorIds(ari: AriClient): Promise<string[]> {
  const [channels, bridges] = await Promise.all([ari.channels.list(), ari.bridges.list()]);
  return [...channels.map((c) => c.id), ...bridges.map((b) => b.id)].filter((id) => id.startsWith(DOCTOR_ID_PREFIX));
}

async function probeFiles(dir: string): Promise<string[]> {
  try {
    // Dot-files too: MediaStore writes `.<name>.<random>.tmp` first, then renames.
    return (await readdir(dir)).filter((n) => n.startsWith(PROBE_FILE_PREFIX) || n.startsWith(`.${PROBE_FILE_PREFIX}`));
  } catch {
    return [];
  }
}

/**
 * The modules the AudioSocket path needs, and whether the Asterisk release has the multi-rate
 * AudioSocket kinds the configured format needs.
 */
import type { AriClient } from '../../ari/client.js';
import { isAriHttpError } from '../../ari/errors.js';
import type { AsteriskInfo } from '../../ari/models.js';
import type { EngineConfig } from '../../config/load.js';
import { fixes } from '../fixes.js';
import { fail, pass, warn, type CheckResult } from '../report.js';
import { hasMultiRateAudioSocket, multiRateReleases, parseAsteriskVersion } from '../version.js';
import { CHECK } from './names.js';

/** app_audiosocket: the snoop fallback's AudioSocket(); chan_audiosocket: externalMedia legs; res_ari: everything. */
export const REQUIRED_MODULES = ['app_audiosocket', 'chan_audiosocket', 'res_ari'] as const;

/**
 * GET /asterisk/modules/<name>.so. Asterisk matches the name exactly as `module show` lists it,
 * with ".so" (without it, real Asterisk answers 409 where the simulator would be lenient).
 */
export async function checkModule(ari: AriClient, name: string): Promise<CheckResult> {
  const row = CHECK.module(name);
  try {
    const m = await ari.asterisk.module(`${name}.so`);
    if (m.status !== 'Running') return fail(row, `${m.name} is loaded but ${m.status}`, fixes.module(name));
    return pass(row, `${m.name} ${m.status} (${m.description})`);
  } catch (err) {
    if (isAriHttpError(err) && err.status === 404) return fail(row, `not loaded (404 ${err.ariMessage})`, fixes.module(name));
    if (isAriHttpError(err)) {
      return warn(row, `cannot read its state: ${err.status} ${err.ariMessage}`, `asterisk -rx 'module show like ${name}' must list it Running`);
    }
    return fail(row, `cannot ask: ${(err as Error).message}`, fixes.ariUnreachable());
  }
}

export function checkModules(ari: AriClient): Promise<CheckResult[]> {
  return Promise.all(REQUIRED_MODULES.map((name) => checkModule(ari, name)));
}

/** The release from /asterisk/info against what audiosocket.format needs. */
export function checkVersion(info: AsteriskInfo, cfg: EngineConfig): CheckResult {
  const raw = info.system?.version ?? '';
  const v = parseAsteriskVersion(raw);
  const needsMultiRate = cfg.audiosocket.format !== 'slin';
  if (v === undefined) {
    return warn(CHECK.version, `"${raw}": cannot tell whether it has the multi-rate AudioSocket kinds (${multiRateReleases()})`, fixes.version());
  }
  if (hasMultiRateAudioSocket(v)) return pass(CHECK.version, `${raw}: multi-rate AudioSocket kinds present`);
  if (!needsMultiRate) return pass(CHECK.version, `${raw}: no multi-rate AudioSocket kinds, not needed with audiosocket.format: slin`);
  return warn(
    CHECK.version,
    `${raw}: older than ${multiRateReleases()}, no multi-rate AudioSocket kinds for audiosocket.format: ${cfg.audiosocket.format}`,
    fixes.version(),
  );
}

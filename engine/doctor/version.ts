/**
 * Which Asterisk releases carry the multi-rate AudioSocket message kinds (0x11-0x18: slin at
 * 12-192 kHz). Before them an AudioSocket leg carries 8 kHz only (kind 0x10), so the engine's
 * default `audiosocket.format: slin16` needs one of these; `slin` works everywhere.
 */

export interface AsteriskVersion {
  major: number;
  minor: number;
  patch: number;
  /** As Asterisk reported it, e.g. "22.10.1" or "certified-20.7-cert5". */
  raw: string;
}

/** First minor release of each branch with the multi-rate kinds; later majors all have them. */
export const MULTI_RATE_SINCE: Readonly<Record<number, number>> = { 20: 17, 22: 7, 23: 1 };
const FIRST_MAJOR_WITH_ALL = 24;

/** "22.10.1", "22.7.0-rc1", "certified-20.7-cert5", "20.17.0"; undefined for "GIT-master-abc". */
export function parseAsteriskVersion(raw: string): AsteriskVersion | undefined {
  const m = /(\d{1,3})\.(\d{1,3})(?:\.(\d{1,3}))?/.exec(raw);
  if (m === null) return undefined;
  return { major: Number(m[1]), minor: Number(m[2]), patch: m[3] === undefined ? 0 : Number(m[3]), raw };
}

/** True when this release sends and accepts kinds 0x11-0x18. */
export function hasMultiRateAudioSocket(v: AsteriskVersion): boolean {
  if (v.major >= FIRST_MAJOR_WITH_ALL) return true;
  const since = MULTI_RATE_SINCE[v.major];
  return since !== undefined && v.minor >= since;
}

/** "20.17+, 22.7+ or 23.1+" */
export function multiRateReleases(): string {
  const list = Object.entries(MULTI_RATE_SINCE).map(([major, minor]) => `${major}.${minor}+`);
  return `${list.slice(0, -1).join(', ')} or ${list[list.length - 1]}`;
}

/**
 * The dialplan and ARI clients speak Asterisk's paths (/var/spool/asterisk/monitor/x.wav,
 * sound:/var/lib/asterisk/sounds/…); the simulator keeps the files in its own folders. PathMap
 * rewrites the longest matching prefix. Variables such as MIXMONITOR_FILENAME keep the Asterisk
 * path, as a real Asterisk would report it.
 */
import { isAbsolute, join, normalize } from 'node:path';

export const ASTERISK_SPOOL = '/var/spool/asterisk';
export const ASTERISK_SOUNDS = '/var/lib/asterisk/sounds';

export class PathMap {
  private readonly entries: [string, string][];

  constructor(map: Record<string, string>) {
    this.entries = Object.entries(map)
      .map(([from, to]): [string, string] => [stripSlash(from), to])
      .sort((a, b) => b[0].length - a[0].length);
  }

  /** The local path for an Asterisk path; paths under no mapped prefix are returned unchanged. */
  toLocal(asteriskPath: string): string {
    const p = normalize(asteriskPath);
    for (const [from, to] of this.entries) {
      if (p === from) return to;
      if (p.startsWith(`${from}/`)) return join(to, p.slice(from.length + 1));
    }
    return p;
  }
}

/** An Asterisk path for a file name given relative to a spool subfolder ("monitor", "recording"). */
export function spoolPath(sub: string, name: string): string {
  return isAbsolute(name) ? normalize(name) : join(ASTERISK_SPOOL, sub, name);
}

function stripSlash(p: string): string {
  return p.length > 1 && p.endsWith('/') ? p.slice(0, -1) : p;
}

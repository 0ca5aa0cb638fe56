/**
 * Which filesystem a path lives on, from /proc/mounts: the media dir should be a tmpfs (the
 * agent's speech lives seconds; writing it to disk wears the disk and adds latency).
 */
import { readFile, realpath } from 'node:fs/promises';

export interface MountEntry {
  device: string;
  mountPoint: string;
  fsType: string;
  options: string;
}

export const PROC_MOUNTS = '/proc/mounts';

/** /proc/mounts escapes space, tab, newline and backslash as octal (\040 ...). */
function unescapeMount(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_m, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

export function parseProcMounts(text: string): MountEntry[] {
  const out: MountEntry[] = [];
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 4) continue;
    out.push({ device: unescapeMount(f[0]), mountPoint: unescapeMount(f[1]), fsType: f[2], options: f[3] });
  }
  return out;
}

/** The mount that holds `path` (absolute, symlinks resolved): the longest mount point above it; the last one mounted wins a tie. */
export function mountFor(path: string, mounts: readonly MountEntry[]): MountEntry | undefined {
  let best: MountEntry | undefined;
  for (const m of mounts) {
    const mp = m.mountPoint === '/' ? '/' : m.mountPoint.replace(/\/+$/, '');
    const inside = mp === '/' || path === mp || path.startsWith(`${mp}/`);
    if (inside && (best === undefined || mp.length >= best.mountPoint.replace(/\/+$/, '').length)) best = m;
  }
  return best;
}

/** The mount of an existing path; undefined when the mount table cannot be read (not Linux). */
export async function filesystemOf(path: string, mountsFile = PROC_MOUNTS): Promise<MountEntry | undefined> {
  let text: string;
  try {
    text = await readFile(mountsFile, 'utf8');
  } catch {
    return undefined;
  }
  return mountFor(await realpath(path), parseProcMounts(text));
}

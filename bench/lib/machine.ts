/**
 * The machine a run happened on, and how busy all of it was during a measurement window: other
 * processes on a 2-core box move every number here, so each window says how much CPU the whole
 * host used (Linux /proc/stat; null elsewhere).
 */
import { readFileSync } from 'node:fs';
import { arch, cpus, freemem, loadavg, platform, release, totalmem } from 'node:os';

export interface MachineInfo {
  cores: number;
  cpuModel: string;
  node: string;
  v8: string;
  os: string;
  memTotalMb: number;
  memFreeMb: number;
  loadAvg1m: number;
}

export function machineInfo(): MachineInfo {
  const c = cpus();
  return {
    cores: c.length,
    cpuModel: c[0]?.model.trim() ?? 'unknown',
    node: process.version,
    v8: process.versions.v8,
    os: `${platform()} ${release()} ${arch()}`,
    memTotalMb: Math.round(totalmem() / 1024 / 1024),
    memFreeMb: Math.round(freemem() / 1024 / 1024),
    loadAvg1m: Math.round(loadavg()[0] * 100) / 100,
  };
}

export function describeMachine(m: MachineInfo): string {
  return `${m.cores} cores (${m.cpuModel}), node ${m.node} (V8 ${m.v8}), ${m.os}, ${m.memTotalMb} MB RAM (${m.memFreeMb} free), load average ${m.loadAvg1m}`;
}

export interface HostCpu {
  busy: number;
  total: number;
}

/** Cumulative CPU ticks of the whole host; null when /proc/stat is not there. */
export function hostCpu(): HostCpu | null {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0];
    const f = line.trim().split(/\s+/).slice(1).map(Number);
    const idle = f[3] + (f[4] ?? 0);
    const total = f.slice(0, 8).reduce((a, b) => a + b, 0);
    return { busy: total - idle, total };
  } catch {
    return null;
  }
}

/** Host CPU busy between two readings, in % of ONE core (a busy 2-core host shows 200%). */
export function hostBusyPercent(a: HostCpu | null, b: HostCpu | null, cores = cpus().length): number | null {
  if (!a || !b || b.total === a.total) return null;
  return ((b.busy - a.busy) / (b.total - a.total)) * 100 * cores;
}

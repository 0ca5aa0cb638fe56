/**
 * Preloaded (`node --import tsx --import bench/lib/probe.ts …`) into the processes a benchmark
 * measures: the engine and the simulator. It answers requests over the IPC channel the parent
 * opened, so the measured process needs no code of its own for it:
 *
 *   { probe: id, op: 'sample' }   memory, CPU time and event-loop delay since the last reset
 *   { probe: id, op: 'gc' }       a full GC (needs --expose-gc), then a sample
 *   { probe: id, op: 'reset' }    restarts the event-loop delay histogram, then a sample
 *
 * The IPC channel is unref'd: it never keeps the process alive. When it closes (the bench died),
 * the process exits.
 */
import { constants as perfConstants, monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { ELD_RESOLUTION_MS, eldMs } from './eld.js';

export interface ProbeSample {
  /** process.memoryUsage() fields, bytes. */
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
  /** process.cpuUsage(), µs since the process started. */
  cpuUserUs: number;
  cpuSystemUs: number;
  /** performance.timeOrigin + now, ms (wall clock of the sample). */
  at: number;
  /** Event-loop delay since the last reset, ms. */
  eld: { p50: number; p99: number; max: number; mean: number };
  /** Garbage-collection pauses since the last reset: how many, their total and the longest, ms. */
  gcPauses: { count: number; totalMs: number; maxMs: number; /** Longest pause of a full (mark-compact) collection. */ maxMajorMs: number };
  gcAvailable: boolean;
}

export interface ProbeRequest {
  probe: number;
  op: 'sample' | 'gc' | 'reset';
}

export interface ProbeReply {
  probe: number;
  sample: ProbeSample;
}

if (process.send) {
  const eld = monitorEventLoopDelay({ resolution: ELD_RESOLUTION_MS });
  eld.enable();
  const gc = (globalThis as { gc?: () => void }).gc;
  const noPauses = (): ProbeSample['gcPauses'] => ({ count: 0, totalMs: 0, maxMs: 0, maxMajorMs: 0 });
  const pauses = noPauses();
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      pauses.count++;
      pauses.totalMs += e.duration;
      if (e.duration > pauses.maxMs) pauses.maxMs = e.duration;
      const kind = (e as { detail?: { kind?: number } }).detail?.kind;
      if (kind === perfConstants.NODE_PERFORMANCE_GC_MAJOR && e.duration > pauses.maxMajorMs) pauses.maxMajorMs = e.duration;
    }
  }).observe({ entryTypes: ['gc'] });

  const sample = (): ProbeSample => {
    const m = process.memoryUsage();
    const c = process.cpuUsage();
    const ms = (ns: number) => eldMs(ns);
    return {
      rss: m.rss,
      heapUsed: m.heapUsed,
      heapTotal: m.heapTotal,
      external: m.external,
      arrayBuffers: m.arrayBuffers,
      cpuUserUs: c.user,
      cpuSystemUs: c.system,
      at: performance.timeOrigin + performance.now(),
      eld: { p50: ms(eld.percentile(50)), p99: ms(eld.percentile(99)), max: ms(eld.max), mean: ms(eld.mean) },
      gcAvailable: gc !== undefined,
      gcPauses: { ...pauses },
    };
  };

  process.on('message', (msg: unknown) => {
    const req = msg as Partial<ProbeRequest> | null;
    if (!req || typeof req.probe !== 'number') return;
    if (req.op === 'gc' && gc) {
      // Twice: the first pass can leave objects whose finalizers free more.
      gc();
      gc();
    }
    const s = sample();
    if (req.op === 'reset') {
      eld.reset();
      Object.assign(pauses, noPauses());
    }
    process.send?.({ probe: req.probe, sample: s } satisfies ProbeReply);
  });
  process.channel?.unref();
  // The bench that started us is gone (crashed or killed): do not linger as an orphan.
  process.on('disconnect', () => process.exit(0));
}

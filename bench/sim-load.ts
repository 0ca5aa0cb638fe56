/**
 * Scenario 2, sim-load: how many concurrent calls the simulator streams with a steady 20 ms
 * cadence, and its memory at that load.
 *
 * Three processes: bench/run.ts, this one (an AudioSocket server standing in for the engine,
 * plus an ARI client placing calls), and the simulator (bench/lib/sim-child.ts, measured alone).
 * Each call is `Local/s@load` with the ;1 half in this bench's Stasis app playing a long tone,
 * and the ;2 half in the dialplan `AudioSocket()` towards the stand-in: tone frames flow
 * simulator → stand-in, and the stand-in writes a paced 20 ms frame to every connection
 * (stand-in → simulator), as in simulator/core/load.test.ts but over ARI and across processes.
 *
 * Calls are added in steps (SIM_LOAD_STEPS, default 100,200,300,500,700). At each step, after a
 * settle second, for SIM_LOAD_WINDOW_S (default 5) the stand-in records the arrival interval of
 * every frame of every connection. Jitter is |interval − 20 ms|. The stand-in's own event-loop
 * delay is printed too: it is part of what the arrival times show.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { AriClient } from '../engine/ari/client.js';
import { AriEventStream } from '../engine/ari/events.js';
import { FrameTicker } from '../engine/audio/pacer.js';
import { tone } from '../engine/audio/tone.js';
import { encodeWav } from '../engine/audio/wav.js';
import { AudioSocketParser, encodeAudio } from '../engine/audiosocket/codec.js';
import { cpuPercent, nodeFlagsFromEnv, sleep } from './lib/children.js';
import { ELD_RESOLUTION_MS, eldMs } from './lib/eld.js';
import { hostBusyPercent, hostCpu } from './lib/machine.js';
import { Report } from './lib/report.js';
import { startSimProcess } from './lib/sim-process.js';
import { summarize } from './lib/stats.js';
import { mb, num } from './lib/table.js';

const STEPS = (process.env.SIM_LOAD_STEPS ?? '100,200,300,500,700').split(',').map(Number).filter((n) => n > 0);
const WINDOW_S = Number(process.env.SIM_LOAD_WINDOW_S ?? 5);
const SETTLE_MS = 1000;
const APP = 'bench-load';
const ORIGINATE_CONCURRENCY = 20;

/** One AudioSocket connection as the stand-in sees it. */
class Conn {
  lastAt = 0;
  audioFrames = 0;
  uuid: string | null = null;
  constructor(readonly socket: Socket) {}
}

class StandIn {
  readonly conns = new Set<Conn>();
  measuring = false;
  intervals: number[] = [];
  private readonly ticker = new FrameTicker({ phases: 8 });
  private readonly frame = encodeAudio(8000, tone(440, 20, 8000, 0.2));
  private readonly server = createServer((socket) => this.accept(socket));
  port = 0;

  async listen(): Promise<void> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.port = (this.server.address() as { port: number }).port;
  }

  private accept(socket: Socket): void {
    socket.setNoDelay(true);
    const c = new Conn(socket);
    this.conns.add(c);
    const parser = new AudioSocketParser({
      onFrame: (f) => {
        if (f.type === 'uuid') {
          c.uuid = f.uuid;
          // One paced frame per tick (the engine's shape: one shared ticker, its passes spread over the period).
          const stop = this.ticker.add(() => {
            if (socket.writable) socket.write(this.frame);
          });
          socket.once('close', stop);
        }
        else if (f.type === 'audio') {
          const now = performance.now();
          if (this.measuring && c.lastAt > 0) this.intervals.push(now - c.lastAt);
          c.lastAt = now;
          c.audioFrames++;
        }
      },
      onError: () => socket.destroy(),
    });
    socket.on('data', (d) => parser.push(d));
    socket.on('error', () => undefined);
    socket.on('close', () => this.conns.delete(c));
  }

  async close(): Promise<void> {
    this.ticker.stop();
    for (const c of this.conns) c.socket.destroy();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

async function inBatches<T>(items: T[], size: number, fn: (t: T) => Promise<unknown>): Promise<number> {
  let failed = 0;
  for (let i = 0; i < items.length; i += size) {
    const rs = await Promise.allSettled(items.slice(i, i + size).map(fn));
    failed += rs.filter((r) => r.status === 'rejected').length;
  }
  return failed;
}

async function waitUntil(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!check()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

async function main(): Promise<void> {
  const report = new Report('sim-load', 'simulator: concurrent streaming calls (AudioSocket, 20 ms frames both ways)', {
    steps: STEPS,
    windowS: WINDOW_S,
    frame: '8 kHz slin, 320 B',
  });
  const work = mkdtempSync(join(tmpdir(), 'bench-sim-load-'));
  const standIn = new StandIn();
  await standIn.listen();
  // A tone long enough for every step, so caller audio never stops.
  const toneS = Math.ceil(STEPS.length * (WINDOW_S + 12) + 30);
  writeFileSync(join(work, 'bench-tone.wav'), encodeWav(tone(700, toneS * 1000, 8000, 0.25), 8000));
  const dialplan = `[load]\nexten => s,1,Answer()\n same => n,AudioSocket(\${UUID()},127.0.0.1:${standIn.port})\n same => n,Hangup()\n`;
  const sim = await startSimProcess({ extensionsConf: dialplan, soundDirs: [work], nodeFlags: nodeFlagsFromEnv('BENCH_SIM_NODE_FLAGS') });
  const ari = new AriClient({ url: sim.url, username: sim.username, password: sim.password, requestTimeoutMs: 30_000 });
  const events = new AriEventStream({ url: sim.url, username: sim.username, password: sim.password, app: APP, pingIntervalMs: 0 });
  events.on('event', () => undefined);
  events.start();
  await events.waitConnected(10_000);

  const ownEld = monitorEventLoopDelay({ resolution: ELD_RESOLUTION_MS });
  ownEld.enable();
  const rows: (string | number)[][] = [];
  const steps: Record<string, unknown>[] = [];
  let placed = 0;
  let sustained = 0;
  let rssAtSustained: number | null = null;
  let rssAt500: number | null = null;
  let stoppedBy = '';
  try {
    const idle = await sim.child.gc();
    report.progress(`simulator idle: RSS ${mb(idle.rss)} MB`);
    for (const target of STEPS) {
      const ids = Array.from({ length: target - placed }, (_, i) => `L${placed + i}`);
      report.progress(`${target} calls: placing ${ids.length}`);
      const t0 = performance.now();
      const failed = await inBatches(ids, ORIGINATE_CONCURRENCY, (id) =>
        ari.channels.originate({ endpoint: 'Local/s@load', app: APP, channelId: id, formats: 'slin' }),
      );
      placed = target;
      if (failed > 0) report.note(`${target} calls: ${failed} originate requests failed`);
      await waitUntil(() => [...standIn.conns].filter((c) => c.uuid).length >= target - failed, 60_000, `${target} AudioSocket connections`);
      const playFailed = await inBatches(ids, ORIGINATE_CONCURRENCY, (id) => ari.channels.play(id, { media: 'sound:bench-tone', playbackId: `${id}-tone` }));
      if (playFailed > 0) report.note(`${target} calls: ${playFailed} play requests failed`);
      const setupS = (performance.now() - t0) / 1000;
      await sleep(SETTLE_MS);

      const host0 = hostCpu();
      const before = await sim.child.reset();
      ownEld.reset();
      const ownCpu0 = process.cpuUsage();
      const w0 = performance.now();
      const frames0 = [...standIn.conns].reduce((n, c) => n + c.audioFrames, 0);
      standIn.intervals = [];
      standIn.measuring = true;
      await sleep(WINDOW_S * 1000);
      standIn.measuring = false;
      const frames1 = [...standIn.conns].reduce((n, c) => n + c.audioFrames, 0);
      const windowMs = performance.now() - w0;
      const after = await sim.child.sample();
      const ownCpu = process.cpuUsage(ownCpu0);
      const hostBusy = hostBusyPercent(host0, hostCpu());
      const live = standIn.conns.size;
      const s = summarize(standIn.intervals);
      const jitter = summarize(standIn.intervals.map((x) => Math.abs(x - 20)));
      const expected = (live * windowMs) / 20;
      const received = frames1 - frames0;
      const simCpu = cpuPercent(before, after);
      const standInCpu = ((ownCpu.user + ownCpu.system) / 1000 / windowMs) * 100;
      const ok = jitter.p99 < 5 && received >= expected * 0.99 && live >= target - failed;
      rows.push([
        target,
        live,
        num(s.p50, 1),
        num(s.p99, 1),
        num(s.max, 1),
        num(jitter.p99, 1),
        `${num((received / expected) * 100, 1)}%`,
        mb(after.rss, 0),
        mb(after.heapUsed, 0),
        `${num(simCpu, 0)}%`,
        num(after.eld.p99, 1),
        `${after.gcPauses.count}/${num(after.gcPauses.maxMs, 1)}`,
        `${num(standInCpu, 0)}%`,
        num(eldMs(ownEld.percentile(99)), 1),
        hostBusy === null ? '-' : `${num(hostBusy, 0)}%`,
        num(setupS, 1),
        ok ? 'yes' : 'NO',
      ]);
      steps.push({ calls: target, live, interval: s, jitter, receivedPct: (received / expected) * 100, simRss: after.rss, simHeap: after.heapUsed, simCpuPct: simCpu, simEldP99: after.eld.p99, simGc: after.gcPauses, standInCpuPct: standInCpu, standInEldP99: eldMs(ownEld.percentile(99)), hostBusyPct: hostBusy, setupS, ok });
      if (target === 500) rssAt500 = after.rss;
      if (ok && (sustained === 0 ? STEPS.indexOf(target) === 0 : sustained === STEPS[STEPS.indexOf(target) - 1])) {
        sustained = target;
        rssAtSustained = after.rss;
      } else if (!ok && !stoppedBy) {
        stoppedBy = `${target} calls: p99 jitter ${num(jitter.p99, 1)} ms, ${num((received / expected) * 100, 1)}% of frames, ${live}/${target} connections`;
      }
      if (live < target * 0.9 || received < expected * 0.9) {
        report.note(`stopping the ramp at ${target} calls: calls or frames are being lost`);
        break;
      }
    }
  } finally {
    await events.close().catch(() => undefined);
    await sim.stop();
    await standIn.close();
    rmSync(work, { recursive: true, force: true });
  }
  report.table(
    'Per step (interval = arrival gap between consecutive frames of one call at the stand-in; jitter = |interval - 20 ms|)',
    ['calls', 'live', 'p50 ms', 'p99 ms', 'max ms', 'p99 jitter', 'frames', 'sim RSS MB', 'heap MB', 'sim CPU', 'sim ELD p99', 'sim GC n/max ms', 'stand-in CPU', 'stand-in ELD p99', 'host CPU', 'setup s', 'ok'],
    rows,
  );
  report.data.steps = steps;
  report.data.sustained = sustained;
  report.note(`highest step sustained with p99 jitter < 5 ms and >= 99% of frames: ${sustained || 'none'} calls${stoppedBy ? ` (first miss: ${stoppedBy})` : ''}`);
  report.note('CPU is % of one core; host CPU is all processes on the machine (200% = both cores busy); ELD = event-loop delay p99 (ms)');
  report.target('calls sustained (p99 jitter < 5 ms)', sustained, '>=', 500, 'calls');
  report.target('simulator RSS at 500 calls', rssAt500 === null ? null : rssAt500 / 1024 / 1024, '<', 400, 'MB');
  if (rssAtSustained !== null) report.data.rssAtSustainedMb = rssAtSustained / 1024 / 1024;
  report.finish();
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error('sim-load failed:', err instanceof Error ? err.stack : err);
    process.exit(1);
  },
);

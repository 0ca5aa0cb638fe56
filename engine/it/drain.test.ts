/**
 * SIGTERM drain, on the engine as production runs it (engine/main.ts in its own process): new
 * callers are hung up, live calls may finish, those still up at drain_timeout_ms are ended
 * cleanly, and the process exits 0 with nothing left behind.
 */
import { performance } from 'node:perf_hooks';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TestCall } from '../../simulator/driver/call-driver.js';
import { spawnEngine, type ChildEngine } from './child-engine.js';
import { expectClean, sleep, startHarness, type Harness } from './harness.js';

const DRAIN_TIMEOUT_MS = 4000;

describe('SIGTERM drain', () => {
  let h: Harness;
  let child: ChildEngine | undefined;
  beforeEach(async () => {
    h = await startHarness({ noEngine: true });
    child = await spawnEngine(h.work, { ...h.rawConfig, drain_timeout_ms: DRAIN_TIMEOUT_MS, log_level: 'info' });
  });
  afterEach(async (ctx) => {
    if (ctx.task.result?.state === 'fail' && child) console.log(child.lines.map((l) => `${l.level} ${l.msg}`).join('\n'), child.other.join(''));
    child?.proc.kill('SIGKILL');
    await h?.close();
  });

  async function liveCall(): Promise<TestCall> {
    const call = await h.driver.placeCall({ formats: 'slin16' });
    await child!.waitFor('bound to channel', (l) => l.channelId === call.callerId, 5000);
    return call;
  }

  /** A call placed during the drain is hung up by the engine without being taken. */
  async function expectRefused(): Promise<void> {
    const call = await h.driver.placeCall({ formats: 'slin16' });
    await call.waitFor('ended', 3000);
    await child!.waitFor('draining: refusing new call', (l) => l.channelId === call.callerId, 1000);
    expect(child!.lines.find((l) => l.msg === 'call started' && l.channelId === call.callerId)).toBeUndefined();
  }

  it('lets a live call finish, refuses new ones, and exits 0 once it has', async () => {
    const live = await liveCall();
    const t0 = performance.now();
    child!.proc.kill('SIGTERM');
    await child!.waitFor('draining: no new calls', () => true, 2000);
    await expectRefused();

    // The live call is still up, and ends when its caller hangs up.
    expect(live.ended).toBe(false);
    await sleep(300);
    expect(child!.proc.exitCode).toBeNull();
    await live.hangup();
    const exit = await child!.exited;
    expect(exit).toMatchObject({ code: 0, signal: null });
    // Well before the drain timeout: it did not wait for nothing.
    expect(exit.at - t0).toBeLessThan(DRAIN_TIMEOUT_MS);
    expect(child!.lines.some((l) => l.msg === 'drain timeout: ending remaining calls')).toBe(false);
    expect(child!.lines.some((l) => l.msg === 'engine stopped')).toBe(true);
    await expectClean(h, null, 2000);
  });

  it('ends the calls still up at drain_timeout_ms cleanly, then exits 0', async () => {
    const live = await liveCall();
    const t0 = performance.now();
    child!.proc.kill('SIGTERM');
    await child!.waitFor('draining: no new calls', () => true, 2000);
    await expectRefused();

    const exit = await child!.exited;
    const took = exit.at - t0;
    expect(exit).toMatchObject({ code: 0, signal: null });
    expect(took).toBeGreaterThanOrEqual(DRAIN_TIMEOUT_MS - 100);
    // The drain timeout plus a clean teardown and close, not a hang.
    expect(took).toBeLessThan(DRAIN_TIMEOUT_MS + 1500);
    expect(child!.lines.some((l) => l.msg === 'drain timeout: ending remaining calls')).toBe(true);
    const ended = child!.lines.find((l) => l.msg === 'call ended' && l.channelId === live.callerId);
    expect(ended?.reason).toBe('engine shutting down');
    // The engine hung the caller up: the phone saw it.
    await live.waitFor('ended', 1000).catch(() => undefined);
    expect(live.ended).toBe(true);
    await expectClean(h, null, 2000);
  });
});

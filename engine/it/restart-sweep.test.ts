/**
 * Restart sweep: an engine that dies abruptly (SIGKILL, mid-reply) leaves its bridge, its own
 * channels, the caller stranded in its Stasis app and its media files behind. The next engine
 * sweeps all of it before it registers its app, and leaves what is not its own alone.
 */
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawnEngine, type ChildEngine } from './child-engine.js';
import { dumpLogsIfFailed, eventually, expectClean, mediaFiles, OWN, placeCall, sleep, startHarness, waitMark, type Harness } from './harness.js';

describe('restart after a crash', () => {
  let h: Harness;
  let child: ChildEngine | undefined;
  beforeEach(async () => {
    h = await startHarness({ noEngine: true });
  });
  afterEach(async (ctx) => {
    if (ctx.task.result?.state === 'fail') console.log(child?.lines.map((l) => `${l.level} ${l.msg}`).join('\n'));
    dumpLogsIfFailed(ctx, h);
    child?.proc.kill('SIGKILL');
    await h?.close();
  });

  it("the next engine's start-up sweep removes what the killed one left", async () => {
    child = await spawnEngine(h.work, { ...h.rawConfig, log_level: 'info' });

    // A call, mid-reply: segments of the answer are in the media dir.
    const call = await h.driver.placeCall({ formats: 'slin16' });
    const bound = await child.waitFor('bound to channel', (l) => l.channelId === call.callerId, 5000);
    await call.say('sound:caller-hello-16k');
    await eventually(() => h.driver.ari.bridges.list().then((b) => b.length === 1), 1000, 'the bridge');
    await eventually(() => mediaFiles(h).length > 0, 8000, 'a reply segment on disk');

    child.proc.kill('SIGKILL');
    const exit = await child.exited;
    expect(exit.signal).toBe('SIGKILL');
    await sleep(300);

    // What the dead engine left behind.
    const files = mediaFiles(h);
    expect(files.length).toBeGreaterThan(0);
    const channels = await h.driver.ari.channels.list();
    const caller = channels.find((c) => c.id === call.callerId);
    expect(caller?.dialplan).toMatchObject({ app_name: 'Stasis', app_data: h.config.ari.app });
    expect(channels.filter((c) => c.id.startsWith(OWN)).length).toBeGreaterThan(0);
    expect((await h.driver.ari.bridges.list()).map((b) => b.id)).toEqual([expect.stringMatching(/^aiav-.*-br$/)]);
    expect(bound.mediaChannelId).toMatch(/^aiav-/);
    // A file in the media dir that is not the engine's.
    const foreign = join(h.mediaDir, 'welcome-prompt.ulaw');
    writeFileSync(foreign, Buffer.alloc(160, 0xff));

    // The next engine, in this process this time.
    const engine = await h.startEngine();
    const sweep = h.logs.find('start-up sweep done')[0];
    // Before the app registers (a stranded caller must not come back as a new call)...
    expect(h.logs.lines.indexOf(sweep)).toBeLessThan(h.logs.lines.findIndex((l) => l.msg === 'ARI events connected'));
    // ...at least the caller (its snoops may die with it: hanging them up then finds nothing).
    expect(sweep.channels).toBeGreaterThanOrEqual(1);
    expect(sweep.bridges).toBe(1);
    expect(sweep.files).toBe(files.length);
    // The swept caller hangs up its Local pair: the phone is gone too.
    await call.waitFor('ended', 2000).catch(() => undefined);
    expect(existsSync(foreign)).toBe(true);
    rmSync(foreign);
    await expectClean(h, engine, 2000);

    // And it takes calls.
    const next = await placeCall(h);
    await waitMark(next.session, 'bound', 0, 5000);
    await next.call.hangup();
    await next.session.done;
  });
});

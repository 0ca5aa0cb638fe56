/**
 * Two engines on one Asterisk, each with its own Stasis app (the dialplan picks one with
 * AI_AGENT_APP) and sharing the media dir. One of them dies mid-reply and starts again: its
 * start-up sweep removes what it left (bridge, channels, stranded caller, files) and nothing of
 * the other engine's, whose call goes on streaming.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startEngine, type Engine } from '../app.js';
import { ownPrefix, ownerTag } from '../call/owner.js';
import { parseConfig } from '../config/load.js';
import { spawnEngine, type ChildEngine } from './child-engine.js';
import { dumpLogsIfFailed, eventually, expectClean, frameRate, keepStreaming, mediaFiles, sessionOf, sleep, startHarness, waitMark, type Harness } from './harness.js';
import { LogCapture } from './logs.js';

const SECOND_APP = 'second-agent';

describe('two engines on one Asterisk', () => {
  let h: Harness;
  let child: ChildEngine | undefined;
  let second: Engine | undefined;
  const secondLogs = new LogCapture();
  beforeEach(async () => {
    h = await startHarness({ noEngine: true });
  });
  afterEach(async (ctx) => {
    if (ctx.task.result?.state === 'fail') {
      console.log(child?.lines.map((l) => `${l.level} ${l.msg}`).join('\n'));
      console.log(secondLogs.dump());
    }
    dumpLogsIfFailed(ctx, h);
    child?.proc.kill('SIGKILL');
    await second?.close();
    await h?.close();
  });

  it("one engine's restart sweep leaves the other engine's call, bridge and files alone", async () => {
    const first = h.config.ari.app;
    expect(ownerTag(first)).not.toBe(ownerTag(SECOND_APP));
    child = await spawnEngine(h.work, { ...h.rawConfig, log_level: 'info' });
    const cfg = parseConfig({ ...h.rawConfig, ari: { ...(h.rawConfig.ari as object), app: SECOND_APP } }, {});
    cfg.audiosocket.port = 0;
    cfg.http.port = 0;
    second = await startEngine({ config: cfg, logger: secondLogs.logger('debug') });

    // The second engine's call: the dialplan hands it to SECOND_APP; the caller's line streams.
    const theirs = await h.driver.placeCall({ formats: 'slin16', variables: { AI_AGENT_APP: SECOND_APP } });
    const session = await sessionOf(second, theirs.callerId);
    await waitMark(session, 'bound', 0, 5000);
    const stopStreaming = await keepStreaming(h, theirs);

    // The first engine's call, mid-reply when it is killed: segments of the answer on disk.
    const mine = await h.driver.placeCall({ formats: 'slin16' });
    await child.waitFor('bound to channel', (l) => l.channelId === mine.callerId, 5000);
    await mine.say('sound:caller-hello-16k');
    const firstFiles = () => mediaFiles(h).filter((f) => f.replace(/^\./, '').startsWith(ownPrefix(first)));
    await eventually(() => firstFiles().length > 0, 8000, "a reply segment of the first engine's on disk");
    child.proc.kill('SIGKILL');
    await child.exited;
    await sleep(300);

    const left = firstFiles();
    const bridges = await h.driver.ari.bridges.list();
    const secondBridge = bridges.find((b) => b.id.startsWith(ownPrefix(SECOND_APP)));
    expect(secondBridge).toBeDefined();
    expect(bridges.filter((b) => b.id.startsWith(ownPrefix(first)))).toHaveLength(1);
    // A file of the second engine's waiting to be played (its own sweep would delete it, the first's must not).
    const secondFile = join(h.mediaDir, `${ownPrefix(SECOND_APP)}pending-1.sln16`);
    writeFileSync(secondFile, Buffer.alloc(640));
    const secondChannels = (await h.driver.ari.channels.list()).filter((c) => c.id.startsWith(ownPrefix(SECOND_APP))).map((c) => c.id);
    expect(secondChannels.length).toBeGreaterThan(0);

    // The first engine again, in this process.
    const engine = await h.startEngine();
    const sweep = h.logs.find('start-up sweep done')[0];
    expect(sweep).toMatchObject({ bridges: 1, files: left.length, idPrefix: ownPrefix(first) });
    await mine.waitFor('ended', 2000).catch(() => undefined);

    // The second engine's call is untouched and still streaming.
    expect(existsSync(secondFile)).toBe(true);
    expect((await h.driver.ari.bridges.list()).map((b) => b.id)).toEqual([secondBridge!.id]);
    const channelsNow = (await h.driver.ari.channels.list()).map((c) => c.id);
    for (const id of [...secondChannels, theirs.callerId]) expect(channelsNow).toContain(id);
    expect(await frameRate(second, 1000)).toBeGreaterThan(40);

    // And both take their calls to the end cleanly.
    await stopStreaming();
    await theirs.hangup();
    await session.done;
    const next = await h.driver.placeCall({ formats: 'slin16' });
    const nextSession = await sessionOf(engine, next.callerId);
    await waitMark(nextSession, 'bound', 0, 5000);
    await next.hangup();
    await nextSession.done;
    expect(existsSync(secondFile)).toBe(true);

    // The second engine's own restart sweeps its file: it was the second engine's, and only its.
    await second.close();
    second = await startEngine({ config: cfg, logger: secondLogs.logger('debug') });
    expect(secondLogs.find('start-up sweep done').at(-1)).toMatchObject({ channels: 0, bridges: 0, files: 1, idPrefix: ownPrefix(SECOND_APP) });
    expect(existsSync(secondFile)).toBe(false);
    await expectClean(h, engine, 2000);
  });
});

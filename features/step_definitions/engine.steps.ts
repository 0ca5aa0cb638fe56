/**
 * The engine: how it is configured and run, what it logs, what it asks ARI, and the faults the
 * suite's ARI tap puts in its way.
 */
import { rmSync, readdirSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Given, Then, When, type DataTable } from '@cucumber/cucumber';
import { encodeAudio } from '../../engine/audiosocket/codec.js';
import { pathPattern, splitRequest } from '../support/ari-tap.js';
import { expectRows, pathCellAsPattern } from '../support/eventually.js';
import { describeLine, type LogLine } from '../support/log-capture.js';
import { freePort } from '../../engine/it/net.js';
import { sleep, type VoiceWorld } from '../support/world.js';

// ── configuration and process ────────────────────────────────────────────────────────────────

Given('the engine is configured with:', function (this: VoiceWorld, yaml: string) {
  this.configure(yaml);
});

Given('the engine runs as a separate process', { timeout: 30_000 }, async function (this: VoiceWorld) {
  await this.ensureEngine('process');
});

When('the engine process is killed', async function (this: VoiceWorld) {
  if (this.engine?.kind !== 'process') throw new Error('the engine does not run as a separate process');
  await this.engine.kill();
  this.retireEngine();
});

When('the engine is started again', { timeout: 30_000 }, async function (this: VoiceWorld) {
  if (this.engine) throw new Error('the engine is still running');
  await this.ensureEngine('in-process');
});

// ── what it logged ───────────────────────────────────────────────────────────────────────────

Then('the engine logged:', async function (this: VoiceWorld, table: DataTable) {
  await expectRows('engine log', () => this.logs.lines, table, describeLine, 2000);
});

Then('the engine hears {int} caller turn(s) within {int} ms', async function (this: VoiceWorld, turns: number, ms: number) {
  const userTurns = () => this.logs.lines.filter((l) => l.msg === 'transcript' && l.role === 'user');
  const deadline = performance.now() + ms;
  while (userTurns().length < turns && performance.now() < deadline) await sleep(20);
  // A little longer: a turn too many (speech split in two) must show up as a failure.
  await sleep(300);
  const n = userTurns().length;
  if (n !== turns) throw new Error(`the engine heard ${n} caller turn(s), expected ${turns}: ${userTurns().map(describeLine).join('; ')}`);
});

/** Timed from the call reaching the engine (its "call started" line, at StasisStart). */
Then(
  'the caller\'s audio is bound over {string} at {int} Hz within {int} ms',
  async function (this: VoiceWorld, transport: string, rate: number, ms: number) {
    const c = this.lastCall;
    const ofCall = (msg: string) => (l: LogLine) => l.msg === msg && l.channelId === c.call.callerId;
    const started = await this.logs.waitFor(ofCall('call started'), 5000, `"call started" for ${c.call.callerId}`);
    const line = await this.logs.waitFor(
      ofCall('bound to channel'),
      Math.max(0, started.receivedAt + ms + 500 - performance.now()),
      `"bound to channel" for ${c.call.callerId}`,
    );
    const tookMs = Math.round(line.receivedAt - started.receivedAt);
    const problems: string[] = [];
    if (line.transport !== transport) problems.push(`transport ${String(line.transport)}, expected ${transport}`);
    if (line.rate !== rate) problems.push(`rate ${String(line.rate)} Hz, expected ${rate}`);
    if (tookMs > ms) problems.push(`bound ${tookMs} ms after the call reached the engine, expected within ${ms} ms`);
    if (problems.length > 0) throw new Error(`the caller's audio: ${problems.join('; ')} (${describeLine(line)})`);
    this.log(`bound over ${String(line.transport)} at ${String(line.rate)} Hz, ${tookMs} ms after the call reached the engine`);
  },
);

// ── what it asked ARI ────────────────────────────────────────────────────────────────────────

Then("the engine's ARI requests include:", async function (this: VoiceWorld, table: DataTable) {
  await expectRows(
    "the engine's ARI requests",
    () => this.tap.requests,
    table,
    (r) => `${r.method} ${r.path} ${new URLSearchParams(r.query)} -> ${r.status ?? '…'}`,
    2000,
    pathCellAsPattern,
  );
});

// ── faults on the way to the PBX ─────────────────────────────────────────────────────────────

Given("the engine's externalMedia legs are pointed at a closed port", async function (this: VoiceWorld) {
  // A port nothing listens on, on the interface the engine listens on: Asterisk's connect is
  // refused (trace s13) while the snoop's dialplan AudioSocket still reaches the engine.
  const port = await freePort(this.pbx.audiosocket.bindHost);
  pointExternalMediaAt(this, `${this.pbx.audiosocket.advertiseHost}:${port}`, 'closed port');
});

Given("the engine's externalMedia legs are pointed at a server that is not the engine", async function (this: VoiceWorld) {
  // It accepts the connection and keeps sending silence (a silent AudioSocket peer can wedge a
  // real Asterisk's ARI), but it is not the engine: nothing ever binds, the bind times out.
  const sockets = new Set<Socket>();
  const silence = encodeAudio(8000, Buffer.alloc(320));
  const server = createServer((s) => {
    sockets.add(s);
    s.on('error', () => undefined);
    s.on('data', () => undefined);
    const timer = setInterval(() => s.writable && s.write(silence), 20);
    s.on('close', () => {
      clearInterval(timer);
      sockets.delete(s);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, this.pbx.audiosocket.bindHost, () => resolve()));
  this.cleanups.push(async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((r) => server.close(() => r()));
  });
  const { port } = server.address() as { port: number };
  pointExternalMediaAt(this, `${this.pbx.audiosocket.advertiseHost}:${port}`, 'impostor server');
});

function pointExternalMediaAt(world: VoiceWorld, hostPort: string, label: string): void {
  world.tap.addRule({
    description: `externalMedia -> ${label} ${hostPort}`,
    times: Infinity,
    match: (r) => r.method === 'POST' && r.path === '/channels/externalMedia',
    before: (r) => {
      r.query.external_host = hostPort;
    },
  });
}

Given("the engine's {string} requests are held for {int} ms", function (this: VoiceWorld, request: string, ms: number) {
  const [method, path] = splitRequest(request);
  const re = pathPattern(path);
  this.tap.addRule({
    description: `hold ${request} ${ms} ms`,
    match: (r) => r.method === method && re.test(r.path),
    before: () => sleep(ms),
  });
});

Given(
  /^the media file of the engine's (\d+)(?:st|nd|rd|th) playback vanishes before Asterisk is asked to play it$/,
  function (this: VoiceWorld, nthText: string) {
    const nth = Number(nthText);
    let seen = 0;
    const dir = this.pbx.mediaDir;
    this.tap.addRule({
      description: `remove the file of play request ${nth}`,
      match: (r) => r.method === 'POST' && /^\/channels\/[^/]+\/play$/.test(r.path) && ++seen === nth,
      before: (r) => {
        const name = String(r.query.media ?? '').split('/').pop() ?? '';
        const removed = readdirSync(dir).filter((f) => f.startsWith(`${name}.`));
        for (const f of removed) rmSync(join(dir, f), { force: true });
        this.log(`removed ${removed.join(', ') || 'nothing'} before ${r.query.media} was played`);
        if (removed.length === 0) throw new Error(`no file for ${r.query.media} in ${dir}`);
      },
    });
  },
);

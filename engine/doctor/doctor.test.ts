/**
 * The doctor against the simulator (a fake Asterisk over real sockets): every check passes on a
 * healthy PBX, and each fault is reported on its own row with its fix, with nothing left behind.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { parseConfig, type EngineConfig } from '../config/load.js';
import { AriError } from '../../simulator/core/api.js';
import { startSimulator, type Simulator, type SimulatorOptions } from '../../simulator/main.js';
import { freePort } from '../it/net.js';
import { CHECK } from './checks/names.js';
import { runDoctor } from './doctor.js';
import { exitCodeFor, type CheckResult } from './report.js';

const FAST = { eventsMs: 1500, playbackMs: 3000, audiosocketMs: 2000, cleanupMs: 2000 };

let root: string;
let sim: Simulator | undefined;
const closers: Array<() => Promise<void>> = [];

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'doctor-'));
  mkdirSync(join(root, 'sounds', 'ai-generated'), { recursive: true });
  // The doctor reads this instead of /proc/mounts: the test's media dir "is" a tmpfs.
  writeFileSync(join(root, 'mounts'), `/dev/vda / ext4 rw 0 0\ntmpfs ${root} tmpfs rw,size=64m 0 0\n`);
});

afterEach(async () => {
  for (const close of closers.splice(0)) await close();
  await sim?.close();
  sim = undefined;
  rmSync(root, { recursive: true, force: true });
});

/** A simulator whose sound folders include the media dir's parent, as the symlink does on a PBX. */
async function startSim(options: SimulatorOptions = {}): Promise<Simulator> {
  sim = await startSimulator({ port: 0, soundDirs: [join(root, 'sounds')], ...options });
  return sim;
}


interface Overrides {
  password?: string;
  audiosocketPort?: number;
  format?: 'slin' | 'slin16';
  httpPort?: number;
  mediaDir?: string;
}

async function configFor(s: { url: string }, overrides: Overrides = {}): Promise<EngineConfig> {
  return parseConfig(
    {
      ari: { url: s.url, username: 'asterisk', password: overrides.password ?? 'asterisk' },
      audiosocket: { host: '127.0.0.1', port: overrides.audiosocketPort ?? (await freePort()), format: overrides.format ?? 'slin16' },
      http: { host: '127.0.0.1', port: overrides.httpPort ?? (await freePort()) },
      media: { dir: overrides.mediaDir ?? join(root, 'sounds', 'ai-generated'), sound_prefix: 'ai-generated' },
    },
    {},
  );
}

function doctor(cfg: EngineConfig, timeouts: Partial<typeof FAST> = {}): Promise<CheckResult[]> {
  return runDoctor(cfg, { mountsFile: join(root, 'mounts'), timeouts: { ...FAST, ...timeouts } });
}

function row(results: CheckResult[], name: string): CheckResult {
  const r = results.find((x) => x.name === name);
  if (r === undefined) throw new Error(`no row ${name} in ${results.map((x) => x.name).join(', ')}`);
  return r;
}

/** The simulator holds no doctor channel or bridge, and the media dir no probe file. */
function expectNothingLeft(results: CheckResult[], s: Simulator | undefined = sim): void {
  expect(row(results, CHECK.leftovers).status).toBe('pass');
  if (s !== undefined) {
    expect(s.pbx.listChannels().map((c) => c.id)).toEqual([]);
    expect(s.pbx.listBridges()).toEqual([]);
  }
  const dir = join(root, 'sounds', 'ai-generated');
  if (existsSync(dir)) expect(readdirSync(dir)).toEqual([]);
}

describe('doctor against the simulator', () => {
  it('passes every check on a healthy PBX, in order, leaves nothing behind and never touches the engine\'s app', async () => {
    const s = await startSim();
    // An engine connected to the real app: a second WebSocket for that app would replace it.
    const engineWs = new WebSocket(`${s.eventsUrl}?app=asterisk-ai-voice-agent&api_key=asterisk:asterisk`);
    const engineSaw: string[] = [];
    engineWs.on('message', (m) => engineSaw.push((JSON.parse(m.toString()) as { type: string }).type));
    await new Promise((r) => engineWs.once('open', r));
    closers.push(async () => engineWs.close());

    const results = await doctor(await configFor(s));
    expect(results.map((r) => r.name)).toEqual([
      CHECK.ariReachable,
      CHECK.ariCredentials,
      CHECK.events,
      CHECK.engineApp,
      CHECK.module('app_audiosocket'),
      CHECK.module('chan_audiosocket'),
      CHECK.module('res_ari'),
      CHECK.version,
      CHECK.mediaDir,
      CHECK.tmpfs,
      CHECK.playback,
      CHECK.listener,
      CHECK.externalMedia,
      CHECK.leftovers,
    ]);
    const notPassed = results.filter((r) => r.status !== 'pass');
    // The simulator has no /applications resource: whether an engine is connected cannot be told.
    expect(notPassed).toEqual([expect.objectContaining({ name: CHECK.engineApp, status: 'info' })]);
    expect(row(results, CHECK.playback).detail).toMatch(/sound:ai-generated\/aiav-ai-doctor-[0-9a-f]{8}-0: PlaybackFinished "done"/);
    expect(row(results, CHECK.externalMedia).detail).toMatch(/UUID [0-9a-f-]{36} arrived .*; \d+ audio frames of 16 kHz \(kind 0x12\)/);
    expect(exitCodeFor(results)).toBe(0);
    expectNothingLeft(results);
    expect(engineSaw).toEqual([]);
    expect(engineWs.readyState).toBe(WebSocket.OPEN);
  });

  it('audiosocket.format: slin asks for an 8 kHz leg and gets 8 kHz frames (kind 0x10)', async () => {
    const results = await doctor(await configFor(await startSim(), { format: 'slin' }));
    expect(row(results, CHECK.externalMedia)).toMatchObject({ status: 'pass' });
    expect(row(results, CHECK.externalMedia).detail).toMatch(/\d+ audio frames of 8 kHz \(kind 0x10\)/);
  });

  it('wrong password: 401 on the credentials row, with ari.conf / ASTERISK_ARI_PASSWORD as the fix', async () => {
    const results = await doctor(await configFor(await startSim({ password: 'right' }), { password: 'wrong' }));
    expect(row(results, CHECK.ariReachable).status).toBe('pass');
    const creds = row(results, CHECK.ariCredentials);
    expect(creds).toMatchObject({ status: 'fail' });
    expect(creds.detail).toContain('401');
    expect(creds.fix).toMatch(/ari\.conf.*ASTERISK_ARI_PASSWORD/);
    expect(row(results, CHECK.events).status).toBe('skip');
    expect(row(results, CHECK.playback).status).toBe('skip');
    expect(row(results, CHECK.externalMedia).status).toBe('skip');
    expect(JSON.stringify(results)).not.toContain('wrong');
    expect(exitCodeFor(results)).toBe(1);
    expectNothingLeft(results);
  });

  it('ARI unreachable (closed port): a network error, not an HTTP answer; local checks still run', async () => {
    const port = await freePort();
    const results = await doctor(await configFor({ url: `http://127.0.0.1:${port}` }));
    const reach = row(results, CHECK.ariReachable);
    expect(reach.status).toBe('fail');
    expect(reach.detail).toContain('ECONNREFUSED');
    expect(reach.fix).toMatch(/ari\.url|ASTERISK_ARI_URL/);
    expect(row(results, CHECK.ariCredentials).status).toBe('skip');
    expect(row(results, CHECK.mediaDir).status).toBe('pass');
    expect(row(results, CHECK.tmpfs).status).toBe('pass');
    expect(row(results, CHECK.listener).status).toBe('pass');
    expect(row(results, CHECK.externalMedia).status).toBe('skip');
    expect(exitCodeFor(results)).toBe(1);
    expectNothingLeft(results, undefined);
  });

  it('a module not loaded: 404 on its row, with the modules.conf load line as the fix', async () => {
    const s = await startSim();
    // Hide chan_audiosocket the way Asterisk reports a module that is not loaded.
    const getModule = s.pbx.getModule.bind(s.pbx);
    s.pbx.getModule = (name) => {
      if (name.startsWith('chan_audiosocket')) throw new AriError(404, 'Module could not be found in running modules');
      return getModule(name);
    };
    const results = await doctor(await configFor(s));
    const mod = row(results, CHECK.module('chan_audiosocket'));
    expect(mod).toMatchObject({ status: 'fail' });
    expect(mod.detail).toContain('404');
    expect(mod.fix).toContain('load = chan_audiosocket.so');
    expect(mod.fix).toContain('modules.conf');
    expect(row(results, CHECK.module('app_audiosocket')).status).toBe('pass');
    expect(results.filter((r) => r.status === 'fail')).toHaveLength(1);
    expectNothingLeft(results);
  });

  it('a media dir the PBX cannot see: PlaybackFinished "failed", the silent-call fix', async () => {
    const results = await doctor(await configFor(await startSim({ soundDirs: [] })));
    const play = row(results, CHECK.playback);
    expect(play.status).toBe('fail');
    expect(play.detail).toContain('"failed"');
    expect(play.fix).toContain('Asterisk cannot see the media dir');
    expect(play.fix).toContain('/var/lib/asterisk/sounds/ai-generated');
    // The AudioSocket path itself works; only its frames cannot be checked without a playable file.
    expect(row(results, CHECK.externalMedia)).toMatchObject({ status: 'pass' });
    expect(row(results, CHECK.externalMedia).detail).toContain('audio frames not checked');
    expect(exitCodeFor(results)).toBe(1);
    expectNothingLeft(results);
  });

  it('AudioSocket refused by the PBX side: externalMedia fails with the advertise_host fix', async () => {
    const s = await startSim();
    const res = await fetch(`${s.controlUrl}/faults/audiosocket/refuse`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from('asterisk:asterisk').toString('base64')}` },
    });
    expect(res.status).toBe(200);
    const results = await doctor(await configFor(s));
    const em = row(results, CHECK.externalMedia);
    expect(em.status).toBe('fail');
    expect(em.detail).toMatch(/could not connect to 127\.0\.0\.1:\d+/);
    expect(em.fix).toMatch(/advertise_host.*AUDIOSOCKET_ADVERTISE_HOST/);
    expect(row(results, CHECK.listener).status).toBe('pass');
    expectNothingLeft(results);
  });

  it('the [ai-doctor] context missing: the probe call never reaches Stasis', async () => {
    const s = await startSim({ extensionsConf: '[ai-voice-agent]\nexten => s,1,Answer()\n same => n,Stasis(asterisk-ai-voice-agent)\n' });
    const results = await doctor(await configFor(s));
    const play = row(results, CHECK.playback);
    expect(play.status).toBe('fail');
    expect(play.fix).toContain('[ai-doctor]');
    expectNothingLeft(results);
  });

  it('events WebSocket refused while REST works: that row fails, Stasis checks are skipped', async () => {
    const s = await startSim();
    s.ari.faults.refuseEventSocketsFor(10_000);
    const results = await doctor(await configFor(s), { eventsMs: 600 });
    const ev = row(results, CHECK.events);
    expect(ev.status).toBe('fail');
    expect(ev.fix).toContain('res_http_websocket');
    expect(row(results, CHECK.module('res_ari')).status).toBe('pass');
    expect(row(results, CHECK.playback)).toMatchObject({ status: 'skip', detail: 'needs the events WebSocket' });
    expectNothingLeft(results);
  });

  describe('the AudioSocket port is taken', () => {
    let holder: Server;
    let health: HttpServer | undefined;
    let port: number;

    beforeEach(async () => {
      holder = createServer();
      await new Promise<void>((r) => holder.listen(0, '127.0.0.1', () => r()));
      port = (holder.address() as { port: number }).port;
      closers.push(() => new Promise((r) => holder.close(() => r())));
    });

    it('by the running engine: says so, and proves the path on a free port instead', async () => {
      health = createHttpServer((_req, res) => res.end('{"status":"live"}'));
      await new Promise<void>((r) => health!.listen(0, '127.0.0.1', () => r()));
      const httpPort = (health.address() as { port: number }).port;
      closers.push(() => new Promise((r) => health!.close(() => r())));
      const results = await doctor(await configFor(await startSim(), { audiosocketPort: port, httpPort }));
      const l = row(results, CHECK.listener);
      expect(l.status).toBe('info');
      expect(l.detail).toContain(`127.0.0.1:${port} is in use by the running engine`);
      expect(l.detail).toMatch(/uses free port \d+ instead .*not that port \d+ gets through a firewall/);
      expect(row(results, CHECK.externalMedia).status).toBe('pass');
      expect(exitCodeFor(results)).toBe(0);
    });

    it('by something else: a failure (the engine could not start), the path still tested', async () => {
      const results = await doctor(await configFor(await startSim(), { audiosocketPort: port }));
      const l = row(results, CHECK.listener);
      expect(l.status).toBe('fail');
      expect(l.fix).toContain(`ss -ltnp 'sport = :${port}'`);
      expect(row(results, CHECK.externalMedia).status).toBe('pass');
    });
  });

  it('a media dir that is not a tmpfs: a warning, not a failure', async () => {
    writeFileSync(join(root, 'mounts'), '/dev/vda / ext4 rw 0 0\n');
    const results = await doctor(await configFor(await startSim()));
    const t = row(results, CHECK.tmpfs);
    expect(t.status).toBe('warn');
    expect(t.detail).toContain('ext4');
    expect(t.fix).toContain('tmpfs');
    expect(exitCodeFor(results)).toBe(0);
  });

  it('a missing media dir under an existing mount point is created for the check and removed again', async () => {
    const dir = join(root, 'sounds', 'ai-generated');
    rmSync(dir, { recursive: true });
    const results = await doctor(await configFor(await startSim()));
    expect(row(results, CHECK.mediaDir).detail).toContain('was missing, created');
    expect(row(results, CHECK.playback).status).toBe('pass');
    expect(existsSync(dir)).toBe(false);
  });

  it('a missing mount point is not created: a failure pointing at the tmpfs setup', async () => {
    const dir = join(root, 'nowhere', 'ai-generated');
    const results = await doctor(await configFor(await startSim(), { mediaDir: dir }));
    const m = row(results, CHECK.mediaDir);
    expect(m.status).toBe('fail');
    expect(m.fix).toContain('docs/deploy.md step 3');
    expect(existsSync(join(root, 'nowhere'))).toBe(false);
    expect(row(results, CHECK.playback).status).toBe('skip');
  });

  it('reports channels an earlier doctor run left behind', async () => {
    const s = await startSim();
    await s.pbx.registerApp('stale');
    s.pbx.originate({ endpoint: 'Local/s@ai-doctor', app: 'stale', channelId: 'ai-doctor-00000000-probe' });
    const results = await doctor(await configFor(s));
    const left = row(results, CHECK.leftovers);
    expect(left.status).toBe('warn');
    expect(left.detail).toContain('ai-doctor-00000000-probe');
    expect(left.fix).toContain('-X DELETE');
  });
});

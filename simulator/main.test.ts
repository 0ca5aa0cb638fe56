import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FakePbx } from './ari/test-support/fake-pbx.js';
import { DEFAULT_CONFIG_DIR, optionsFromCli, startSimulator } from './main.js';

describe('optionsFromCli', () => {
  it('defaults to 127.0.0.1:8088, asterisk/asterisk, the repo dialplan and the control API', () => {
    expect(optionsFromCli([], {})).toEqual({
      host: '127.0.0.1',
      port: 8088,
      username: 'asterisk',
      password: 'asterisk',
      configDir: DEFAULT_CONFIG_DIR,
      soundDirs: undefined,
      spoolDir: undefined,
      control: true,
      logLevel: 'info',
    });
    expect(existsSync(resolve(DEFAULT_CONFIG_DIR, 'extensions.conf'))).toBe(true);
  });

  it('reads the environment, and flags win over it', () => {
    const env = {
      ASTERISK_ARI_USERNAME: 'envuser',
      ASTERISK_ARI_PASSWORD: 'envpass',
      SIM_ARI_PORT: '9000',
      SIM_SOUND_DIRS: '/a:/b',
      SIM_CONTROL: '0',
      LOG_LEVEL: 'debug',
    };
    expect(optionsFromCli([], env)).toMatchObject({
      username: 'envuser',
      password: 'envpass',
      port: 9000,
      soundDirs: ['/a', '/b'],
      control: false,
      logLevel: 'debug',
    });
    expect(
      optionsFromCli(['--port', '0', '--username', 'u', '--sound-dir', '/x', '--sound-dir', '/y', '--spool-dir', '/tmp/s'], env),
    ).toMatchObject({ port: 0, username: 'u', soundDirs: ['/x', '/y'], spoolDir: '/tmp/s' });
  });

  it('rejects bad ports and unknown flags', () => {
    expect(() => optionsFromCli(['--port', 'http'], {})).toThrow('invalid port');
    expect(() => optionsFromCli(['--port', '70000'], {})).toThrow('invalid port');
    expect(() => optionsFromCli(['--bogus'], {})).toThrow();
  });
});

describe('startSimulator', () => {
  it('serves an injected model, exposes its URLs, and closes it', async () => {
    const pbx = new FakePbx();
    let closed = false;
    pbx.close = async () => {
      closed = true;
    };
    const sim = await startSimulator({ port: 0, pbx, username: 'u', password: 'p' });
    expect(sim.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(sim.ariUrl).toBe(`${sim.url}/ari`);
    expect(sim.eventsUrl).toBe(`${sim.url.replace('http', 'ws')}/ari/events`);
    expect(sim.controlUrl).toBe(`${sim.url}/_sim`);
    const r = await fetch(`${sim.ariUrl}/channels?api_key=u:p`);
    expect(r.status).toBe(200);
    await sim.close();
    await sim.close();
    expect(closed).toBe(true);
    await expect(fetch(`${sim.ariUrl}/channels?api_key=u:p`)).rejects.toThrow();
  });

  it('creates and removes its own temporary spool folder with the real model', async () => {
    const sim = await startSimulator({ port: 0 });
    expect(existsSync(resolve(sim.spoolDir, 'recording'))).toBe(true);
    await sim.close();
    expect(existsSync(sim.spoolDir)).toBe(false);
  });

  it('reports a port already in use instead of hanging', async () => {
    const first = await startSimulator({ port: 0, pbx: new FakePbx() });
    try {
      await expect(startSimulator({ port: first.ari.port, pbx: new FakePbx() })).rejects.toThrow(/EADDRINUSE/);
    } finally {
      await first.close();
    }
  });
});

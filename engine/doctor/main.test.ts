/**
 * The CLI as operators run it: a child process, config from a file plus environment overrides,
 * the table on stdout, the exit code. Against the simulator on a free port.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../simulator/main.js';
import { freePort } from '../it/net.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `node --import tsx engine/doctor/main.ts <args>`: what `npm run doctor` runs, minus npm. */
function runCli(args: string[], env: Record<string, string>): Promise<Run> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'engine/doctor/main.ts', ...args],
      // A clean environment: nothing from the developer's shell (a real ASTERISK_ARI_PASSWORD) leaks in.
      { cwd: REPO, env: { PATH: process.env.PATH ?? '', ...env }, timeout: 20_000 },
      (err, stdout, stderr) => done({ code: err ? ((err as { code?: number }).code ?? null) : 0, stdout, stderr }),
    );
  });
}


describe('doctor CLI', () => {
  let root: string;
  let sim: Simulator;
  let configPath: string;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'doctor-cli-'));
    mkdirSync(join(root, 'sounds', 'ai-generated'), { recursive: true });
    sim = await startSimulator({ port: 0, password: 'sim-secret', soundDirs: [join(root, 'sounds')] });
    configPath = join(root, 'ai-agent.yaml');
    // The password is not in the file: it comes from ASTERISK_ARI_PASSWORD, as in production.
    writeFileSync(
      configPath,
      [
        'ari:',
        `  url: ${sim.url}`,
        '  username: asterisk',
        'audiosocket:',
        '  host: 127.0.0.1',
        `  port: ${await freePort()}`,
        'http:',
        `  port: ${await freePort()}`,
        'media:',
        `  dir: ${join(root, 'sounds', 'ai-generated')}`,
        '  sound_prefix: ai-generated',
        '',
      ].join('\n'),
    );
  });

  afterAll(async () => {
    await sim?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('prints the table and exits 0 on a healthy PBX; exits 1 with the fix on a wrong password', async () => {
    const [good, bad] = await Promise.all([
      runCli([configPath], { ASTERISK_ARI_PASSWORD: 'sim-secret' }),
      runCli([configPath], { ASTERISK_ARI_PASSWORD: 'not-the-password' }),
    ]);

    expect(good.stderr).toBe('');
    expect(good.code).toBe(0);
    const lines = good.stdout.split('\n');
    expect(lines[0]).toContain(`config ${configPath}; ARI ${sim.url} as "asterisk"`);
    expect(good.stdout).toMatch(/^check\s+result\s+detail$/m);
    expect(good.stdout).toMatch(/^ARI credentials\s+pass\s+user "asterisk" accepted$/m);
    expect(good.stdout).toMatch(/^media playback\s+pass\s+Asterisk played sound:ai-generated\//m);
    expect(good.stdout).toMatch(/^AudioSocket externalMedia\s+pass\s+UUID /m);
    expect(good.stdout).toMatch(/^nothing left behind\s+pass/m);
    // The temp dir is on whatever /tmp is here; a warning (not tmpfs) must not fail the run.
    expect(good.stdout).toMatch(/^0 failed, [01] warnings?, \d+ passed: ready for a first call$/m);

    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/^ARI credentials\s+FAIL\s+401 /m);
    expect(bad.stdout).toMatch(/^\s+fix: .*ari\.conf.*ASTERISK_ARI_PASSWORD/m);
    expect(bad.stdout).toContain('NOT READY');
    expect(bad.stdout + bad.stderr).not.toContain('not-the-password');
    expect(sim.pbx.listChannels()).toEqual([]);
  });

  it('exits 2 on an invalid config, naming the key, before touching the PBX', async () => {
    const { code, stdout, stderr } = await runCli([configPath], { ASTERISK_ARI_PASSWORD: 'x', AUDIOSOCKET_PORT: 'abc' });
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain('config error: audiosocket.port: expected integer 1-65535, got "abc" (from env AUDIOSOCKET_PORT)');
  });
});

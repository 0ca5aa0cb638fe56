/**
 * asterisk-docker/entrypoint.sh, run outside Docker: a fake `asterisk` on PATH answers
 * `asterisk -V`, and every path the script touches is pointed into a temp dir.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const ENTRYPOINT = new URL('../asterisk-docker/entrypoint.sh', import.meta.url).pathname;
const REQUIRED = [
  'res_audiosocket', 'app_audiosocket', 'chan_audiosocket',
  'res_ari', 'res_ari_channels', 'res_ari_bridges', 'res_ari_playbacks', 'res_ari_events',
  'res_stasis', 'res_stasis_snoop', 'res_stasis_playback', 'app_stasis', 'res_http_websocket',
];

let dir: string;
let modules: string;

function setVersion(version: string): void {
  const fake = join(dir, 'bin', 'asterisk');
  writeFileSync(fake, `#!/bin/sh\n[ "$1" = -V ] && echo "Asterisk ${version}"\n`);
  chmodSync(fake, 0o755);
}

function run(...args: string[]) {
  return runWith({}, ...args);
}

function runWith(extraEnv: Record<string, string>, ...args: string[]) {
  const r = spawnSync('bash', [ENTRYPOINT, ...args], {
    encoding: 'utf8',
    timeout: 10_000,
    env: {
      PATH: `${join(dir, 'bin')}:${process.env.PATH ?? '/usr/bin:/bin'}`,
      ASTERISK_MODULES_DIR: modules,
      AI_CONF_SOURCE: join(dir, 'conf-source'),
      ASTERISK_CONF_DIR: join(dir, 'etc-asterisk'),
      AI_MEDIA_DIR: join(dir, 'media', 'ai-generated'),
      AI_SOUNDS_LINK: join(dir, 'sounds', 'ai-generated'),
      ...extraEnv,
    },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ast-entry-'));
  modules = join(dir, 'modules');
  for (const d of ['bin', 'modules', 'conf-source', 'etc-asterisk', 'media']) mkdirSync(join(dir, d));
  for (const m of REQUIRED) writeFileSync(join(modules, `${m}.so`), '');
  writeFileSync(join(dir, 'conf-source', 'extensions.conf'), '[ai-voice-agent]\n');
  writeFileSync(join(dir, 'etc-asterisk', 'extensions.conf'), '; stale copy from an old volume\n');
  writeFileSync(join(dir, 'conf-source', 'ari.conf'), readFileSync(new URL('../asterisk-docker/ari.conf', import.meta.url), 'utf8'));
  setVersion('22.10.1');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('asterisk-docker/entrypoint.sh', () => {
  it('installs the configs, links the media dir, then execs the command', () => {
    const r = run('echo', 'asterisk started');
    expect(r.stderr).toContain('has the multi-rate AudioSocket kinds');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('asterisk started\n');
    expect(readFileSync(join(dir, 'etc-asterisk', 'extensions.conf'), 'utf8')).toBe('[ai-voice-agent]\n');
    const link = join(dir, 'sounds', 'ai-generated');
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readlinkSync(link)).toBe(join(dir, 'media', 'ai-generated'));
  });

  it.each(['app_audiosocket', 'chan_audiosocket', 'res_ari'])('fails loudly, without starting, when %s.so is missing', (m) => {
    rmSync(join(modules, `${m}.so`));
    const r = run('touch', join(dir, 'started'));
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('FATAL');
    expect(r.stderr).toContain(`${m}.so`);
    expect(existsSync(join(dir, 'started'))).toBe(false);
  });

  it.each([
    ['22.6.0', false],
    ['22.7.0', true],
    ['20.16.0', false],
    ['20.17.0', true],
    ['21.12.0', false],
    ['23.0.0', false],
    ['23.1.0', true],
    ['22.8-cert3', true],
  ])('Asterisk %s accepted: %s', (version, accepted) => {
    setVersion(version);
    const r = run('--check');
    expect(r.status === 0).toBe(accepted);
    if (!accepted) expect(r.stderr).toContain('lacks the multi-rate AudioSocket kinds');
  });

  it('--check verifies without installing configs or starting anything', () => {
    const r = run('--check');
    expect(r.status).toBe(0);
    expect(readFileSync(join(dir, 'etc-asterisk', 'extensions.conf'), 'utf8')).toContain('stale');
    expect(existsSync(join(dir, 'sounds'))).toBe(false);
  });

  it('replaces a real directory left where the link belongs', () => {
    mkdirSync(join(dir, 'sounds', 'ai-generated'), { recursive: true });
    writeFileSync(join(dir, 'sounds', 'ai-generated', 'old.ulaw'), '');
    const r = run('true');
    expect(r.status).toBe(0);
    expect(lstatSync(join(dir, 'sounds', 'ai-generated')).isSymbolicLink()).toBe(true);
  });

  it('keeps the shipped ARI user when no password is in the environment', () => {
    const r = runWith({ ASTERISK_ARI_USERNAME: 'ignored', ASTERISK_ARI_PASSWORD: '' }, 'true');
    expect(r.status).toBe(0);
    expect(readFileSync(join(dir, 'etc-asterisk', 'ari.conf'), 'utf8')).toBe(readFileSync(join(dir, 'conf-source', 'ari.conf'), 'utf8'));
  });

  it('replaces the ARI users with the one from the environment, never printing the password', () => {
    const r = runWith({ ASTERISK_ARI_USERNAME: 'ai_engine', ASTERISK_ARI_PASSWORD: 's3cret;x' }, 'true');
    expect(r.status).toBe(0);
    const conf = readFileSync(join(dir, 'etc-asterisk', 'ari.conf'), 'utf8');
    const sections = [...conf.matchAll(/^\[([^\]]+)\]/gm)].map((m) => m[1]);
    expect(sections).toEqual(['general', 'ai_engine']);
    expect(conf).toMatch(/^enabled = yes$/m);
    expect(conf).toContain('[ai_engine]\ntype = user\nread_only = no\npassword = s3cret\\;x\npassword_format = plain\n');
    expect(r.stderr + r.stdout).not.toContain('s3cret');
  });

  it('uses the user name asterisk when only the password is given, and refuses odd user names', () => {
    expect(runWith({ ASTERISK_ARI_PASSWORD: 'pw' }, 'true').status).toBe(0);
    expect(readFileSync(join(dir, 'etc-asterisk', 'ari.conf'), 'utf8')).toContain('[asterisk]\ntype = user\nread_only = no\npassword = pw\n');
    const bad = runWith({ ASTERISK_ARI_USERNAME: 'x]\n[evil', ASTERISK_ARI_PASSWORD: 'pw' }, 'touch', join(dir, 'started'));
    expect(bad.status).not.toBe(0);
    expect(existsSync(join(dir, 'started'))).toBe(false);
  });
});

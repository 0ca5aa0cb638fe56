import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeServer } from './remote-fixture.js';

const SERVER = 'deploy@pbx.example';

describe('scripts/rollback.sh', () => {
  let server: FakeServer;
  let before: string;
  let deployed: string;
  beforeEach(() => {
    server = new FakeServer();
    before = server.head();
    deployed = server.commit('second');
    server.readyCodes('200');
    const r = server.run('deploy.sh');
    if (r.status !== 0) throw new Error(`setup deploy failed: ${r.stderr}`);
  });
  afterEach(() => server.cleanup());

  it('returns to the commit before the last deploy, restarts the engine, waits for /ready', () => {
    expect(server.head()).toBe(deployed);
    const deployCalls = server.sshCalls().length;
    const deployDocker = server.dockerCommands().length;
    server.readyCodes('503', '200');

    const r = server.run('rollback.sh');

    expect(r.status).toBe(0);
    expect(server.head()).toBe(before);
    const calls = server.sshCalls().slice(deployCalls);
    expect(calls.map((c) => c.args)).toEqual(Array.from({ length: 5 }, () => [SERVER, 'bash -s']));
    expect(calls[0].stdin).toBe(
      [
        'set -euo pipefail',
        `cd ${server.app}`,
        'file="$(git rev-parse --git-dir)/ai-deploy-previous"',
        'if [ ! -s "$file" ]; then echo "rollback: no previous commit recorded in $file (has scripts/deploy.sh run here?)" >&2; exit 3; fi',
        'prev=$(cat "$file")',
        'now=$(git rev-parse HEAD)',
        'git -c advice.detachedHead=false checkout --detach "$prev"',
        'echo "rollback: $now -> $prev"',
        '',
      ].join('\n'),
    );
    expect(calls[1].stdin).toContain('docker compose build ai-engine\ndocker compose up -d --no-deps ai-engine');
    expect(server.dockerCommands().slice(deployDocker)).toEqual([
      'compose build ai-engine',
      'compose up -d --no-deps ai-engine',
      'compose ps',
      'compose logs --no-color --tail=50 ai-engine',
    ]);
    expect(r.stdout).toContain(`rollback: ${deployed} -> ${before}`);
    expect(r.stdout).toContain('audio_transport: legacy');
    expect(r.stdout).toContain('downstream_mode: file');
  });

  it('lets the next deploy bring the branch back', () => {
    server.readyCodes('200', '200');
    expect(server.run('rollback.sh').status).toBe(0);
    expect(server.head()).toBe(before);
    expect(server.run('deploy.sh').status).toBe(0);
    expect(server.head()).toBe(deployed);
  });

  it('fails loudly when /ready never answers after the rollback, and still prints the config rollback', () => {
    server.readyCodes('503', '503', '503');
    const r = server.run('rollback.sh');
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('did not answer 200 after 3 polls');
    expect(r.stderr).toContain('audio_transport: legacy');
  });
});

describe('scripts/rollback.sh without a deploy', () => {
  it('refuses when no previous commit was recorded, before touching docker', () => {
    const server = new FakeServer();
    try {
      const r = server.run('rollback.sh');
      expect(r.status).not.toBe(0);
      expect(r.stderr).toContain('no previous commit recorded');
      expect(server.dockerCommands()).toEqual([]);
    } finally {
      server.cleanup();
    }
  });
});

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeServer } from './remote-fixture.js';

const SERVER = 'deploy@pbx.example';

// What one deploy runs on the server through docker, in order.
const RESTART_AND_STATUS = [
  'compose build ai-engine',
  'compose up -d --no-deps ai-engine',
  'compose ps',
  'compose logs --no-color --tail=50 ai-engine',
];

describe('scripts/deploy.sh', () => {
  let server: FakeServer;
  beforeEach(() => {
    server = new FakeServer();
  });
  afterEach(() => server.cleanup());

  it('updates the clone, restarts only the engine, shows status, then waits for /ready', () => {
    const before = server.head();
    const target = server.commit('second');
    server.readyCodes('000', '503', '200');

    const r = server.run('deploy.sh', { BRANCH: 'develop' });

    expect(r.stderr).toContain('answered 200 (poll 3)');
    expect(r.status).toBe(0);
    const calls = server.sshCalls();
    // update, restart, status, then one call per poll: every call is `ssh SERVER 'bash -s'`.
    expect(calls.map((c) => c.args)).toEqual(Array.from({ length: 6 }, () => [SERVER, 'bash -s']));
    expect(calls[0].stdin).toBe(
      [
        'set -euo pipefail',
        `cd ${server.app}`,
        'prev=$(git rev-parse HEAD)',
        'git fetch --prune origin',
        'git checkout develop',
        'git pull --ff-only origin develop',
        'now=$(git rev-parse HEAD)',
        'if [ "$prev" != "$now" ]; then echo "$prev" > "$(git rev-parse --git-dir)/ai-deploy-previous"; fi',
        'echo "deploy: $prev -> $now"',
        '',
      ].join('\n'),
    );
    expect(calls[1].stdin).toBe(
      ['set -euo pipefail', `cd ${server.app}`, 'docker compose build ai-engine', 'docker compose up -d --no-deps ai-engine', ''].join('\n'),
    );
    expect(calls[2].stdin).toBe(
      ['set -euo pipefail', `cd ${server.app}`, 'docker compose ps', 'docker compose logs --no-color --tail=50 ai-engine', ''].join('\n'),
    );
    for (const poll of calls.slice(3)) {
      expect(poll.stdin).toBe("curl -s -o /dev/null -w '%{http_code}' --max-time 5 http://127.0.0.1:8091/ready || true\n");
    }
    expect(server.dockerCommands()).toEqual(RESTART_AND_STATUS);
    expect(server.curlCommands()).toHaveLength(3);
    expect(server.head()).toBe(target);
    expect(server.recordedPrevious()).toBe(before);
    expect(r.stdout).toContain(`deploy: ${before} -> ${target}`);
    expect(r.stdout).toContain('AudioSocket server listening');
  });

  it('fails loudly when /ready never answers 200, and shows the engine logs', () => {
    server.commit('second');
    server.readyCodes('503', '503', '503', '200'); // the 200 comes too late: 3 polls allowed

    const r = server.run('deploy.sh');

    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('did not answer 200 after 3 polls (last answer: 503)');
    expect(r.stderr).toContain('make rollback');
    expect(r.stderr).toContain('AudioSocket server listening');
    expect(server.curlCommands()).toHaveLength(3);
    expect(server.dockerCommands()).toEqual([...RESTART_AND_STATUS, 'compose ps', 'compose logs --no-color --tail=50 ai-engine']);
  });

  it('treats "nothing listening" (curl 000) as not ready', () => {
    server.readyCodes();
    const r = server.run('deploy.sh', { READY_ATTEMPTS: '2' });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('after 2 polls (last answer: 000)');
  });

  it('keeps the rollback target when the same commit is deployed twice', () => {
    const before = server.head();
    const target = server.commit('second');
    server.readyCodes('200', '200');
    expect(server.run('deploy.sh').status).toBe(0);
    expect(server.run('deploy.sh').status).toBe(0);
    expect(server.head()).toBe(target);
    expect(server.recordedPrevious()).toBe(before);
  });

  it('stops before touching docker when the branch cannot be checked out', () => {
    const r = server.run('deploy.sh', { BRANCH: 'no-such-branch' });
    expect(r.status).not.toBe(0);
    expect(server.sshCalls()).toHaveLength(1);
    expect(server.dockerCommands()).toEqual([]);
  });

  it('sends values quoted, so a hostile branch name runs nothing on the server', () => {
    const marker = join(server.dir, 'pwned');
    const r = server.run('deploy.sh', { BRANCH: `x; touch ${marker}` });
    expect(r.status).not.toBe(0);
    expect(existsSync(marker)).toBe(false);
    expect(server.sshCalls()[0].stdin).toContain(`git checkout x\\;\\ touch\\ ${marker}`);
  });

  it('refuses to start without SERVER and REPO_PATH', () => {
    const r = server.run('deploy.sh', { SERVER: '' });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('SERVER and REPO_PATH are required');
    expect(server.sshCalls()).toEqual([]);
  });

  it('passes ssh options given in SSH', () => {
    server.readyCodes('200');
    const r = server.run('deploy.sh', { SSH: `${join(server.dir, 'bin', 'ssh')} -p 2222 -o BatchMode=yes` });
    expect(r.status).toBe(0);
    expect(server.sshCalls()[0].args).toEqual(['-p', '2222', '-o', 'BatchMode=yes', SERVER, 'bash -s']);
  });
});

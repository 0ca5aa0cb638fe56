/**
 * A fake deploy server for the deploy/rollback script tests, all inside one temp dir:
 *
 * - `ssh`: records its arguments and stdin (one pair of files per call), then runs the stdin
 *   script locally with `bash -s`, as the real server would. So the scripts' remote steps are
 *   exercised for real against a real git clone, not only compared as strings.
 * - `docker`: records each command line to docker.log, answers `compose ps` / `compose logs`
 *   with canned text.
 * - `curl`: answers the next HTTP status from ready-codes (000 when the list is used up, as
 *   curl does when nothing listens) and counts the polls.
 * - a bare `origin` repo with branch develop, and the server's clone of it at `server/app`.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const SCRIPTS_DIR = new URL('.', import.meta.url).pathname;

export interface SshCall {
  args: string[];
  stdin: string;
}

export interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

const FAKE_SSH = `#!/usr/bin/env bash
set -u
n=$(( $(cat "$FAKE_DIR/ssh-count" 2>/dev/null || echo 0) + 1 ))
echo "$n" > "$FAKE_DIR/ssh-count"
printf '%s\\0' "$@" > "$FAKE_DIR/ssh-$n.args"
cat > "$FAKE_DIR/ssh-$n.stdin"
# The last argument is the remote command; this fake only knows 'bash -s'.
[ "\${!#}" = 'bash -s' ] || { echo "fake ssh: unexpected remote command: \${!#}" >&2; exit 255; }
exec bash -s < "$FAKE_DIR/ssh-$n.stdin"
`;

const FAKE_DOCKER = `#!/usr/bin/env bash
echo "$*" >> "$FAKE_DIR/docker.log"
case "$*" in
  "compose ps") echo "NAME        SERVICE     STATUS" ; echo "app-ai-engine-1  ai-engine  Up 2 seconds (health: starting)" ;;
  "compose logs"*) echo 'ai-engine-1  | {"level":30,"msg":"AudioSocket server listening"}' ;;
esac
exit 0
`;

const FAKE_CURL = `#!/usr/bin/env bash
echo "$*" >> "$FAKE_DIR/curl.log"
code=$(head -n 1 "$FAKE_DIR/ready-codes" 2>/dev/null)
sed -i '1d' "$FAKE_DIR/ready-codes" 2>/dev/null
printf '%s' "\${code:-000}"
[ "\${code:-000}" != 000 ]
`;

export class FakeServer {
  readonly dir = mkdtempSync(join(tmpdir(), 'deploy-test-'));
  readonly origin = join(this.dir, 'origin.git');
  readonly seed = join(this.dir, 'seed');
  readonly app = join(this.dir, 'server', 'app');
  private readonly bin = join(this.dir, 'bin');

  constructor() {
    execFileSync('mkdir', ['-p', this.bin, join(this.dir, 'server')]);
    this.tool('ssh', FAKE_SSH);
    this.tool('docker', FAKE_DOCKER);
    this.tool('curl', FAKE_CURL);
    this.git(this.dir, 'init', '-q', '--bare', '-b', 'develop', this.origin);
    this.git(this.dir, 'init', '-q', '-b', 'develop', this.seed);
    this.git(this.seed, 'remote', 'add', 'origin', this.origin);
    this.commit('first');
    this.git(this.dir, 'clone', '-q', '-b', 'develop', this.origin, this.app);
  }

  /** Adds a commit to origin/develop and returns its hash. */
  commit(message: string): string {
    writeFileSync(join(this.seed, 'CHANGES'), `${message}\n`, { flag: 'a' });
    this.git(this.seed, 'add', 'CHANGES');
    this.git(this.seed, 'commit', '-q', '-m', message);
    this.git(this.seed, 'push', '-q', 'origin', 'HEAD:develop');
    return this.head(this.seed);
  }

  head(repo = this.app): string {
    return this.git(repo, 'rev-parse', 'HEAD').trim();
  }

  /** The commit deploy.sh recorded on the server, or undefined. */
  recordedPrevious(): string | undefined {
    const file = join(this.app, '.git', 'ai-deploy-previous');
    return existsSync(file) ? readFileSync(file, 'utf8').trim() : undefined;
  }

  /** HTTP statuses the fake curl answers, in order. */
  readyCodes(...codes: string[]): void {
    writeFileSync(join(this.dir, 'ready-codes'), codes.map((c) => `${c}\n`).join(''));
  }

  sshCalls(): SshCall[] {
    const count = Number(this.read('ssh-count') || '0');
    const calls: SshCall[] = [];
    for (let n = 1; n <= count; n++) {
      const args = this.read(`ssh-${n}.args`).split('\0');
      args.pop(); // trailing separator
      calls.push({ args, stdin: this.read(`ssh-${n}.stdin`) });
    }
    return calls;
  }

  dockerCommands(): string[] {
    return lines(this.read('docker.log'));
  }

  curlCommands(): string[] {
    return lines(this.read('curl.log'));
  }

  /** Runs scripts/<name> the way `make deploy` does, against this fake server. */
  run(script: 'deploy.sh' | 'rollback.sh', env: Record<string, string> = {}): RunResult {
    const result = spawnSync('bash', [join(SCRIPTS_DIR, script)], {
      encoding: 'utf8',
      timeout: 15_000,
      env: {
        PATH: `${this.bin}:${process.env.PATH ?? '/usr/bin:/bin'}`,
        HOME: this.dir,
        GIT_CONFIG_NOSYSTEM: '1',
        FAKE_DIR: this.dir,
        SSH: join(this.bin, 'ssh'),
        SERVER: 'deploy@pbx.example',
        REPO_PATH: this.app,
        READY_ATTEMPTS: '3',
        READY_INTERVAL: '0',
        ...env,
      },
    });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }

  private tool(name: string, text: string): void {
    const path = join(this.bin, name);
    writeFileSync(path, text);
    chmodSync(path, 0o755);
  }

  private read(name: string): string {
    const path = join(this.dir, name);
    return existsSync(path) ? readFileSync(path, 'utf8') : '';
  }

  private git(cwd: string, ...args: string[]): string {
    return execFileSync('git', ['-c', 'user.name=Test', '-c', 'user.email=test@example.invalid', ...args], {
      cwd,
      encoding: 'utf8',
      env: { ...process.env, HOME: this.dir, GIT_CONFIG_NOSYSTEM: '1' },
    });
  }
}

function lines(text: string): string[] {
  return text.split('\n').filter((l) => l !== '');
}

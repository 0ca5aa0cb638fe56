/**
 * `E2E_TARGET=docker` (`make e2e`): builds asterisk-docker/ with testcontainers, starts it, runs
 * the features against it and removes it. cucumber.mjs has already checked that a Docker engine
 * answers (and ended the run with one line when none does), so here Docker is expected to work.
 *
 * Host networking (Linux; Docker Desktop 4.34+ with host networking enabled elsewhere): Asterisk
 * and the engine then both live on this machine's 127.0.0.1, exactly as in the recorded traces,
 * and nothing is exposed beyond loopback. Asterisk's http.conf is replaced by one that binds
 * 127.0.0.1 on a free port, so a simulator or another Asterisk on 8088 is not in the way.
 *
 * Mounts: a fresh media root at /mnt/asterisk_media (the image's entrypoint links
 * sounds/ai-generated to /mnt/asterisk_media/ai-generated, where the engine writes), and the
 * staged caller fixtures at /var/lib/asterisk/sounds/e2e (sound:e2e/<name>).
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GenericContainer, type StartedTestContainer } from 'testcontainers';
import { stageFixtures } from '../fixtures.js';
import { freePort } from '../../../engine/it/net.js';
import { REPO_ROOT } from '../paths.js';
import { waitForAri } from './external.js';
import type { ScenarioPbx, Target } from './target.js';

const IMAGE = 'asterisk-ai-voice-agent-asterisk:e2e';
const USERNAME = 'asterisk';
const PASSWORD = 'asterisk';

export class DockerTarget implements Target {
  readonly name = 'docker' as const;
  private work = '';
  private mediaDir = '';
  private url = '';
  private container: StartedTestContainer | undefined;

  async setUp(): Promise<void> {
    this.work = mkdtempSync(join(tmpdir(), 'e2e-docker-'));
    const mediaRoot = join(this.work, 'media');
    this.mediaDir = join(mediaRoot, 'ai-generated');
    const sounds = join(this.work, 'e2e-sounds');
    const conf = join(this.work, 'http.conf');
    mkdirSync(this.mediaDir, { recursive: true });
    // Asterisk runs as uid 1000 in the image: the folders must be readable by anyone.
    for (const d of [this.work, mediaRoot, this.mediaDir]) chmodSync(d, 0o755);
    stageFixtures(sounds);
    const port = await freePort();
    writeFileSync(conf, httpConf(port), { mode: 0o644 });

    process.stderr.write(`e2e: building ${IMAGE} from asterisk-docker/ (the first build pulls the base image)\n`);
    const image = await GenericContainer.fromDockerfile(join(REPO_ROOT, 'asterisk-docker')).build(IMAGE, { deleteOnExit: false });
    this.container = await image
      .withNetworkMode('host')
      .withEnvironment({ ASTERISK_ARI_USERNAME: USERNAME, ASTERISK_ARI_PASSWORD: PASSWORD })
      .withBindMounts([
        { source: mediaRoot, target: '/mnt/asterisk_media', mode: 'rw' },
        { source: sounds, target: '/var/lib/asterisk/sounds/e2e', mode: 'ro' },
        // The entrypoint copies the staged configs into /etc/asterisk at every start.
        { source: conf, target: '/opt/ai-voice-agent/asterisk-conf/http.conf', mode: 'ro' },
      ])
      .withStartupTimeout(120_000)
      .start();
    this.url = `http://127.0.0.1:${port}`;
    // Ready is when ARI answers (no port is published with host networking, so testcontainers'
    // port check has nothing to wait for; Asterisk's console lines depend on the image).
    try {
      await waitForAri(this.url, USERNAME, PASSWORD, 90_000);
    } catch (err) {
      throw new Error(`${(err as Error).message}; see \`docker logs ${this.container.getId().slice(0, 12)}\``);
    }
    process.stderr.write(`e2e: Asterisk is up in container ${this.container.getId().slice(0, 12)}, ARI ${this.url}\n`);
  }

  async tearDown(): Promise<void> {
    await this.container?.stop({ timeout: 5000 });
    this.container = undefined;
    if (this.work) rmSync(this.work, { recursive: true, force: true });
  }

  async openScenario(): Promise<ScenarioPbx> {
    if (!this.container) throw new Error('the Asterisk container is not running');
    return {
      url: this.url,
      username: USERNAME,
      password: PASSWORD,
      mediaDir: this.mediaDir,
      mediaSoundPrefix: 'ai-generated',
      fixtureUri: (name) => `sound:e2e/${name}`,
      audiosocket: { bindHost: '127.0.0.1', advertiseHost: '127.0.0.1' },
      close: async () => undefined,
    };
  }
}

/** The image's docker/http.conf, bound to loopback on the port given. */
export function httpConf(port: number): string {
  return ['[general]', 'enabled = yes', 'bindaddr = 127.0.0.1', `bindport = ${port}`, 'tlsenable = no', 'enablestatic = no', 'servername = Asterisk', ''].join('\n');
}

/**
 * `E2E_TARGET=sim`: a fresh simulator per scenario, in this process, on a free port, running the
 * repository's extensions.conf. Its sound folders are the scenario's media root (the engine's
 * media dir is <root>/ai-generated, played as sound:ai-generated/<name>, as on Asterisk) and the
 * staged fixtures (sound:e2e/<name>).
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimulator } from '../../../simulator/main.js';
import { stageFixtures } from '../fixtures.js';
import type { ScenarioPbx, Target } from './target.js';

export class SimTarget implements Target {
  readonly name = 'sim' as const;
  private stageRoot = '';

  async setUp(): Promise<void> {
    this.stageRoot = mkdtempSync(join(tmpdir(), 'e2e-fixtures-'));
    stageFixtures(join(this.stageRoot, 'e2e'));
  }

  async tearDown(): Promise<void> {
    if (this.stageRoot) rmSync(this.stageRoot, { recursive: true, force: true });
  }

  async openScenario(): Promise<ScenarioPbx> {
    const work = mkdtempSync(join(tmpdir(), 'e2e-sim-'));
    const mediaRoot = join(work, 'sounds');
    const mediaDir = join(mediaRoot, 'ai-generated');
    mkdirSync(mediaDir, { recursive: true });
    const sim = await startSimulator({ port: 0, soundDirs: [mediaRoot, this.stageRoot] });
    return {
      url: sim.url,
      username: sim.username,
      password: sim.password,
      sim,
      mediaDir,
      mediaSoundPrefix: 'ai-generated',
      fixtureUri: (name) => `sound:e2e/${name}`,
      audiosocket: { bindHost: '127.0.0.1', advertiseHost: '127.0.0.1' },
      async close() {
        await sim.close();
        rmSync(work, { recursive: true, force: true });
      },
    };
  }
}

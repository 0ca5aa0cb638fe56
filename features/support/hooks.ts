/**
 * Run and scenario lifecycle: the target once per run, the World per scenario, and the tags that
 * skip a scenario where it cannot run (each skip says why, in the report and on stderr).
 *
 *   @sim-only       needs the simulator's fault injection (/_sim); skipped on a real Asterisk
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { After, AfterAll, Before, BeforeAll, setDefaultTimeout, setWorldConstructor } from '@cucumber/cucumber';
import { setCurrentTarget, currentTarget } from './suite.js';
import { createTarget, targetName } from './targets/index.js';
import { VoiceWorld } from './world.js';

setDefaultTimeout(60_000);
setWorldConstructor(VoiceWorld);

BeforeAll({ timeout: 15 * 60_000 }, async function () {
  const target = await createTarget(targetName());
  // Set first: if setting up fails half-way (a container started, ARI never answered), AfterAll
  // still tears down what was started.
  setCurrentTarget(target);
  await target.setUp();
});

AfterAll({ timeout: 60_000 }, async function () {
  await currentTarget().tearDown();
  setCurrentTarget(undefined);
});

Before({ name: 'open the scenario', timeout: 60_000 }, async function (this: VoiceWorld, { pickle }) {
  const work = mkdtempSync(join(tmpdir(), 'e2e-scenario-'));
  this.cleanups.push(() => rmSync(work, { recursive: true, force: true }));
  await this.open(pickle.name, work);
});

Before({ tags: '@sim-only', name: 'only on the simulator' }, function (this: VoiceWorld) {
  if (this.pbx.sim) return undefined;
  return skip(this, `needs the simulator's fault injection; E2E_TARGET=${this.targetName}`);
});

After({ name: 'hang up, report, clean up', timeout: 60_000 }, async function (this: VoiceWorld) {
  await this.close();
  if (this.tap?.ruleErrors.length) throw new Error(`a fault the scenario asked for was not injected: ${this.tap.ruleErrors.join('; ')}`);
});

function skip(world: VoiceWorld, reason: string): 'skipped' {
  world.log(`skipped: ${reason}`);
  process.stderr.write(`e2e: skipping "${world.scenarioName}": ${reason}\n`);
  return 'skipped';
}

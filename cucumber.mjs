// cucumber-js configuration: `npm run features` (E2E_TARGET=sim, the default), `make e2e`
// (E2E_TARGET=docker) and `make e2e-external` (E2E_TARGET=external). See docs/testing.md.
//
// Reports: reports/features/index.html (+ cucumber.json), and per call under reports/calls/.
import { rmSync } from 'node:fs';

const target = (process.env.E2E_TARGET ?? '').trim() || 'sim';
const isWorker = process.env.CUCUMBER_WORKER_ID !== undefined;

if (!isWorker) {
  // Per-call reports of an earlier run would mix with this one's.
  rmSync(new URL('./reports/calls', import.meta.url), { recursive: true, force: true });
}

if (target === 'docker' && !isWorker) {
  // Without a Docker engine there is nothing to test against: say so in one line and stop with
  // success, before any scenario is loaded, rather than fail as if the features had failed.
  const { getContainerRuntimeClient } = await import('testcontainers');
  try {
    await getContainerRuntimeClient();
  } catch (err) {
    const why = String(err instanceof Error ? err.message : err).split('\n')[0];
    process.stdout.write(`e2e: no Docker engine found (${why}); skipping the docker target\n`);
    process.exit(0);
  }
}

// The simulator runs in each worker's own process, so scenarios may run side by side there. A
// shared Asterisk has one Stasis app name for the engine: one scenario at a time.
const parallel = target === 'sim' ? Number(process.env.E2E_PARALLEL ?? 2) : 0;

export default {
  // paths: cucumber's default, features/**/*.feature (a path on the command line replaces it).
  import: ['features/support/register-tsx.mjs', 'features/support/hooks.ts', 'features/step_definitions/**/*.ts'],
  format: ['progress', 'summary', 'html:reports/features/index.html', 'json:reports/features/cucumber.json'],
  formatOptions: { snippetInterface: 'async-await' },
  strict: true,
  parallel,
};

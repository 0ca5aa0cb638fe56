/**
 * The simulator in a process of its own (bench children run it under the probe): starts it on
 * a free port and prints one line `SIM_READY {"url":…,"username":…,"password":…}` on stdout.
 * Options come as JSON in argv[2]: { extensionsConf?: string (dialplan text), soundDirs?: string[] }.
 * Answers `{ sim: 'stats' }` over IPC with the model's counts (channels, bridges, links...).
 * SIGTERM closes it.
 */
import { destination, pino } from 'pino';
import { SimPbx } from '../../simulator/core/pbx.js';
import { startSimulator } from '../../simulator/main.js';

interface SimChildOptions {
  extensionsConf?: string;
  soundDirs?: string[];
}

async function main(): Promise<void> {
  const opts = JSON.parse(process.argv[2] ?? '{}') as SimChildOptions;
  const logger = pino({ level: process.env.LOG_LEVEL ?? 'warn' }, destination(2));
  const sim = await startSimulator({ port: 0, soundDirs: opts.soundDirs, extensionsConf: opts.extensionsConf, logger });
  process.on('message', (msg: unknown) => {
    if ((msg as { sim?: string } | null)?.sim !== 'stats') return;
    const stats = sim.pbx instanceof SimPbx ? sim.pbx.stats : null;
    process.send?.({ sim: 'stats', stats });
  });
  let stopping = false;
  process.on('SIGTERM', () => {
    if (stopping) return;
    stopping = true;
    sim.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
  process.stdout.write(`SIM_READY ${JSON.stringify({ url: sim.url, username: sim.username, password: sim.password, spoolDir: sim.spoolDir })}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`sim-child: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});

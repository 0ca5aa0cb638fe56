/**
 * `npm run doctor` / `make doctor` (and `node dist/engine/doctor/main.js` in the image): checks,
 * against the live Asterisk, everything the engine relies on and prints one row per check, with
 * the fix under each failure.
 *
 *   npm run doctor -- [config.yaml] [--json] [--log-level debug]
 *
 * The config is loaded exactly as the engine loads it (argument, else AI_AGENT_CONFIG, else
 * config/ai-agent.yaml; environment overrides applied).
 * Exit codes: 0 nothing failed (warnings allowed), 1 a check failed, 2 invalid configuration or usage.
 */
import { parseArgs } from 'node:util';
import { destination } from 'pino';
import { ConfigError, loadConfig, type EngineConfig } from '../config/load.js';
import { CONFIG_PATH_ENV, DEFAULT_CONFIG_PATH } from '../config/env.js';
import { LOG_LEVELS } from '../config/schema.js';
import { createLogger, type LogLevel } from '../log.js';
import { doctorAppName } from './context.js';
import { runDoctor } from './doctor.js';
import { exitCodeFor, formatTable } from './report.js';

const USAGE = 'usage: doctor [config.yaml] [--json] [--log-level fatal|error|warn|info|debug|trace|silent]';

async function main(): Promise<number> {
  let args;
  try {
    args = parseArgs({
      args: process.argv.slice(2),
      allowPositionals: true,
      options: { json: { type: 'boolean' }, 'log-level': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    });
  } catch (err) {
    process.stderr.write(`doctor: ${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (args.values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const level = (args.values['log-level'] ?? 'error') as LogLevel;
  if (!(LOG_LEVELS as readonly string[]).includes(level)) {
    process.stderr.write(`doctor: unknown log level ${JSON.stringify(level)}\n${USAGE}\n`);
    return 2;
  }

  const path = args.positionals[0] ?? process.env[CONFIG_PATH_ENV] ?? DEFAULT_CONFIG_PATH;
  let config: EngineConfig;
  try {
    config = loadConfig(path);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      return 2;
    }
    throw err;
  }

  // Logs go to stderr so stdout holds only the table (or the JSON).
  const logger = createLogger({ level, name: 'ai-doctor', destination: destination({ fd: 2, sync: true }) });
  const results = await runDoctor(config, { logger });
  if (args.values.json) {
    process.stdout.write(`${JSON.stringify({ config: path, ari: config.ari.url, app: config.ari.app, results }, null, 2)}\n`);
  } else {
    process.stdout.write(
      `doctor: config ${path}; ARI ${config.ari.url} as "${config.ari.username}"; engine app "${config.ari.app}", ` +
        `doctor app "${doctorAppName(config.ari.app)}"\n\n${formatTable(results)}`,
    );
  }
  return exitCodeFor(results);
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`doctor: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);

/**
 * `npm run engine`: load and validate config, start the engine next to Asterisk, drain on SIGTERM.
 * Exit codes: 0 clean shutdown, 1 start-up failure, 2 invalid configuration.
 */
import { startEngine } from './app.js';
import { ConfigError, loadConfig, redactConfig } from './config/load.js';
import { CONFIG_PATH_ENV, DEFAULT_CONFIG_PATH } from './config/env.js';
import { createLogger } from './log.js';

async function main(): Promise<void> {
  const path = process.argv[2] ?? process.env[CONFIG_PATH_ENV] ?? DEFAULT_CONFIG_PATH;
  let config;
  try {
    config = loadConfig(path);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const logger = createLogger({ level: config.log_level, name: 'ai-engine' });
  logger.info({ config: redactConfig(config) }, 'configuration loaded');

  let engine;
  try {
    engine = await startEngine({ config, logger });
  } catch (err) {
    logger.fatal({ err }, 'engine failed to start');
    process.exit(1);
  }
  logger.info({ app: config.ari.app, transport: config.audio_transport, downstream: config.downstream_mode }, 'engine ready');

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal, activeCalls: engine.manager.activeCalls }, 'shutting down');
    engine.drain().then(
      () => {
        logger.info('engine stopped');
        logger.flush?.();
        process.exit(0);
      },
      (err: unknown) => {
        logger.error({ err }, 'drain failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('unhandledRejection', (err) => logger.error({ err }, 'unhandled rejection'));
}

void main();

/**
 * The engine's structured logger. One root logger; each call logs through a child that carries
 * the call's ids, bound once (pino's child() is cheap and keeps the hot path plain).
 *
 * Secrets are redacted by field name wherever they appear up to four levels deep, so a config
 * object or request headers logged by mistake do not leak a password or an API key.
 */
import { pino, type DestinationStream, type Level, type Logger } from 'pino';

export type { Logger } from 'pino';

export type LogLevel = Level | 'silent';

const SECRET_KEYS = [
  'password',
  'api_key',
  'apiKey',
  'deepgram_api_key',
  'authorization',
  'Authorization',
  'token',
  'secret',
  'secrets',
];

/** pino redaction paths: each secret key at the top level and under up to three parents. */
export const REDACT_PATHS: string[] = SECRET_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`, `*.*.*.${k}`]);

export const REDACTED = '[redacted]';

export interface CreateLoggerOptions {
  level?: LogLevel;
  name?: string;
  /** Where lines go; stdout by default. Tests pass a stream to read them. */
  destination?: DestinationStream;
}

export function createLogger(options: CreateLoggerOptions = {}): Logger {
  return pino(
    {
      name: options.name ?? 'ai-agent',
      level: options.level ?? 'info',
      redact: { paths: REDACT_PATHS, censor: REDACTED },
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    options.destination,
  );
}

export interface CallIds {
  callId: string;
  channelId?: string;
  uuid?: string;
}

/** A child logger for one call: every line carries callId, channelId and the AudioSocket uuid. */
export function callLogger(root: Logger, ids: CallIds): Logger {
  const bindings: Record<string, string> = { callId: ids.callId };
  if (ids.channelId !== undefined) bindings.channelId = ids.channelId;
  if (ids.uuid !== undefined) bindings.uuid = ids.uuid;
  return root.child(bindings);
}

/**
 * The engine's structured logger. One root logger; each call logs through a child that carries
 * the call's ids, bound once (pino's child() is cheap and keeps the hot path plain).
 *
 * Secrets are redacted by field name wherever they appear up to four levels deep, so a config
 * object or request headers logged by mistake do not leak a password or an API key. This is done
 * by redactSecrets() in pino's log formatter rather than by pino's wildcard `redact` paths, which
 * made every line cost 66 µs and copies (a fifth of the engine's sampled allocations at 500
 * calls in bench/engine-load.ts) against 3 µs here: a scan of the keys, and no copy for the
 * lines that hold no secret.
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

const SECRET_KEY_SET: ReadonlySet<string> = new Set(SECRET_KEYS);

export const REDACTED = '[redacted]';

/** Secret keys are looked for at the top level and under up to three parents. */
const REDACT_DEPTH = 4;

/** A copy with the same prototype and own properties (an Error keeps message and stack), all writable. */
function unfrozenCopy(obj: object): Record<string, unknown> {
  const descriptors = Object.getOwnPropertyDescriptors(obj);
  for (const d of Object.values(descriptors)) {
    d.configurable = true;
    if ('value' in d) d.writable = true;
  }
  return Object.create(Object.getPrototypeOf(obj), descriptors) as Record<string, unknown>;
}

/**
 * `value` with every secret key's value replaced by REDACTED, up to four levels deep. Objects on
 * the way to a secret are copied (own properties and prototype, so an Error stays an Error);
 * anything without a secret is returned as it is, uncopied.
 */
export function redactSecrets<T>(value: T, depth = 0): T {
  if (depth >= REDACT_DEPTH || value === null || typeof value !== 'object' || ArrayBuffer.isView(value)) return value;
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const r = redactSecrets(value[i] as unknown, depth + 1);
      if (r !== value[i]) (copy ??= value.slice())[i] = r;
    }
    return (copy ?? value) as T;
  }
  const obj = value as Record<string, unknown>;
  let copy: Record<string, unknown> | undefined;
  for (const key of Object.keys(obj)) {
    const v = obj[key];
    const r = SECRET_KEY_SET.has(key) ? REDACTED : redactSecrets(v, depth + 1);
    if (r === v) continue;
    copy ??= unfrozenCopy(obj);
    copy[key] = r;
  }
  return (copy ?? value) as T;
}

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
      formatters: { log: (obj) => redactSecrets(obj) },
      // Plain top-level paths (cheap, unlike wildcards) for what redactSecrets does not see:
      // the bindings of child loggers.
      redact: { paths: [...SECRET_KEYS], censor: REDACTED },
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

/**
 * Environment variables that override config/ai-agent.yaml. Applied to the raw YAML object before
 * validation, so a bad value from the environment gets the same error as one from the file, plus
 * the name of the variable it came from.
 *
 * An empty variable counts as unset (a copied .env.example with blanks must not override).
 * Secrets (DEEPGRAM_API_KEY) are only ever read here, never from YAML.
 */

export type Env = Record<string, string | undefined>;

interface Override {
  env: string;
  path: string[];
  kind: 'string' | 'int';
}

/** Variables that set one key each. */
export const ENV_OVERRIDES: readonly Override[] = [
  { env: 'AUDIO_TRANSPORT', path: ['audio_transport'], kind: 'string' },
  { env: 'DOWNSTREAM_MODE', path: ['downstream_mode'], kind: 'string' },
  { env: 'DEFAULT_PROVIDER', path: ['default_provider'], kind: 'string' },
  { env: 'AUDIOSOCKET_HOST', path: ['audiosocket', 'host'], kind: 'string' },
  { env: 'AUDIOSOCKET_PORT', path: ['audiosocket', 'port'], kind: 'int' },
  { env: 'AUDIOSOCKET_ADVERTISE_HOST', path: ['audiosocket', 'advertise_host'], kind: 'string' },
  { env: 'AUDIOSOCKET_FORMAT', path: ['audiosocket', 'format'], kind: 'string' },
  { env: 'ASTERISK_ARI_URL', path: ['ari', 'url'], kind: 'string' },
  { env: 'ASTERISK_ARI_USERNAME', path: ['ari', 'username'], kind: 'string' },
  { env: 'ASTERISK_ARI_PASSWORD', path: ['ari', 'password'], kind: 'string' },
  { env: 'ASTERISK_ARI_APP', path: ['ari', 'app'], kind: 'string' },
  { env: 'MEDIA_DIR', path: ['media', 'dir'], kind: 'string' },
  { env: 'DEEPGRAM_URL', path: ['providers', 'deepgram', 'url'], kind: 'string' },
  { env: 'HTTP_HOST', path: ['http', 'host'], kind: 'string' },
  { env: 'HTTP_PORT', path: ['http', 'port'], kind: 'int' },
  { env: 'LOG_LEVEL', path: ['log_level'], kind: 'string' },
  { env: 'DRAIN_TIMEOUT_MS', path: ['drain_timeout_ms'], kind: 'int' },
  { env: 'MAX_CALLS', path: ['limits', 'max_calls'], kind: 'int' },
  { env: 'CALL_OVERFLOW', path: ['limits', 'overflow'], kind: 'string' },
];

/** Build ari.url from host and port when ASTERISK_ARI_URL is not set. */
export const ASTERISK_HOST_ENV = 'ASTERISK_HOST';
export const ASTERISK_ARI_PORT_ENV = 'ASTERISK_ARI_PORT';
export const DEEPGRAM_API_KEY_ENV = 'DEEPGRAM_API_KEY';
/** Path of the YAML file, read by main (default config/ai-agent.yaml). */
export const CONFIG_PATH_ENV = 'AI_AGENT_CONFIG';
export const DEFAULT_CONFIG_PATH = 'config/ai-agent.yaml';

export interface EnvResult {
  /** Key path (dotted) → the variable(s) that set it, for error messages. */
  sources: Map<string, string>;
  /** Problems found while combining variables. */
  issues: string[];
}

function value(env: Env, name: string): string | undefined {
  const v = env[name];
  return v === undefined || v.trim() === '' ? undefined : v.trim();
}

/** Numbers stay strings when they are not numbers, so validation reports what was given. */
function coerce(raw: string, kind: Override['kind']): string | number {
  if (kind === 'int' && /^[+-]?\d+$/.test(raw)) return Number(raw);
  return raw;
}

function setAt(obj: Record<string, unknown>, path: string[], v: unknown): void {
  let node = obj;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (next === null || typeof next !== 'object' || Array.isArray(next)) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1]] = v;
}

function getAt(obj: Record<string, unknown>, path: string[]): unknown {
  let node: unknown = obj;
  for (const key of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

/** Applies the overrides to `raw` (mutated) and says which keys came from where. */
export function applyEnvOverrides(raw: Record<string, unknown>, env: Env): EnvResult {
  const sources = new Map<string, string>();
  const issues: string[] = [];
  for (const o of ENV_OVERRIDES) {
    const v = value(env, o.env);
    if (v === undefined) continue;
    setAt(raw, o.path, coerce(v, o.kind));
    sources.set(o.path.join('.'), o.env);
  }
  const host = value(env, ASTERISK_HOST_ENV);
  const port = value(env, ASTERISK_ARI_PORT_ENV);
  if (value(env, 'ASTERISK_ARI_URL') === undefined && (host !== undefined || port !== undefined)) {
    if (port !== undefined && !(/^\d+$/.test(port) && Number(port) >= 1 && Number(port) <= 65535)) {
      issues.push(`ari.url: expected integer 1-65535, got ${JSON.stringify(port)} (from env ${ASTERISK_ARI_PORT_ENV})`);
    } else {
      const current = getAt(raw, ['ari', 'url']);
      let url: URL;
      try {
        url = new URL(typeof current === 'string' ? current : 'http://127.0.0.1:8088');
      } catch {
        url = new URL('http://127.0.0.1:8088');
      }
      if (host !== undefined) url.hostname = host;
      if (port !== undefined) url.port = port;
      setAt(raw, ['ari', 'url'], url.toString().replace(/\/$/, ''));
      const from = [host !== undefined ? ASTERISK_HOST_ENV : '', port !== undefined ? ASTERISK_ARI_PORT_ENV : '']
        .filter(Boolean)
        .join('/');
      sources.set('ari.url', from);
    }
  }
  return { sources, issues };
}

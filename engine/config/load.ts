/**
 * Loads config/ai-agent.yaml, applies environment overrides, validates, and reports every
 * problem at once, each naming its key:
 *
 *   config error: audiosocket.port: expected integer 1-65535, got "abc"
 *
 * main prints ConfigError.message and exits 2.
 */
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { ZodIssue } from 'zod';
import { applyEnvOverrides, DEEPGRAM_API_KEY_ENV, type Env } from './env.js';
import { configSchema, type FileConfig } from './schema.js';

export type { Env } from './env.js';

export interface EngineConfig extends FileConfig {
  audiosocket: FileConfig['audiosocket'] & { advertise_host: string };
  /** Values that only ever come from the environment. Never log them. */
  secrets: { deepgram_api_key?: string };
  /** The file this came from, if any. */
  source?: string;
}

export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
  /** One line per problem, each starting "config error: ". */
  readonly issues: string[];
  constructor(issues: string[]) {
    super(issues.join('\n'));
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

/** Reads and validates the YAML file at `path` with overrides from `env`. Throws ConfigError. */
export function loadConfig(path: string, env: Env = process.env): EngineConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    throw new ConfigError([`config error: cannot read ${path}: ${code}`]);
  }
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    throw new ConfigError([`config error: ${path}: invalid YAML: ${(err as Error).message.split('\n')[0]}`]);
  }
  return parseConfig(raw ?? {}, env, path);
}

/** Validates an already-parsed YAML document. `path` (if any) anchors relative paths. */
export function parseConfig(raw: unknown, env: Env = process.env, path?: string): EngineConfig {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ConfigError([`config error: the document must be a mapping of keys, got ${describe(raw)}`]);
  }
  const doc = structuredClone(raw) as Record<string, unknown>;
  const issues = takeSecretsFromYaml(doc);
  const { sources, issues: envIssues } = applyEnvOverrides(doc, env);
  issues.push(...envIssues.map((i) => `config error: ${i}`));
  const result = configSchema.safeParse(doc);
  if (!result.success) {
    // One line per key: 1.5 for an integer >= 10 breaks two rules but needs one fix.
    const seen = new Set<string>();
    for (const issue of result.error.issues) {
      const key = issue.code === 'unrecognized_keys' ? `${issue.path.join('.')}:${issue.keys.join(',')}` : issue.path.join('.');
      if (seen.has(key)) continue;
      seen.add(key);
      issues.push(...formatIssue(issue, doc, sources));
    }
  }

  const apiKey = env[DEEPGRAM_API_KEY_ENV]?.trim() || undefined;
  if (result.success && result.data.default_provider === 'deepgram' && apiKey === undefined) {
    issues.push(`config error: default_provider: "deepgram" needs ${DEEPGRAM_API_KEY_ENV} in the environment`);
  }
  if (issues.length > 0 || !result.success) throw new ConfigError(issues);

  const cfg = result.data;
  const base = path === undefined ? process.cwd() : dirname(resolve(path));
  const script = cfg.providers.scripted.script;
  return {
    ...cfg,
    providers: {
      ...cfg.providers,
      scripted: { ...cfg.providers.scripted, script: script === undefined || isAbsolute(script) ? script : resolve(base, script) },
    },
    audiosocket: { ...cfg.audiosocket, advertise_host: cfg.audiosocket.advertise_host ?? cfg.audiosocket.host },
    secrets: apiKey === undefined ? {} : { deepgram_api_key: apiKey },
    source: path,
  };
}

/** A copy safe to log: the password and every secret replaced. */
export function redactConfig(cfg: EngineConfig): Record<string, unknown> {
  return {
    ...cfg,
    ari: { ...cfg.ari, password: '[redacted]' },
    secrets: Object.fromEntries(Object.keys(cfg.secrets).map((k) => [k, '[redacted]'])),
  };
}

const SECRET_KEY = /(api_key|apikey|token|secret)$/i;

/** API keys in YAML are refused with a pointer to the variable; they are removed so nothing echoes them. */
function takeSecretsFromYaml(doc: Record<string, unknown>): string[] {
  const issues: string[] = [];
  const walk = (node: unknown, path: string[]) => {
    if (node === null || typeof node !== 'object' || Array.isArray(node)) return;
    const obj = node as Record<string, unknown>;
    for (const key of Object.keys(obj)) {
      if (SECRET_KEY.test(key)) {
        const hint = path.includes('deepgram') ? `set ${DEEPGRAM_API_KEY_ENV}` : 'use an environment variable';
        issues.push(`config error: ${[...path, key].join('.')}: secrets are not read from YAML; ${hint} in the environment`);
        delete obj[key];
      } else {
        walk(obj[key], [...path, key]);
      }
    }
  };
  walk(doc, []);
  return issues;
}

function formatIssue(issue: ZodIssue, doc: Record<string, unknown>, sources: Map<string, string>): string[] {
  const path = issue.path.join('.');
  const where = path === '' ? '(top level)' : path;
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((k) => `config error: ${path === '' ? k : `${path}.${k}`}: unknown key`);
  }
  const given = valueAt(doc, issue.path);
  const from = sources.has(path) ? ` (from env ${sources.get(path)})` : '';
  if (given === undefined && issue.code === 'invalid_type') {
    const hint = path === 'ari.password' ? ' (set ASTERISK_ARI_PASSWORD or ari.password)' : '';
    return [`config error: ${where}: is required${hint}`];
  }
  if (given === undefined) return [`config error: ${where}: ${issue.message}`];
  const shown = /password/i.test(path) ? '"[redacted]"' : describe(given);
  return [`config error: ${where}: ${issue.message}, got ${shown}${from}`];
}

function valueAt(doc: Record<string, unknown>, path: (string | number)[]): unknown {
  let node: unknown = doc;
  for (const key of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string | number, unknown>)[key];
  }
  return node;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  const s = JSON.stringify(v);
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

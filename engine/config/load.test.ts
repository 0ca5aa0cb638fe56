import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import {
  ASTERISK_ARI_PORT_ENV,
  ASTERISK_HOST_ENV,
  CONFIG_PATH_ENV,
  DEEPGRAM_API_KEY_ENV,
  ENV_OVERRIDES,
} from './env.js';
import { ConfigError, loadConfig, parseConfig, redactConfig } from './load.js';

const minimal = { ari: { password: 'pw' } };

function errorsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).issues;
  }
  throw new Error('expected a ConfigError');
}

function tmpYaml(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'ai-agent-config-'));
  const path = join(dir, 'ai-agent.yaml');
  writeFileSync(path, text);
  return path;
}

describe('defaults', () => {
  it('fills every key from a minimal file', () => {
    const cfg = parseConfig(minimal, {});
    expect(cfg.audio_transport).toBe('audiosocket');
    expect(cfg.downstream_mode).toBe('file');
    expect(cfg.default_provider).toBe('scripted');
    expect(cfg.ari).toEqual({
      url: 'http://127.0.0.1:8088',
      username: 'asterisk',
      password: 'pw',
      app: 'asterisk-ai-voice-agent',
      reconnect: { min_ms: 500, max_ms: 10_000 },
      ping_interval_ms: 5000,
      max_concurrent_requests: 20,
    });
    expect(cfg.audiosocket).toEqual({
      host: '127.0.0.1',
      port: 8090,
      bind_timeout_ms: 2000,
      format: 'slin16',
      advertise_host: '127.0.0.1',
      max_frame_bytes: 8192,
    });
    expect(cfg.snoop).toEqual({ spy: 'in', context: 'ai-audiosocket', extension: 's' });
    expect(cfg.streaming.chunk_duration_ms).toBe(20);
    expect(cfg.media).toEqual({ dir: '/mnt/asterisk_media/ai-generated', sound_prefix: 'ai-generated', first_segment_ms: 200, segment_ms: 2000 });
    expect(cfg.http).toEqual({ host: '127.0.0.1', port: 8091 });
    expect(cfg.providers.deepgram.keepalive_ms).toBe(8000);
    expect(cfg.barge_in.enabled).toBe(true);
    expect(cfg.log_level).toBe('info');
    expect(cfg.secrets).toEqual({});
  });

  it('advertise_host defaults to host', () => {
    const cfg = parseConfig({ ...minimal, audiosocket: { host: '10.1.2.3' } }, {});
    expect(cfg.audiosocket.advertise_host).toBe('10.1.2.3');
  });

  it('loads the shipped config files', () => {
    for (const file of ['config/ai-agent.yaml', 'config/ai-agent.example.yaml']) {
      const cfg = loadConfig(file, {});
      expect(cfg.source).toBe(file);
      expect(cfg.ari.app).toBe('asterisk-ai-voice-agent');
      expect(cfg.providers.scripted.script).toBe(resolve('config/scripts/demo.yaml'));
    }
  });

  it('the example file lists every key the schema knows', () => {
    const example = parseYaml(
      // uncomment the optional keys shown as comments
      readFileSync('config/ai-agent.example.yaml', 'utf8').replace(/^(\s*)# (url: ws|advertise_host:)/gm, '$1$2'),
    ) as Record<string, unknown>;
    const cfg = parseConfig(example, {}) as unknown as Record<string, unknown>;
    const keys = (o: unknown, p = ''): string[] =>
      o !== null && typeof o === 'object' && !Array.isArray(o)
        ? Object.entries(o).flatMap(([k, v]) => keys(v, p ? `${p}.${k}` : k))
        : [p];
    const missing = keys(cfg).filter((k) => !k.startsWith('secrets') && k !== 'source' && !keys(example).includes(k));
    expect(missing).toEqual([]);
  });
});

describe('environment overrides', () => {
  it('override the file', () => {
    const cfg = parseConfig(minimal, {
      AUDIO_TRANSPORT: 'legacy',
      DOWNSTREAM_MODE: 'stream',
      AUDIOSOCKET_HOST: '0.0.0.0',
      AUDIOSOCKET_ADVERTISE_HOST: '192.0.2.10',
      AUDIOSOCKET_PORT: '9100',
      ASTERISK_ARI_USERNAME: 'engine',
      ASTERISK_ARI_PASSWORD: 'from-env',
      MEDIA_DIR: '/var/lib/ai',
      HTTP_HOST: '127.0.0.2',
      HTTP_PORT: '9200',
      LOG_LEVEL: 'debug',
    });
    expect(cfg.audio_transport).toBe('legacy');
    expect(cfg.downstream_mode).toBe('stream');
    expect(cfg.audiosocket).toMatchObject({ host: '0.0.0.0', advertise_host: '192.0.2.10', port: 9100 });
    expect(cfg.ari).toMatchObject({ username: 'engine', password: 'from-env' });
    expect(cfg.media.dir).toBe('/var/lib/ai');
    expect(cfg.http).toEqual({ host: '127.0.0.2', port: 9200 });
    expect(cfg.log_level).toBe('debug');
  });

  it('ASTERISK_HOST and ASTERISK_ARI_PORT build the ARI URL; ASTERISK_ARI_URL wins', () => {
    expect(parseConfig(minimal, { ASTERISK_HOST: 'pbx.local', ASTERISK_ARI_PORT: '8089' }).ari.url).toBe('http://pbx.local:8089');
    expect(parseConfig(minimal, { ASTERISK_ARI_PORT: '18088' }).ari.url).toBe('http://127.0.0.1:18088');
    expect(
      parseConfig(minimal, { ASTERISK_HOST: 'ignored', ASTERISK_ARI_URL: 'https://pbx:8089' }).ari.url,
    ).toBe('https://pbx:8089');
  });

  it('empty variables are ignored', () => {
    const cfg = parseConfig(minimal, { AUDIOSOCKET_PORT: '', LOG_LEVEL: '  ' });
    expect(cfg.audiosocket.port).toBe(8090);
    expect(cfg.log_level).toBe('info');
  });

  it('DEEPGRAM_API_KEY comes from the environment only, into secrets', () => {
    const cfg = parseConfig({ ...minimal, default_provider: 'deepgram' }, { DEEPGRAM_API_KEY: 'dg-key' });
    expect(cfg.secrets.deepgram_api_key).toBe('dg-key');
    const logged = JSON.stringify(redactConfig(cfg));
    expect(logged).not.toContain('dg-key');
    expect(logged).not.toContain('"pw"');
  });

  it('the password may come from the environment alone', () => {
    expect(parseConfig({}, { ASTERISK_ARI_PASSWORD: 'x' }).ari.password).toBe('x');
  });
});

describe('errors name their key', () => {
  it('a bad port from the environment', () => {
    expect(errorsOf(() => parseConfig(minimal, { AUDIOSOCKET_PORT: 'abc' }))).toEqual([
      'config error: audiosocket.port: expected integer 1-65535, got "abc" (from env AUDIOSOCKET_PORT)',
    ]);
  });

  it('a bad port in the file', () => {
    expect(errorsOf(() => parseConfig({ ...minimal, audiosocket: { port: 'abc' } }, {}))).toEqual([
      'config error: audiosocket.port: expected integer 1-65535, got "abc"',
    ]);
    expect(errorsOf(() => parseConfig({ ...minimal, http: { port: 70000 } }, {}))).toEqual([
      'config error: http.port: expected integer 1-65535, got 70000',
    ]);
  });

  it('lists every problem at once', () => {
    const issues = errorsOf(() =>
      parseConfig(
        {
          audio_transport: 'rtp',
          downstream_mode: 'tape',
          ari: { url: 'localhost:8088', reconnect: { min_ms: 1.5 } },
          barge_in: { enabled: 'yes', energy_threshold_dbfs: 3 },
          snoop: { spy: 'sideways' },
          streaming: { sample_rate_hz: 11025 },
          log_level: 'loud',
        },
        {},
      ),
    );
    expect(issues).toEqual(
      expect.arrayContaining([
        'config error: audio_transport: expected one of audiosocket|legacy, got "rtp"',
        'config error: downstream_mode: expected one of file|stream, got "tape"',
        'config error: ari.url: expected an http:// or https:// URL, got "localhost:8088"',
        'config error: ari.password: is required (set ASTERISK_ARI_PASSWORD or ari.password)',
        'config error: ari.reconnect.min_ms: expected integer 10-600000, got 1.5',
        'config error: barge_in.enabled: expected true or false, got "yes"',
        'config error: barge_in.energy_threshold_dbfs: expected a number from -120 to 0, got 3',
        'config error: snoop.spy: expected one of in|out|both, got "sideways"',
        'config error: streaming.sample_rate_hz: expected one of 8000|12000|16000|24000|32000|44100|48000|96000|192000, got 11025',
        'config error: log_level: expected one of fatal|error|warn|info|debug|trace|silent, got "loud"',
      ]),
    );
    expect(issues.length).toBe(10);
    expect(issues.every((i) => i.startsWith('config error: '))).toBe(true);
  });

  it('capacity limits: defaults, env overrides and bad values named by key', () => {
    expect(parseConfig(minimal, {}).limits).toEqual({ max_calls: 0, overflow: 'hangup' });
    expect(parseConfig(minimal, { MAX_CALLS: '300', CALL_OVERFLOW: 'continue' }).limits).toEqual({ max_calls: 300, overflow: 'continue' });
    expect(errorsOf(() => parseConfig({ ...minimal, limits: { max_calls: -1, overflow: 'drop' } }, {}))).toEqual([
      'config error: limits.max_calls: expected integer 0-100000, got -1',
      'config error: limits.overflow: expected one of hangup|continue, got "drop"',
    ]);
  });

  it('a misspelt key is reported, not ignored', () => {
    expect(errorsOf(() => parseConfig({ ...minimal, audiosocket: { prot: 8090 } }, {}))).toEqual([
      'config error: audiosocket.prot: unknown key',
    ]);
  });

  it('an API key in YAML is refused without echoing it', () => {
    const issues = errorsOf(() => parseConfig({ ...minimal, providers: { deepgram: { api_key: 'leaked' } } }, {}));
    expect(issues).toEqual([
      'config error: providers.deepgram.api_key: secrets are not read from YAML; set DEEPGRAM_API_KEY in the environment',
    ]);
    expect(issues.join()).not.toContain('leaked');
  });

  it('a wrongly typed password is not echoed', () => {
    const issues = errorsOf(() => parseConfig({ ari: { password: 12345 } }, {}));
    expect(issues).toEqual(['config error: ari.password: expected a non-empty string, got "[redacted]"']);
  });

  it('deepgram as default needs its API key', () => {
    expect(errorsOf(() => parseConfig({ ...minimal, default_provider: 'deepgram' }, {}))).toEqual([
      'config error: default_provider: "deepgram" needs DEEPGRAM_API_KEY in the environment',
    ]);
  });

  it('cross-key rules name the key to fix', () => {
    expect(errorsOf(() => parseConfig({ ari: { password: 'p', reconnect: { min_ms: 5000, max_ms: 1000 } } }, {}))).toEqual([
      'config error: ari.reconnect.min_ms: must not exceed ari.reconnect.max_ms (1000), got 5000',
    ]);
    expect(errorsOf(() => parseConfig({ ...minimal, audiosocket: { host: '0.0.0.0' } }, {}))).toEqual([
      'config error: audiosocket.advertise_host: is required when audiosocket.host is the wildcard 0.0.0.0: Asterisk cannot dial it',
    ]);
    expect(errorsOf(() => parseConfig({ ...minimal, providers: { deepgram: { fallback_provider: 'deepgram' } } }, {}))).toEqual([
      'config error: providers.deepgram.fallback_provider: cannot fall back to itself, got "deepgram"',
    ]);
  });

  it('a bad ASTERISK_ARI_PORT names the variable', () => {
    expect(errorsOf(() => parseConfig(minimal, { ASTERISK_ARI_PORT: 'http' }))).toEqual([
      'config error: ari.url: expected integer 1-65535, got "http" (from env ASTERISK_ARI_PORT)',
    ]);
  });

  it('a missing or unparsable file', () => {
    expect(errorsOf(() => loadConfig('/nonexistent/ai-agent.yaml', {}))).toEqual([
      'config error: cannot read /nonexistent/ai-agent.yaml: ENOENT',
    ]);
    const bad = tmpYaml('ari:\n  password: [unclosed\n');
    expect(errorsOf(() => loadConfig(bad, {}))[0]).toMatch(/^config error: .*ai-agent\.yaml: invalid YAML: /);
    const list = tmpYaml('- a\n- b\n');
    expect(errorsOf(() => loadConfig(list, {}))).toEqual(['config error: the document must be a mapping of keys, got a list']);
  });

  it('an empty file needs only the password', () => {
    const empty = tmpYaml('');
    expect(loadConfig(empty, { ASTERISK_ARI_PASSWORD: 'p' }).audiosocket.port).toBe(8090);
  });
});

describe('.env.example', () => {
  it('lists every variable the loader reads', () => {
    const text = readFileSync('.env.example', 'utf8');
    const listed = new Set([...text.matchAll(/^([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]));
    const read = [
      ...ENV_OVERRIDES.map((o) => o.env),
      ASTERISK_HOST_ENV,
      ASTERISK_ARI_PORT_ENV,
      DEEPGRAM_API_KEY_ENV,
      CONFIG_PATH_ENV,
    ];
    expect(read.filter((v) => !listed.has(v))).toEqual([]);
  });
});

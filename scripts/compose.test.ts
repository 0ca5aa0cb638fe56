/**
 * The shipping files checked against each other and against the engine, without a Docker
 * engine: docker-compose.yml parsed as YAML (merge keys resolved as Compose does), the two
 * Dockerfiles and .dockerignore read as text. When a compose CLI is installed, `config` is run
 * on the file as well.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { DEFAULT_CONFIG_PATH, ENV_OVERRIDES } from '../engine/config/env.js';
import { ENGINE_NODE_FLAGS } from '../engine/node-flags.js';
import { optionsFromCli } from '../simulator/main.js';

const ROOT = new URL('..', import.meta.url).pathname;
const read = (p: string) => readFileSync(join(ROOT, p), 'utf8');

interface Service {
  build?: { context: string; args?: Record<string, string> };
  image?: string;
  profiles?: string[];
  ports?: string[];
  volumes?: string[];
  env_file?: string[];
  environment?: Record<string, string>;
  healthcheck?: { test: string[] };
  command?: string[];
  depends_on?: Record<string, { condition: string }>;
}
interface Compose {
  name: string;
  services: Record<string, Service>;
  volumes: Record<string, { driver: string; driver_opts: Record<string, string> }>;
}

const compose = parse(read('docker-compose.yml'), { merge: true }) as Compose;
const services = compose.services;
const engineConfig = parse(read('config/ai-agent.yaml')) as { media: { dir: string; sound_prefix: string }; http: { port: number } };

function mountOf(service: Service, target: string): string | undefined {
  return service.volumes?.find((v) => v.split(':')[1] === target);
}

describe('docker-compose.yml', () => {
  it('has asterisk and ai-engine by default, simulator and ai-engine-sim only in profile sim', () => {
    expect(Object.keys(services).sort()).toEqual(['ai-engine', 'ai-engine-sim', 'asterisk', 'simulator']);
    expect(services.asterisk.profiles).toBeUndefined();
    expect(services['ai-engine'].profiles).toBeUndefined();
    expect(services.simulator.profiles).toEqual(['sim']);
    expect(services['ai-engine-sim'].profiles).toEqual(['sim']);
    expect(services.asterisk.build?.context).toBe('asterisk-docker');
    expect(services['ai-engine'].build?.context).toBe('.');
  });

  it('publishes every port on 127.0.0.1 only, with no host port used twice', () => {
    const hostPorts: string[] = [];
    for (const [name, s] of Object.entries(services)) {
      for (const p of s.ports ?? []) {
        expect(p, `${name}: ${p}`).toMatch(/^127\.0\.0\.1:\d+:\d+$/);
        hostPorts.push(p.split(':')[1]);
      }
    }
    expect(new Set(hostPorts).size).toBe(hostPorts.length);
    expect(services['ai-engine'].ports).toEqual(['127.0.0.1:8090:8090', '127.0.0.1:8091:8091']);
    expect(services.asterisk.ports).toEqual(['127.0.0.1:8088:8088']);
  });

  it('shares one tmpfs media volume: engine writes, Asterisk and the simulator read', () => {
    const media = compose.volumes.media;
    expect(media.driver_opts.type).toBe('tmpfs');
    expect(media.driver_opts.device).toBe('tmpfs');
    expect(media.driver_opts.o).toMatch(/(^|,)uid=1000(,|$)/);
    expect(mountOf(services['ai-engine'], '/mnt/asterisk_media')).toBe('media:/mnt/asterisk_media');
    expect(mountOf(services['ai-engine-sim'], '/mnt/asterisk_media')).toBe('media:/mnt/asterisk_media');
    expect(mountOf(services.asterisk, '/mnt/asterisk_media')).toBe('media:/mnt/asterisk_media:ro');
    expect(mountOf(services.simulator, '/mnt/asterisk_media')).toBe('media:/mnt/asterisk_media:ro');
  });

  it('puts the engine media dir where Asterisk plays sound:<sound_prefix>/ from', () => {
    for (const name of ['ai-engine', 'ai-engine-sim']) {
      expect(services[name].environment?.MEDIA_DIR).toBe(engineConfig.media.dir);
    }
    // The Asterisk entrypoint links sounds/<prefix> to the media dir.
    const entrypoint = read('asterisk-docker/entrypoint.sh');
    expect(entrypoint).toContain(`MEDIA_DIR="\${AI_MEDIA_DIR:-${engineConfig.media.dir}}"`);
    expect(entrypoint).toContain(`SOUNDS_LINK="\${AI_SOUNDS_LINK:-/var/lib/asterisk/sounds/${engineConfig.media.sound_prefix}}"`);
  });

  it('gives the engines .env, the config read-only, and only variables the engine knows', () => {
    const known = new Set([...ENV_OVERRIDES.map((o) => o.env), 'AI_AGENT_CONFIG']);
    for (const name of ['ai-engine', 'ai-engine-sim']) {
      const s = services[name];
      expect(s.env_file).toEqual(['.env']);
      expect(mountOf(s, '/app/config')).toBe('./config:/app/config:ro');
      for (const key of Object.keys(s.environment ?? {})) expect(known, `${name}: ${key}`).toContain(key);
      // Left to the image default (WORKDIR /app + config/ai-agent.yaml) so .env can choose another file.
      expect(s.environment?.AI_AGENT_CONFIG).toBeUndefined();
      expect(s.environment?.HTTP_HOST).toBe('0.0.0.0');
      expect(s.environment?.AUDIOSOCKET_HOST).toBe('0.0.0.0');
      expect(s.environment?.AUDIOSOCKET_ADVERTISE_HOST).toBe(name);
    }
    expect(services['ai-engine'].environment?.ASTERISK_ARI_URL).toBe('http://asterisk:8088');
    expect(services['ai-engine-sim'].environment?.ASTERISK_ARI_URL).toBe('http://simulator:8088');
    // Least privilege: Asterisk and the simulator get no API keys.
    expect(services.asterisk.env_file).toBeUndefined();
    expect(services.simulator.env_file).toBeUndefined();
  });

  it('health-checks Asterisk and the engines, the engines on /ready', () => {
    expect(services.asterisk.healthcheck?.test.join(' ')).toContain('core show version');
    for (const name of ['ai-engine', 'ai-engine-sim']) {
      expect(services[name].healthcheck?.test.join(' ')).toContain(`http://127.0.0.1:${engineConfig.http.port}/ready`);
    }
  });

  it('builds Asterisk from the same default image as asterisk-docker/Dockerfile', () => {
    const dockerfileDefault = /^ARG ASTERISK_IMAGE=(\S+)$/m.exec(read('asterisk-docker/Dockerfile'))?.[1];
    expect(dockerfileDefault).toMatch(/^andrius\/asterisk:22\.\d+\.\d+_debian-/);
    expect(services.asterisk.build?.args?.ASTERISK_IMAGE).toBe(`\${ASTERISK_IMAGE:-${dockerfileDefault}}`);
  });

  it('makes the simulator listen for the engine container, run the repo dialplan, play the media dir', () => {
    const sim = services.simulator;
    // Compose interpolation as done with an .env that sets no ARI credentials.
    const env = Object.fromEntries(
      Object.entries(sim.environment ?? {}).map(([k, v]) => [k, v.replace(/\$\{[A-Z_]+:-([^}]*)\}/g, '$1')]),
    );
    const options = optionsFromCli([], env);
    expect(options.host).toBe('0.0.0.0');
    expect(options.port).toBe(8088);
    expect(sim.ports).toEqual(['127.0.0.1:18088:8088']);
    expect(mountOf(sim, options.configDir as string)).toBe(`./asterisk-docker:${options.configDir}:ro`);
    expect(options.soundDirs?.map((d) => join(d, engineConfig.media.sound_prefix))).toEqual([engineConfig.media.dir]);
    // The same credentials the engine uses by default (config/ai-agent.yaml).
    const ari = (parse(read('config/ai-agent.yaml')) as { ari: { username: string; password: string } }).ari;
    expect([options.username, options.password]).toEqual([ari.username, ari.password]);
  });

  it('runs the compiled simulator from the engine image', () => {
    expect(services.simulator.image).toBe(services['ai-engine'].image);
    expect(services.simulator.command).toEqual(['node', 'dist/simulator/main.js']);
    expect(services['ai-engine-sim'].depends_on).toEqual({ simulator: { condition: 'service_healthy' } });
    expect(services['ai-engine'].depends_on).toEqual({ asterisk: { condition: 'service_healthy' } });
  });
});

describe('Dockerfile (engine)', () => {
  const dockerfile = read('Dockerfile');

  it('builds in one stage and runs production dependencies only, as non-root, on Node 22', () => {
    expect(dockerfile).toMatch(/^ARG NODE_IMAGE=node:22-bookworm-slim$/m);
    expect(dockerfile).toMatch(/^FROM \$\{NODE_IMAGE\} AS build$/m);
    expect(dockerfile).toMatch(/^FROM \$\{NODE_IMAGE\} AS runtime$/m);
    const runtime = dockerfile.slice(dockerfile.indexOf('AS runtime'));
    expect(runtime).toContain('npm ci --omit=dev');
    expect(runtime).toContain('COPY --from=build /app/dist ./dist');
    expect(runtime).toMatch(/^USER node$/m);
    expect(runtime).toContain(`CMD ${JSON.stringify(['node', ...ENGINE_NODE_FLAGS, 'dist/engine/main.js'])}`.replace(/","/g, '", "'));
    // The engine's default config path, relative to WORKDIR, is where compose mounts ./config.
    expect(runtime).toMatch(/^WORKDIR \/app$/m);
    expect(`/app/${DEFAULT_CONFIG_PATH}`).toBe('/app/config/ai-agent.yaml');
    expect(runtime).toMatch(/HEALTHCHECK[\s\S]*127\.0\.0\.1:8091\/ready/);
  });

  it('copies nothing from outside the .dockerignore allowlist', () => {
    const allowed = read('.dockerignore')
      .split('\n')
      .filter((l) => l.startsWith('!'))
      .map((l) => l.slice(1).replace(/\/$/, ''));
    expect(read('.dockerignore').split('\n').find((l) => l !== '' && !l.startsWith('#'))).toBe('*');
    expect(allowed).not.toContain('.env');
    expect(allowed).not.toContain('config');
    const copied = [...dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((m) => m[1].split(' '));
    for (const src of copied) expect(allowed, src).toContain(src);
  });
});

describe('engine Node flags (engine/node-flags.ts)', () => {
  const flags = ENGINE_NODE_FLAGS.join(' ');
  const scripts = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts;

  it('are passed by npm start and npm run engine as by the Dockerfile', () => {
    expect(scripts.start).toBe(`node ${flags} dist/engine/main.js`);
    expect(scripts.engine).toBe(`tsx ${flags} engine/main.ts`);
  });

  it('are accepted by this Node and change its heap', () => {
    const limit = (args: readonly string[]) => {
      const r = spawnSync(process.execPath, [...args, '-p', 'require("node:v8").getHeapStatistics().heap_size_limit'], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      return Number(r.stdout);
    };
    expect(limit(ENGINE_NODE_FLAGS)).toBeGreaterThan(limit([]));
  });
});

describe('asterisk-docker', () => {
  it('overrides http.conf with one that differs only in bindaddr 0.0.0.0', () => {
    const settings = (text: string) =>
      new Map(
        text
          .split('\n')
          .map((l) => l.replace(/;.*$/, '').trim())
          .filter((l) => l.includes('='))
          .map((l) => l.split('=').map((x) => x.trim()) as [string, string]),
      );
    const docker = settings(read('asterisk-docker/docker/http.conf'));
    expect(docker.get('bindaddr')).toBe('0.0.0.0');
    if (existsSync(join(ROOT, 'asterisk-docker/http.conf'))) {
      const repo = settings(read('asterisk-docker/http.conf'));
      repo.delete('bindaddr');
      docker.delete('bindaddr');
      expect(docker).toEqual(repo);
    }
  });

  it('copies exactly the four configs of this repo, which exist', () => {
    const dockerfile = read('asterisk-docker/Dockerfile');
    expect(dockerfile).toContain('COPY --chmod=0644 extensions.conf ari.conf http.conf modules.conf /opt/ai-voice-agent/asterisk-conf/');
    for (const f of ['extensions.conf', 'ari.conf', 'http.conf', 'modules.conf']) {
      expect(existsSync(join(ROOT, 'asterisk-docker', f)), f).toBe(true);
    }
  });
});

// A compose CLI, when one is installed, validates the file its own way too.
const composeCli = ['docker compose', 'docker-compose'].find((c) => {
  const [cmd, ...args] = c.split(' ');
  return spawnSync(cmd, [...args, 'version'], { encoding: 'utf8' }).status === 0;
});

describe.skipIf(composeCli === undefined)(`\`${composeCli} config\``, () => {
  it('accepts the file with every profile', () => {
    const dir = mkdtempSync(join(tmpdir(), 'compose-'));
    try {
      let text = read('docker-compose.yml');
      // Compose v1 predates the top-level `name`; the rest is the same file.
      if (composeCli === 'docker-compose') text = text.replace(/^name: .*$/m, '');
      writeFileSync(join(dir, 'docker-compose.yml'), text);
      writeFileSync(join(dir, '.env'), '');
      cpSync(join(ROOT, 'config'), join(dir, 'config'), { recursive: true });
      mkdirSync(join(dir, 'asterisk-docker')); // build contexts must exist
      const [cmd, ...args] = (composeCli as string).split(' ');
      const r = spawnSync(cmd, [...args, '--profile', 'sim', 'config', '--quiet'], { cwd: dir, encoding: 'utf8' });
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

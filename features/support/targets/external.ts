/**
 * `E2E_TARGET=external` (`make e2e-external`): an Asterisk that is already running with this
 * repository's asterisk-docker configs (extensions.conf with [ai-test-call]/[ai-test-phone],
 * ARI enabled). The suite starts the engine here for each scenario; Asterisk must reach its
 * AudioSocket server and read the folders the two share.
 *
 *   ASTERISK_ARI_URL, ASTERISK_ARI_USERNAME, ASTERISK_ARI_PASSWORD   ARI (required: the URL)
 *   AUDIOSOCKET_HOST             where the engine listens (default 127.0.0.1)
 *   AUDIOSOCKET_ADVERTISE_HOST   the host Asterisk dials for it (default AUDIOSOCKET_HOST)
 *   MEDIA_DIR                    the engine's media dir, readable by Asterisk as
 *                                sound:<E2E_MEDIA_SOUND_PREFIX>/… (default
 *                                /mnt/asterisk_media/ai-generated, prefix ai-generated)
 *   E2E_SOUNDS_DIR               a folder inside Asterisk's sounds dir the suite may write its
 *                                caller fixtures to (required), played as
 *                                sound:<E2E_SOUNDS_PREFIX>/… (default: the folder's name)
 */
import { mkdirSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { stageFixtures } from '../fixtures.js';
import type { ScenarioPbx, Target } from './target.js';

export interface ExternalSettings {
  url: string;
  username: string;
  password: string;
  bindHost: string;
  advertiseHost: string;
  mediaDir: string;
  mediaSoundPrefix: string;
  soundsDir: string;
  soundsPrefix: string;
}

/** Reads the settings; throws one message listing everything missing. Pure, for tests. */
export function externalSettings(env: NodeJS.ProcessEnv): ExternalSettings {
  const v = (name: string) => (env[name]?.trim() ? env[name]!.trim() : undefined);
  const missing = ['ASTERISK_ARI_URL', 'E2E_SOUNDS_DIR'].filter((n) => v(n) === undefined);
  if (missing.length > 0) {
    throw new Error(`E2E_TARGET=external needs ${missing.join(' and ')} (see docs/testing.md)`);
  }
  const soundsDir = resolve(v('E2E_SOUNDS_DIR')!);
  const bindHost = v('AUDIOSOCKET_HOST') ?? '127.0.0.1';
  return {
    url: v('ASTERISK_ARI_URL')!.replace(/\/+$/, '').replace(/\/ari$/, ''),
    username: v('ASTERISK_ARI_USERNAME') ?? 'asterisk',
    password: v('ASTERISK_ARI_PASSWORD') ?? 'asterisk',
    bindHost,
    advertiseHost: v('AUDIOSOCKET_ADVERTISE_HOST') ?? bindHost,
    mediaDir: resolve(v('MEDIA_DIR') ?? '/mnt/asterisk_media/ai-generated'),
    mediaSoundPrefix: v('E2E_MEDIA_SOUND_PREFIX') ?? 'ai-generated',
    soundsDir,
    soundsPrefix: v('E2E_SOUNDS_PREFIX') ?? basename(soundsDir),
  };
}

export class ExternalTarget implements Target {
  readonly name = 'external' as const;
  private readonly s: ExternalSettings;

  constructor(env: NodeJS.ProcessEnv = process.env) {
    this.s = externalSettings(env);
  }

  async setUp(): Promise<void> {
    stageFixtures(this.s.soundsDir);
    mkdirSync(this.s.mediaDir, { recursive: true });
    await waitForAri(this.s.url, this.s.username, this.s.password, 10_000);
  }

  async tearDown(): Promise<void> {
    // The staged fixtures stay: they are small and the next run overwrites them.
  }

  async openScenario(): Promise<ScenarioPbx> {
    const s = this.s;
    return {
      url: s.url,
      username: s.username,
      password: s.password,
      mediaDir: s.mediaDir,
      mediaSoundPrefix: s.mediaSoundPrefix,
      fixtureUri: (name) => `sound:${s.soundsPrefix}/${name}`,
      audiosocket: { bindHost: s.bindHost, advertiseHost: s.advertiseHost },
      close: async () => undefined,
    };
  }
}

/** Polls GET /ari/asterisk/info until it answers 200. */
export async function waitForAri(url: string, username: string, password: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const auth = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
  let last = '';
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`${url}/ari/asterisk/info`, { headers: { authorization: auth }, signal: AbortSignal.timeout(2000) });
      if (res.ok) return;
      last = `HTTP ${res.status}`;
      if (res.status === 401) break;
    } catch (err) {
      last = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`ARI at ${url} did not answer (${last})`);
}

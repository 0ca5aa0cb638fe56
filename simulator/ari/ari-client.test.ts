/**
 * The npm `ari-client` (what many ARI apps are written with) against the simulator with the
 * real SimPbx: connect (Swagger docs), start an app (events WebSocket), originate a Local call
 * into the repo's dialplan, answer, play, and receive StasisStart and PlaybackFinished as
 * resource objects. An event type missing from events.json would throw inside ari-client and
 * fail this file as an unhandled error.
 */
import { createRequire } from 'node:module';
import { afterEach, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../main.js';

interface AriResource {
  id: string;
  state?: string;
  [key: string]: unknown;
}
interface AriChannel extends AriResource {
  answer(): Promise<void>;
  hangup(): Promise<void>;
  play(params: { media: string | string[] }, playback: AriPlayback): Promise<AriPlayback>;
}
interface AriPlayback extends AriResource {
  once(event: string, cb: (event: Record<string, unknown>, playback: AriPlayback) => void): void;
}
interface AriClient {
  start(apps: string | string[]): Promise<void>;
  stop(): void;
  once(event: string, cb: (event: Record<string, unknown>, resource: AriChannel) => void): void;
  on(event: string, cb: (event: Record<string, unknown>, resource: unknown) => void): void;
  Playback(): AriPlayback;
  channels: {
    originate(params: Record<string, unknown>): Promise<AriChannel>;
    list(): Promise<AriChannel[]>;
    get(params: { channelId: string }): Promise<AriChannel>;
  };
  asterisk: { getInfo(): Promise<Record<string, unknown>> };
}
const ari = createRequire(import.meta.url)('ari-client') as {
  connect(url: string, user: string, password: string): Promise<AriClient>;
};

let sim: Simulator | undefined;
let client: AriClient | undefined;

afterEach(async () => {
  client?.stop();
  client = undefined;
  await sim?.close();
  sim = undefined;
});

function next<T>(register: (resolve: (value: T) => void) => void, what: string, ms = 5000): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
    register((value) => {
      clearTimeout(timer);
      resolve(value);
    });
  });
}

describe('ari-client against the simulator', () => {
  it('originates a Local call into the dialplan, answers, plays, and sees StasisStart and PlaybackFinished', async () => {
    sim = await startSimulator({ port: 0 });
    client = await ari.connect(sim.url, sim.username, sim.password);
    const c = client;
    const info = await c.asterisk.getInfo();
    expect(info).toMatchObject({ system: { entity_id: sim.pbx.asteriskId } });

    const eventTypes: string[] = [];
    c.on('*', (event) => eventTypes.push(String(event.type)));
    const started = next<{ event: Record<string, unknown>; channel: AriChannel }>(
      (resolve) => c.once('StasisStart', (event, channel) => resolve({ event, channel })),
      'StasisStart',
    );
    await c.start('sim-ari-client-test');

    const originated = await c.channels.originate({
      endpoint: 'Local/s@ai-doctor',
      app: 'sim-ari-client-test',
      channelId: 'ari-client-caller',
      timeout: 10,
    });
    expect(originated.id).toBe('ari-client-caller');

    const { event, channel } = await started;
    expect(event.application).toBe('sim-ari-client-test');
    expect(channel.id).toBe('ari-client-caller');
    expect(typeof channel.play).toBe('function');

    await channel.answer();
    const playback = c.Playback();
    const finished = next<AriPlayback>((resolve) => playback.once('PlaybackFinished', (_e, pb) => resolve(pb)), 'PlaybackFinished');
    const queued = await channel.play({ media: 'sound:ai-beep' }, playback);
    expect(queued.id).toBe(playback.id);
    const done = await finished;
    expect(done.state).toBe('done');
    expect(eventTypes).toEqual(expect.arrayContaining(['StasisStart', 'PlaybackStarted', 'PlaybackFinished']));

    const ended = next<unknown>((resolve) => c.once('StasisEnd', () => resolve(undefined)), 'StasisEnd');
    await channel.hangup();
    await ended;
    await expect(c.channels.get({ channelId: 'ari-client-caller' })).rejects.toThrow('Channel not found');
  });
});

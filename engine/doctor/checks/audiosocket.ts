/**
 * The AudioSocket path end to end, as a call uses it: the doctor listens where the engine would
 * (audiosocket.host:port), asks Asterisk for an externalMedia AudioSocket leg towards
 * advertise_host:port with a fresh UUID, and expects that connection to arrive presenting the
 * UUID, then audio frames (Asterisk plays the probe file on the leg). The leg is hung up and the
 * listener closed afterwards.
 *
 * The listener is the engine's own AudioSocketServer, so the leg gets silence frames from the
 * moment it connects: a silent AudioSocket leg can wedge Asterisk's ARI (traces README).
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { isAriHttpError } from '../../ari/errors.js';
import { audioKindForRate, type SampleRate } from '../../audiosocket/codec.js';
import type { AudioSocketConnection } from '../../audiosocket/connection.js';
import { AudioSocketServer } from '../../audiosocket/server.js';
import type { StoredMedia } from '../../media/store.js';
import type { EngineConfig } from '../../config/load.js';
import type { DoctorContext } from '../context.js';
import { on } from '../event-log.js';
import { fixes } from '../fixes.js';
import { fail, info, pass, warn, type CheckResult } from '../report.js';
import { hangupQuietly } from './media.js';
import { CHECK } from './names.js';

export interface Listener {
  result: CheckResult;
  server?: AudioSocketServer;
  /** What Asterisk is told to dial: advertise_host and the port actually listened on. */
  advertised?: string;
}

/**
 * Listens on the configured address. When the port is taken (usually by the running engine) it
 * listens on a free port of the same host instead: Asterisk reaching advertise_host and speaking
 * AudioSocket is still proven, a firewall rule for the configured port is not (the engine's own
 * listener holds it).
 */
export async function startListener(cfg: EngineConfig, log: Logger): Promise<Listener> {
  const { host, port, advertise_host: advertiseHost } = cfg.audiosocket;
  const make = (p: number) =>
    new AudioSocketServer({ logger: log, host, port: p, bindTimeoutMs: cfg.audiosocket.bind_timeout_ms, maxFrameBytes: cfg.audiosocket.max_frame_bytes });
  const first = make(port);
  try {
    await first.listen();
    return { result: pass(CHECK.listener, `listening on ${host}:${port} as the engine would`), server: first, advertised: `${advertiseHost}:${port}` };
  } catch (err) {
    await first.close();
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EADDRINUSE') {
      const fix = code === 'EACCES' ? fixes.listenerPrivileged(port) : fixes.listenerAddress(host);
      return { result: fail(CHECK.listener, `cannot listen on ${host}:${port}: ${code ?? (err as Error).message}`, fix) };
    }
  }
  const health = healthAddress(cfg);
  const engine = await engineHealth(health);
  const fallback = make(0);
  let addr;
  try {
    addr = await fallback.listen();
  } catch (err) {
    await fallback.close();
    return { result: fail(CHECK.listener, `${host}:${port} is in use and no free port on ${host}: ${(err as Error).message}`, fixes.listenerBusy(host, port)) };
  }
  const tested = `the externalMedia check uses free port ${addr.port} instead (that proves Asterisk reaches ${advertiseHost} over AudioSocket, not that port ${port} gets through a firewall)`;
  const result =
    engine === undefined
      ? fail(CHECK.listener, `${host}:${port} is in use, and no engine answers /live on ${health}: another process holds it (or an engine with other http settings); ${tested}`, fixes.listenerBusy(host, port))
      : info(CHECK.listener, `${host}:${port} is in use by the running engine (${engine}); ${tested}`);
  return { result, server: fallback, advertised: `${advertiseHost}:${addr.port}` };
}

/** Where this config's engine serves /live: host:port, a wildcard host read as loopback. */
function healthAddress(cfg: EngineConfig): string {
  const host = ['0.0.0.0', '::', '[::]'].includes(cfg.http.host) ? '127.0.0.1' : cfg.http.host;
  return `${host.includes(':') && !host.startsWith('[') ? `[${host}]` : host}:${cfg.http.port}`;
}

/** "its /live answered 200 on 127.0.0.1:8091" when an engine's health server answers, else undefined. */
async function engineHealth(where: string): Promise<string | undefined> {
  try {
    const res = await fetch(`http://${where}/live`, { signal: AbortSignal.timeout(1000) });
    await res.arrayBuffer();
    return res.ok ? `its /live answered ${res.status} on ${where}` : undefined;
  } catch {
    return undefined;
  }
}

/** POST /channels/externalMedia towards the listener; the connection must present the UUID, then audio. */
export async function checkExternalMedia(
  ctx: DoctorContext,
  { server, advertised }: { server: AudioSocketServer; advertised: string },
  probe: StoredMedia | undefined,
): Promise<CheckResult> {
  const format = ctx.cfg.audiosocket.format;
  const rate: SampleRate = format === 'slin' ? 8000 : 16000;
  const uuid = randomUUID();
  const channelId = `${ctx.idPrefix}-as`;

  let bound: (conn: AudioSocketConnection) => void = () => {};
  const arrived = new Promise<AudioSocketConnection>((resolve) => (bound = resolve));
  const expectation = server.expect(uuid, (conn) => bound(conn), { rate });
  const started = performance.now();
  try {
    // Asterisk answers once its TCP connect is done (or failed: 500).
    await ctx.ari.channels.externalMedia({
      app: ctx.doctorApp,
      channelId,
      external_host: advertised,
      encapsulation: 'audiosocket',
      transport: 'tcp',
      format,
      data: uuid,
    });
  } catch (err) {
    expectation.cancel();
    if (isAriHttpError(err) && err.status === 500) {
      return fail(CHECK.externalMedia, `Asterisk could not connect to ${advertised} (externalMedia answered 500 ${err.ariMessage})`, fixes.audiosocketUnreachable(advertised, ctx.cfg.audiosocket.port));
    }
    if (isAriHttpError(err)) {
      return fail(CHECK.externalMedia, `externalMedia refused: ${err.status} ${err.ariMessage}`, fixes.audiosocketModules());
    }
    return fail(CHECK.externalMedia, `externalMedia: ${(err as Error).message}`, fixes.ariUnreachable());
  }
  ctx.cleanup.add(`channel ${channelId}`, () => hangupQuietly(ctx, channelId));

  const conn = await withTimeout(arrived, ctx.timeouts.audiosocketMs);
  if (conn === undefined) {
    expectation.cancel();
    return fail(
      CHECK.externalMedia,
      `externalMedia answered, but no connection presented UUID ${uuid} at ${advertised} within ${ctx.timeouts.audiosocketMs} ms`,
      fixes.audiosocketUnreachable(advertised, ctx.cfg.audiosocket.port),
    );
  }
  const bindMs = Math.round(performance.now() - started);
  const frames = await audioFrom(ctx, conn, channelId, probe);
  const connected = `UUID ${uuid} arrived from ${conn.remote} in ${bindMs} ms`;
  const closed = await hangUpLeg(ctx, channelId, conn);

  if (!frames.played) {
    return pass(CHECK.externalMedia, `${connected}; audio frames not checked (${frames.why}); ${closed}`);
  }
  if (frames.count === 0) {
    return fail(CHECK.externalMedia, `${connected}, but no audio frames came while Asterisk played the probe on the leg`, fixes.noFrames());
  }
  const kinds = [...frames.rates].map((r) => `${r / 1000} kHz (kind 0x${audioKindForRate(r)!.toString(16)})`).join(', ');
  const got = `${connected}; ${frames.count} audio frames of ${kinds}; ${closed}`;
  if (!frames.rates.has(rate)) return warn(CHECK.externalMedia, `${got}, asked for ${format}`, fixes.slowRate());
  return pass(CHECK.externalMedia, got);
}

interface Frames {
  /** False when Asterisk had nothing it could play on the leg: then no frames are expected. */
  played: boolean;
  why?: string;
  count: number;
  rates: Set<number>;
}

/**
 * Plays the probe on the leg and counts the frames it produces. An unbridged leg with nothing
 * playing gets no frames from Asterisk (trace s9: frames follow audio), hence the playback.
 */
async function audioFrom(ctx: DoctorContext, conn: AudioSocketConnection, channelId: string, probe: StoredMedia | undefined): Promise<Frames> {
  const frames: Frames = { played: false, count: 0, rates: new Set<number>() };
  if (probe === undefined) return { ...frames, why: 'no probe file Asterisk can play' };
  conn.on('audio', (_pcm, r) => {
    frames.count++;
    frames.rates.add(r);
  });
  // Play only once the leg is in the doctor's app: before that Asterisk answers 409.
  const inStasis = await ctx.events!.waitFor(on.stasisStart(channelId), ctx.timeouts.eventsMs);
  if (inStasis === undefined) return { ...frames, why: `the leg sent no StasisStart within ${ctx.timeouts.eventsMs} ms` };
  const playbackId = `${ctx.idPrefix}-as-play`;
  try {
    await ctx.ari.channels.play(channelId, { media: probe.uri, playbackId });
  } catch (err) {
    return { ...frames, why: `play on the leg refused: ${(err as Error).message}` };
  }
  const finished = await ctx.events!.waitFor(on.playbackFinished(playbackId), ctx.timeouts.playbackMs);
  if (finished?.type === 'PlaybackFinished' && finished.playback.state === 'failed') {
    return { ...frames, why: 'Asterisk could not play the probe file' };
  }
  // Frames written just before PlaybackFinished may still be on the wire.
  await new Promise((r) => setTimeout(r, 100));
  frames.played = true;
  return frames;
}

/** DELETE the leg; Asterisk then closes the socket (FIN only, trace s9). */
async function hangUpLeg(ctx: DoctorContext, channelId: string, conn: AudioSocketConnection): Promise<string> {
  const closed = conn.state === 'closed' ? Promise.resolve() : new Promise<void>((resolve) => conn.once('close', () => resolve()));
  try {
    await hangupQuietly(ctx, channelId);
  } catch (err) {
    return `hanging the leg up failed: ${(err as Error).message}`;
  }
  const done = await withTimeout(closed.then(() => true), ctx.timeouts.cleanupMs);
  if (done) return 'leg hung up, socket closed by Asterisk';
  conn.destroy();
  return `leg hung up, socket still open after ${ctx.timeouts.cleanupMs} ms (closed by the doctor)`;
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(undefined), ms);
    p.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      () => {
        clearTimeout(timer);
        resolve(undefined);
      },
    );
  });
}

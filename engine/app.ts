/**
 * Assembles the engine from its parts: config in, a running engine out. Used by the CLI
 * (engine/main.ts), the demo, the acceptance suite and the benchmarks, so they all run the same
 * engine.
 */
import { dirname, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import { AriClient } from './ari/client.js';
import { isNotFound } from './ari/errors.js';
import { AriEventStream } from './ari/events.js';
import { FrameTicker } from './audio/pacer.js';
import { AudioSocketServer } from './audiosocket/server.js';
import { ariPorts, audioBinder, vadDetector } from './call/adapters.js';
import { CallManager } from './call/manager.js';
import { ownerTag } from './call/owner.js';
import type { CallSession, SessionConfig } from './call/session.js';
import type { EngineConfig } from './config/load.js';
import { ariConnectedCheck, audioSocketListeningCheck, providerAvailableCheck } from './http/checks.js';
import { HealthServer } from './http/server.js';
import { MediaStore } from './media/store.js';
import { createMetrics, type EngineMetrics } from './metrics.js';
import { createDeepgramProvider } from './providers/deepgram.js';
import { createScriptedProvider, type ScriptedProviderOptions } from './providers/scripted.js';
import type { Provider } from './providers/types.js';

export interface EngineOptions {
  config: EngineConfig;
  logger: Logger;
  /** Extra scripted-provider options (the acceptance suite tells it which fixture was played). */
  scripted?: Partial<ScriptedProviderOptions>;
  /** Replace the providers built from config (tests). */
  providers?: Record<string, Provider>;
  metrics?: EngineMetrics;
  /** Skip the start-up sweep (never in production). */
  skipSweep?: boolean;
}

export interface Engine {
  config: EngineConfig;
  manager: CallManager;
  metrics: EngineMetrics;
  audio: AudioSocketServer;
  ari: AriClient;
  events: AriEventStream;
  health: HealthServer;
  media: MediaStore;
  /** Resolves with each session when its call has been torn down. */
  onCallEnded(listener: (s: CallSession) => void): () => void;
  /** SIGTERM path: stop taking calls, let live ones finish, end the rest, close. */
  drain(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startEngine(opts: EngineOptions): Promise<Engine> {
  const { config: cfg, logger } = opts;
  const metrics = opts.metrics ?? createMetrics();
  const providers = opts.providers ?? buildProviders(cfg, logger, opts.scripted);
  const primary = providers[cfg.default_provider];
  if (!primary) throw new Error(`default_provider ${cfg.default_provider} is not available`);

  const media = new MediaStore({ dir: cfg.media.dir, soundPrefix: cfg.media.sound_prefix, owner: ownerTag(cfg.ari.app) });
  await media.init();

  const ari = new AriClient({
    url: cfg.ari.url,
    username: cfg.ari.username,
    password: cfg.ari.password,
    requestTimeoutMs: cfg.timeouts.ari_request_ms,
    maxConcurrentRequests: cfg.ari.max_concurrent_requests,
    logger,
  });
  const ports = ariPorts(ari);

  // One 20 ms ticker paces every connection's output and fills gaps in every call's input, its
  // listeners spread over 8 phases so 500 connections are not written in one burst.
  const ticker = new FrameTicker({ phases: 8, onListenerError: (err) => logger.error({ err }, 'frame tick failed') });
  const audio = new AudioSocketServer({
    ticker,
    logger,
    host: cfg.audiosocket.host,
    port: cfg.audiosocket.port,
    maxFrameBytes: cfg.audiosocket.max_frame_bytes,
    metrics,
  });
  const addr = await audio.listen();

  const sessionConfig: SessionConfig = {
    app: cfg.ari.app,
    transport: cfg.audio_transport,
    downstream: cfg.downstream_mode,
    audiosocketAddr: `${cfg.audiosocket.advertise_host}:${addr.port}`,
    format: cfg.audiosocket.format,
    bindTimeoutMs: cfg.audiosocket.bind_timeout_ms,
    snoop: cfg.snoop,
    bargeIn: {
      enabled: cfg.barge_in.enabled,
      minSpeechMs: cfg.barge_in.min_speech_ms,
      energyThresholdDbfs: cfg.barge_in.energy_threshold_dbfs,
      protectGreeting: cfg.barge_in.protect_greeting,
      protectionWindowMs: cfg.barge_in.protection_window_ms,
      cooldownMs: cfg.barge_in.cooldown_ms,
      echoMarginDb: cfg.barge_in.echo_margin_db,
      echoWindowMs: 400,
    },
    segments: { firstMs: cfg.media.first_segment_ms, nextMs: cfg.media.segment_ms },
    streaming: {
      providerRate: cfg.streaming.sample_rate_hz ?? null,
      chunkMs: cfg.streaming.chunk_duration_ms,
      jitterBufferMs: cfg.streaming.jitter_buffer_ms,
    },
    apologyMedia: cfg.media.apology_media,
  };

  const endedListeners = new Set<(s: CallSession) => void>();
  const manager = new CallManager({
    ari: ports,
    isNotFound,
    media,
    logger,
    sessionConfig,
    limits: { maxCalls: cfg.limits.max_calls, overflow: cfg.limits.overflow },
    sessionDeps: (callerId, hooks, args) => ({
      ari: ports,
      isNotFound,
      binder: audioBinder(audio),
      media,
      providers: providerChain(cfg, providers, requestedProvider(args, providers, logger, callerId)),
      createVad: vadDetector,
      logger,
      now: () => performance.now(),
      ticker,
      hooks,
    }),
    hooks: {
      callStarted: () => metrics.activeCalls.inc(),
      callEnded: (s) => {
        metrics.activeCalls.dec();
        for (const l of endedListeners) l(s);
      },
      callRefused: (reason) => metrics.callsRefused.inc({ reason }),
      bound: (transport, _bindMs, fallback) => metrics.callsTotal.inc({ transport, fallback: fallback ? 'snoop' : 'none' }),
      turn: (t) => {
        metrics.turnLatencySeconds.observe({ provider: cfg.default_provider }, t.responseMs / 1000);
        metrics.providerLatencySeconds.observe({ provider: cfg.default_provider }, t.providerMs / 1000);
        metrics.engineOverheadSeconds.observe(t.engineMs / 1000);
      },
      bargeIn: (ms) => metrics.bargeInSeconds.observe(ms / 1000),
      cleanupFailure: (what) => metrics.cleanupFailures.inc({ resource: what }),
    },
  });

  if (!opts.skipSweep) await manager.sweep();

  const events = new AriEventStream({
    url: cfg.ari.url,
    username: cfg.ari.username,
    password: cfg.ari.password,
    app: cfg.ari.app,
    reconnect: { minMs: cfg.ari.reconnect.min_ms, maxMs: cfg.ari.reconnect.max_ms },
    pingIntervalMs: cfg.ari.ping_interval_ms,
    logger,
    metrics,
  });
  events.on('event', (ev) => {
    try {
      manager.handleEvent(ev);
    } catch (err) {
      logger.error({ err, type: ev.type }, 'event handler failed');
    }
  });
  events.on('connected', (info) => {
    if (info.reconnect) void manager.reconcile();
  });
  events.start();
  await events.waitConnected(cfg.timeouts.ari_request_ms * 2);

  const health = new HealthServer({
    logger,
    registry: metrics.registry,
    host: cfg.http.host,
    port: cfg.http.port,
    checks: {
      ari: ariConnectedCheck(events),
      audiosocket: audioSocketListeningCheck(audio),
      provider: providerAvailableCheck(primary),
    },
  });
  await health.listen();

  let closed: Promise<void> | null = null;
  const close = () =>
    (closed ??= (async () => {
      await Promise.all([...manager.calls].map((s) => s.end('engine closing')));
      await events.close();
      await audio.close();
      await health.close();
      ticker.stop();
    })());

  return {
    config: cfg,
    manager,
    metrics,
    audio,
    ari,
    events,
    health,
    media,
    onCallEnded(l) {
      endedListeners.add(l);
      return () => endedListeners.delete(l);
    },
    async drain(timeoutMs = cfg.drain_timeout_ms) {
      await manager.drain(timeoutMs);
      await close();
    },
    close,
  };
}

function buildProviders(cfg: EngineConfig, logger: Logger, scripted?: Partial<ScriptedProviderOptions>): Record<string, Provider> {
  const root = cfg.source ? dirname(resolve(cfg.source)) : process.cwd();
  const out: Record<string, Provider> = {
    scripted: createScriptedProvider({
      rootDir: repoRoot(),
      scriptPath: cfg.providers.scripted.script ? resolve(root, cfg.providers.scripted.script) : undefined,
      logger,
      ...scripted,
    }),
  };
  const dg = cfg.providers.deepgram;
  out.deepgram = createDeepgramProvider(
    {
      apiKey: cfg.secrets?.deepgram_api_key,
      baseUrl: dg.url,
      listenModel: dg.listen_model,
      thinkProvider: dg.think_provider,
      thinkModel: dg.think_model,
      speakModel: dg.speak_model,
      greeting: dg.greeting,
      instructions: dg.instructions,
      keepAliveMs: dg.keepalive_ms,
      connectTimeoutMs: cfg.timeouts.provider_connect_ms,
    },
    { logger },
  );
  return out;
}

/** The call's provider (a per-call choice, else default_provider), then its configured fallback. */
function providerChain(cfg: EngineConfig, providers: Record<string, Provider>, requested?: string): Provider[] {
  const name = requested ?? cfg.default_provider;
  const chain = [providers[name]];
  const fb = name === 'deepgram' ? cfg.providers.deepgram.fallback_provider : undefined;
  if (fb && providers[fb] && fb !== name) chain.push(providers[fb]);
  return chain;
}

/** `provider=<name>` among the Stasis arguments; an unknown name is logged and ignored. */
export function requestedProvider(args: string[], providers: Record<string, Provider>, logger: Logger, channelId: string): string | undefined {
  const arg = args.find((a) => a.startsWith('provider='));
  if (!arg) return undefined;
  const name = arg.slice('provider='.length);
  if (providers[name]) return name;
  logger.warn({ channelId, provider: name, known: Object.keys(providers) }, 'unknown provider requested in Stasis args; using default_provider');
  return undefined;
}

/** The repository root (engine/..), for default scripts and fixtures. */
export function repoRoot(): string {
  return resolve(dirname(new URL(import.meta.url).pathname), '..');
}

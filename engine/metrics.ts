/**
 * The engine's Prometheus metrics, in a Registry of their own (no global state, so tests and
 * several engines in one process do not collide). Names carry the `ai_agent_` prefix.
 *
 * Hot-path counters (frames) are incremented once per pacer tick with a batch count, not once
 * per frame, by their callers.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

export interface EngineMetrics {
  registry: Registry;
  /** Calls in progress. */
  activeCalls: Gauge<never>;
  /** Calls started, by audio transport (audiosocket|legacy) and fallback (none or what was used). */
  callsTotal: Counter<'transport' | 'fallback'>;
  /** Callers turned away, by reason (max_calls | draining). */
  callsRefused: Counter<'reason'>;
  /** From AudioSocket accept to the UUID frame binding the connection to a call. */
  bindSeconds: Histogram<never>;
  /** AudioSocket frames received from Asterisk (audio and DTMF). */
  framesIn: Counter<never>;
  /** AudioSocket frames sent to Asterisk, by kind (audio|silence). */
  framesOut: Counter<'kind'>;
  /** Frames not sent, by reason (backpressure: the socket's write buffer was full). */
  droppedFrames: Counter<'reason'>;
  /** AudioSocket connections refused, by stable error code (AS_ERR_*). */
  audiosocketRefused: Counter<'code'>;
  /** Reconnections of the ARI events WebSocket. */
  ariReconnects: Counter<never>;
  /** Teardown steps that failed (channel hangup, bridge destroy, file delete...), by resource. */
  cleanupFailures: Counter<'resource'>;
  /** Time to open a provider session, by provider. */
  providerConnectSeconds: Histogram<'provider'>;
  /** From the end of the caller's turn to the first agent audio heard (the response time), by provider. */
  turnLatencySeconds: Histogram<'provider'>;
  /** From the end of the caller's turn to the provider's first audio, by provider. */
  providerLatencySeconds: Histogram<'provider'>;
  /** From the provider's first audio to the caller hearing it: what the engine adds. */
  engineOverheadSeconds: Histogram<never>;
  /** From the caller starting to speak over the agent to the agent's audio stopping. */
  bargeInSeconds: Histogram<never>;
}

export interface CreateMetricsOptions {
  /** Node process metrics (CPU, memory, event loop lag). Default true. */
  defaultMetrics?: boolean;
}

export function createMetrics(options: CreateMetricsOptions = {}): EngineMetrics {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: 'ai_agent_' });
  const registers = [registry];
  const latencyBuckets = [0.1, 0.25, 0.5, 0.75, 1, 1.5, 2, 3, 5, 10];
  return {
    registry,
    activeCalls: new Gauge({ name: 'ai_agent_active_calls', help: 'Calls in progress', registers }),
    callsTotal: new Counter({
      name: 'ai_agent_calls_total',
      help: 'Calls started, by audio transport and by fallback used (none if none)',
      labelNames: ['transport', 'fallback'],
      registers,
    }),
    bindSeconds: new Histogram({
      name: 'ai_agent_audiosocket_bind_seconds',
      help: 'Time from AudioSocket accept to the UUID frame binding it to a call',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2],
      registers,
    }),
    callsRefused: new Counter({ name: 'ai_agent_calls_refused_total', help: 'Callers turned away (max_calls, draining)', labelNames: ['reason'], registers }),
    framesIn: new Counter({ name: 'ai_agent_audiosocket_frames_in_total', help: 'AudioSocket frames received', registers }),
    framesOut: new Counter({
      name: 'ai_agent_audiosocket_frames_out_total',
      help: 'AudioSocket frames sent, by kind (audio or silence)',
      labelNames: ['kind'],
      registers,
    }),
    droppedFrames: new Counter({
      name: 'ai_agent_audiosocket_dropped_frames_total',
      help: 'AudioSocket frames dropped instead of sent, by reason',
      labelNames: ['reason'],
      registers,
    }),
    audiosocketRefused: new Counter({
      name: 'ai_agent_audiosocket_refused_total',
      help: 'AudioSocket connections refused, by error code',
      labelNames: ['code'],
      registers,
    }),
    ariReconnects: new Counter({ name: 'ai_agent_ari_reconnects_total', help: 'ARI events WebSocket reconnections', registers }),
    cleanupFailures: new Counter({
      name: 'ai_agent_cleanup_failures_total',
      help: 'Call teardown steps that failed, by resource',
      labelNames: ['resource'],
      registers,
    }),
    providerConnectSeconds: new Histogram({
      name: 'ai_agent_provider_connect_seconds',
      help: 'Time to open a provider session',
      labelNames: ['provider'],
      buckets: latencyBuckets,
      registers,
    }),
    turnLatencySeconds: new Histogram({
      name: 'ai_agent_turn_latency_seconds',
      help: "From the end of the caller's turn to the first agent audio heard",
      labelNames: ['provider'],
      buckets: latencyBuckets,
      registers,
    }),
    providerLatencySeconds: new Histogram({
      name: 'ai_agent_provider_latency_seconds',
      help: "From the end of the caller's turn to the provider's first audio",
      labelNames: ['provider'],
      buckets: latencyBuckets,
      registers,
    }),
    engineOverheadSeconds: new Histogram({
      name: 'ai_agent_engine_overhead_seconds',
      help: "From the provider's first audio to the caller hearing it",
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
      registers,
    }),
    bargeInSeconds: new Histogram({
      name: 'ai_agent_barge_in_seconds',
      help: "From caller speech over the agent to the agent's audio stopping",
      buckets: [0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1, 2],
      registers,
    }),
  };
}

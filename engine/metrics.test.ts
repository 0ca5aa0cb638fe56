import { describe, expect, it } from 'vitest';
import { createMetrics } from './metrics.js';

describe('createMetrics', () => {
  it('exposes every engine metric in Prometheus text', async () => {
    const m = createMetrics({ defaultMetrics: false });
    m.activeCalls.set(3);
    m.callsTotal.inc({ transport: 'audiosocket', fallback: 'none' });
    m.callsTotal.inc({ transport: 'legacy', fallback: 'scripted' }, 2);
    m.bindSeconds.observe(0.012);
    m.framesIn.inc(50);
    m.framesOut.inc({ kind: 'silence' }, 7);
    m.droppedFrames.inc({ reason: 'backpressure' });
    m.audiosocketRefused.inc({ code: 'AS_ERR_UNKNOWN_UUID' });
    m.ariReconnects.inc();
    m.cleanupFailures.inc({ resource: 'bridge' });
    m.providerConnectSeconds.observe({ provider: 'deepgram' }, 0.3);
    m.turnLatencySeconds.observe({ provider: 'scripted' }, 0.8);
    m.bargeInSeconds.observe(0.2);
    const text = await m.registry.metrics();
    expect(text).toContain('ai_agent_active_calls 3');
    expect(text).toContain('ai_agent_calls_total{transport="audiosocket",fallback="none"} 1');
    expect(text).toContain('ai_agent_calls_total{transport="legacy",fallback="scripted"} 2');
    expect(text).toContain('ai_agent_audiosocket_bind_seconds_count 1');
    expect(text).toContain('ai_agent_audiosocket_frames_in_total 50');
    expect(text).toContain('ai_agent_audiosocket_frames_out_total{kind="silence"} 7');
    expect(text).toContain('ai_agent_audiosocket_dropped_frames_total{reason="backpressure"} 1');
    expect(text).toContain('ai_agent_audiosocket_refused_total{code="AS_ERR_UNKNOWN_UUID"} 1');
    expect(text).toContain('ai_agent_ari_reconnects_total 1');
    expect(text).toContain('ai_agent_cleanup_failures_total{resource="bridge"} 1');
    expect(text).toContain('ai_agent_provider_connect_seconds_count{provider="deepgram"} 1');
    expect(text).toContain('ai_agent_turn_latency_seconds_count{provider="scripted"} 1');
    expect(text).toContain('ai_agent_barge_in_seconds_count 1');
  });

  it('keeps registries apart, so two engines in one process do not collide', async () => {
    const a = createMetrics({ defaultMetrics: false });
    const b = createMetrics({ defaultMetrics: false });
    a.ariReconnects.inc(5);
    expect(await b.registry.metrics()).toContain('ai_agent_ari_reconnects_total 0');
  });

  it('adds process metrics when asked', async () => {
    const m = createMetrics({ defaultMetrics: true });
    expect(await m.registry.metrics()).toContain('ai_agent_process_cpu_user_seconds_total');
  });
});

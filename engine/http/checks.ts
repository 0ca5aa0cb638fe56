/**
 * The engine's standard readiness checks, built from the objects they watch. Structural types
 * keep this file free of the modules it checks.
 */
import type { CheckResult, ReadinessCheck } from './server.js';

/** Ready while the ARI events WebSocket is connected (calls cannot start without it). */
export function ariConnectedCheck(stream: { readonly connected: boolean }): ReadinessCheck {
  return (): CheckResult => (stream.connected ? { ok: true } : { ok: false, reason: 'ARI events WebSocket not connected' });
}

/** Ready while the AudioSocket server accepts connections. */
export function audioSocketListeningCheck(server: { readonly listening: boolean }): ReadinessCheck {
  return (): CheckResult => (server.listening ? { ok: true } : { ok: false, reason: 'AudioSocket server not listening' });
}

/** Ready while the provider could open a session (e.g. its API key is present). */
export function providerAvailableCheck(provider: {
  readonly name: string;
  availability(): { ok: true } | { ok: false; reason: string };
}): ReadinessCheck {
  return (): CheckResult => {
    const a = provider.availability();
    return a.ok ? { ok: true } : { ok: false, reason: `provider ${provider.name} unavailable: ${a.reason}` };
  };
}

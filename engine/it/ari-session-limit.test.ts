/**
 * Asterisk's HTTP server serves `sessionlimit` connections at once (100 by default, the events
 * WebSocket included) and closes any beyond it unanswered. When many calls end together the
 * engine sends a burst of cleanup requests; with one connection per request, those over the
 * limit failed and left channels and bridges on the PBX (seen on Asterisk 22: 300 calls hung up
 * at once left 850 channels and 251 bridges). The client keeps its requests in flight under
 * `ari.max_concurrent_requests`.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { AriClient } from '../ari/client.js';
import { startSimulator, type Simulator } from '../../simulator/main.js';

describe('ARI requests against the PBX HTTP session limit', () => {
  let sim: Simulator | undefined;
  afterEach(async () => {
    await sim?.close();
    sim = undefined;
  });

  async function burst(maxConcurrentRequests: number): Promise<{ ok: number; failed: string[] }> {
    sim = await startSimulator({ port: 0, sessionLimit: 10 });
    const client = new AriClient({ url: sim.url, username: sim.username, password: sim.password, maxConcurrentRequests });
    const results = await Promise.allSettled(Array.from({ length: 60 }, () => client.asterisk.info()));
    const failed = results.flatMap((r) => (r.status === 'rejected' ? [(r.reason as Error).message] : []));
    return { ok: results.length - failed.length, failed };
  }

  it('a burst of 60 requests all succeed when the client keeps under the limit', async () => {
    const { ok, failed } = await burst(5);
    expect(failed).toEqual([]);
    expect(ok).toBe(60);
  });

  it('without that bound, requests over the limit fail (what the bound prevents)', async () => {
    const { failed } = await burst(60);
    expect(failed.length).toBeGreaterThan(0);
    expect(failed[0]).toMatch(/UND_ERR_SOCKET|ECONNRESET|other side closed|socket/i);
  });
});

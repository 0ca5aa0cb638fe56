/**
 * The SDK reconnects by itself unless told not to, 1 to 5 s after a loss (a random delay), and
 * a reconnect would be a new agent conversation that the call session never asked for. This file
 * waits out that delay once, for a dropped session and a refused key at the same time.
 */
import { pino } from 'pino';
import { afterAll, expect, it } from 'vitest';
import { startFakeDeepgramAgent } from '../../simulator/deepgram/fake-agent.js';
import { createDeepgramProvider } from './deepgram.js';
import type { ProviderEvent } from './types.js';

const SDK_LONGEST_FIRST_RETRY_MS = 5_000;
const fakePromise = startFakeDeepgramAgent({ behaviour: { disconnectAfterMs: 50 } });
afterAll(async () => (await fakePromise).close());

it('neither a dropped session nor a refused key is retried', { timeout: 10_000 }, async () => {
  const fake = await fakePromise;
  const logger = pino({ level: 'silent' });
  const format = { encoding: 'linear16', sampleRate: 8000 } as const;
  const events: ProviderEvent[] = [];
  await createDeepgramProvider({ apiKey: fake.apiKey, baseUrl: fake.url }).openSession({ callId: 'a', format, logger, onEvent: (e) => events.push(e) });
  const refused = createDeepgramProvider({ apiKey: 'wrong', baseUrl: fake.url }).openSession({ callId: 'b', format, logger, onEvent: () => undefined });
  await expect(refused).rejects.toMatchObject({ code: 'DEEPGRAM_AUTH_REJECTED' });
  await fake.waitFor(() => events.some((e) => e.type === 'closed'));

  await new Promise((r) => setTimeout(r, SDK_LONGEST_FIRST_RETRY_MS + 300));
  expect(fake.sessions).toHaveLength(1);
  expect(fake.rejected).toHaveLength(1);
});

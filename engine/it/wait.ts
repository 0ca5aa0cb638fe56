/** Bounded waiting for the integration tests: poll a condition, never sleep on hope. */
import { performance } from 'node:perf_hooks';

/** Resolves as soon as `check` holds; throws naming `what` once `timeoutMs` has passed. */
export async function eventually(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(20);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Small network helpers for tests, the acceptance suite and the benchmarks. */
import { createServer, type AddressInfo } from 'node:net';

/** A port nothing listens on right now (ours to use next, or to point something at). */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, host, () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/**
 * A raw TCP client for the engine's AudioSocket port: sends bytes that are not Asterisk's and
 * reports how the engine ended the connection.
 */
import { connect } from 'node:net';
import { performance } from 'node:perf_hooks';

export interface ProbeResult {
  /** "127.0.0.1:<our port>": what the engine logs as the connection's remote. */
  remote: string;
  /** ms from connect to close. */
  closedAfterMs: number;
  bytesReceived: number;
  /** The socket error that ended it, if any (e.g. ECONNRESET when the engine destroyed it). */
  error?: string;
}

export interface ProbeOptions {
  /** Written one after the other, each as its own write. */
  chunks?: Buffer[];
  /** Give up (and fail the probe) if the engine has not closed the connection by then. */
  timeoutMs?: number;
}

/** Connects, writes the chunks, and resolves when the engine closes the connection. */
export function probe(port: number, opts: ProbeOptions = {}): Promise<ProbeResult> {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const socket = connect({ host: '127.0.0.1', port });
    let remote = '';
    let bytesReceived = 0;
    let error: string | undefined;
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`connection ${remote} still open after ${timeoutMs} ms`));
    }, timeoutMs);
    socket.on('connect', () => {
      remote = `127.0.0.1:${socket.localPort}`;
      for (const c of opts.chunks ?? []) socket.write(c);
    });
    socket.on('data', (d: Buffer) => {
      bytesReceived += d.length;
    });
    // The engine ends with FIN or RST; answer a FIN with ours so the socket closes.
    socket.on('end', () => socket.end());
    socket.on('error', (err: NodeJS.ErrnoException) => {
      error = err.code ?? err.message;
    });
    socket.on('close', () => {
      clearTimeout(timer);
      if (remote === '') return reject(new Error(`could not connect: ${error}`));
      resolve({ remote, closedAfterMs: performance.now() - t0, bytesReceived, error });
    });
  });
}

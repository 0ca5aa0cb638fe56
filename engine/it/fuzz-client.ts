/**
 * Throws fuzz streams at an AudioSocket server over real TCP: one connection per stream, a
 * bounded number at a time, and an account of how each connection ended.
 */
import { connect } from 'node:net';
import type { FuzzStream } from './fuzz-streams.js';

export interface FuzzTally {
  streams: number;
  /** Connections the server closed (FIN or RST) within the deadline. */
  closed: number;
  /** Still open at the deadline: the server never closed them (each one is a failure). */
  leftOpen: Array<{ kind: string; port: number }>;
  /** Could not connect at all (the test's side ran out of something, or the server refused). */
  connectFailed: Record<string, number>;
  /** How the server ended them: 'fin', or the socket error code (ECONNRESET, EPIPE...). */
  endings: Record<string, number>;
  byKind: Record<string, number>;
}

export function emptyTally(): FuzzTally {
  return { streams: 0, closed: 0, leftOpen: [], connectFailed: {}, endings: {}, byKind: {} };
}

export interface FuzzRunOptions {
  port: number;
  count: number;
  concurrency: number;
  next(): FuzzStream;
  /** A connection the server has not closed by then counts as left open. */
  closeDeadlineMs: number;
  tally: FuzzTally;
}

/** Runs `count` streams, `concurrency` at a time; resolves when every connection has ended. */
export async function runStreams(opts: FuzzRunOptions): Promise<void> {
  let started = 0;
  const worker = async (): Promise<void> => {
    while (started < opts.count) {
      started++;
      await oneStream(opts.port, opts.next(), opts.closeDeadlineMs, opts.tally);
    }
  };
  await Promise.all(Array.from({ length: Math.min(opts.concurrency, opts.count) }, worker));
}

function oneStream(port: number, stream: FuzzStream, deadlineMs: number, tally: FuzzTally): Promise<void> {
  tally.streams++;
  tally.byKind[stream.kind] = (tally.byKind[stream.kind] ?? 0) + 1;
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port, noDelay: true });
    let connected = false;
    let error: string | undefined;
    let timer: NodeJS.Timeout | undefined;
    let timedOut = false;
    socket.on('connect', () => {
      connected = true;
      for (const c of stream.chunks) socket.write(c);
      if (stream.end) socket.end();
      timer = setTimeout(() => {
        timedOut = true;
        tally.leftOpen.push({ kind: stream.kind, port: socket.localPort ?? 0 });
        socket.destroy();
      }, deadlineMs);
    });
    // The server's silence frames are read and dropped.
    socket.on('data', () => undefined);
    socket.on('end', () => socket.end());
    socket.on('error', (err: NodeJS.ErrnoException) => {
      error ??= err.code ?? err.message;
    });
    socket.on('close', () => {
      if (timer) clearTimeout(timer);
      if (!connected) {
        const code = error ?? 'unknown';
        tally.connectFailed[code] = (tally.connectFailed[code] ?? 0) + 1;
      } else if (!timedOut) {
        tally.closed++;
        const how = error ?? 'fin';
        tally.endings[how] = (tally.endings[how] ?? 0) + 1;
      }
      resolve();
    });
  });
}

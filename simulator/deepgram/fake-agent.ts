/**
 * A fake Deepgram Voice Agent service over a real socket, for offline tests of the Deepgram
 * provider: the same URL path, authentication and message flow as wss://agent.deepgram.com, on
 * 127.0.0.1. Point the SDK at it with `new DeepgramClient({ apiKey, baseUrl: fake.url })`.
 *
 * The HTTP upgrade is answered here (path, then `Authorization: Token <key>`), the way the service
 * refuses before any WebSocket exists: 404 for another path, 401 for a missing or wrong key.
 * Each accepted connection is a FakeAgentSession (fake-agent-session.ts).
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { pino } from 'pino';
import { WebSocketServer } from 'ws';
import { FakeAgentSession, type FakeAgentBehaviour, type FakeAgentSessionRecord } from './fake-agent-session.js';

export const AGENT_PATH = '/v1/agent/converse';

export interface FakeDeepgramAgentOptions {
  /** Default 0 (any free port). */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** The key clients must present. Default 'test-key'. */
  apiKey?: string;
  behaviour?: FakeAgentBehaviour;
  logger?: Logger;
}

export interface FakeDeepgramAgent {
  /** ws://host:port: the SDK's `baseUrl`. */
  readonly url: string;
  readonly port: number;
  readonly apiKey: string;
  /** Applies to connections accepted from now on. */
  behaviour: FakeAgentBehaviour;
  /** Every accepted connection, in order. */
  readonly sessions: readonly FakeAgentSessionRecord[];
  /** Upgrades refused before a WebSocket existed. */
  readonly rejected: readonly { atMs: number; status: number; path: string }[];
  /** Resolves when `predicate` holds (checked every 10 ms); rejects after `timeoutMs`. */
  waitFor(predicate: () => boolean, timeoutMs?: number): Promise<void>;
  /** Cuts every open connection at the TCP level (no close frame). */
  dropAll(): void;
  close(): Promise<void>;
}

export async function startFakeDeepgramAgent(options: FakeDeepgramAgentOptions = {}): Promise<FakeDeepgramAgent> {
  const host = options.host ?? '127.0.0.1';
  const apiKey = options.apiKey ?? 'test-key';
  const log = (options.logger ?? pino({ level: 'silent' })).child({ component: 'fake-deepgram' });
  const startedAt = performance.now();
  const sessions: FakeAgentSession[] = [];
  const records: FakeAgentSessionRecord[] = [];
  const rejected: { atMs: number; status: number; path: string }[] = [];
  const wss = new WebSocketServer({ noServer: true });
  const server = createServer((_req, res) => {
    res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ err_code: 'NOT_FOUND', err_msg: 'Not found' }));
  });

  const agent: FakeDeepgramAgent = {
    url: '',
    port: 0,
    apiKey,
    behaviour: options.behaviour ?? {},
    sessions: records,
    rejected,
    waitFor: (predicate, timeoutMs = 3_000) => waitFor(predicate, timeoutMs),
    dropAll: () => sessions.forEach((s) => s.terminate()),
    close: async () => {
      sessions.forEach((s) => s.terminate());
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = new URL(req.url ?? '/', 'http://fake').pathname;
    const refuse = (status: number, errCode: string, message: string): void => {
      rejected.push({ atMs: performance.now() - startedAt, status, path });
      log.debug({ status, path }, 'fake deepgram refused an upgrade');
      const body = JSON.stringify({ err_code: errCode, err_msg: message });
      socket.end(
        `HTTP/1.1 ${status} ${status === 401 ? 'Unauthorized' : 'Not Found'}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
    };
    if (path !== AGENT_PATH) return refuse(404, 'NOT_FOUND', `no service at ${path}`);
    const authorization = req.headers.authorization;
    if (agent.behaviour.rejectAuth || authorization !== `Token ${apiKey}`) {
      return refuse(401, 'INVALID_AUTH', 'Invalid credentials.');
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const session = new FakeAgentSession(ws, records.length + 1, authorization, agent.behaviour, log);
      sessions.push(session);
      records.push(session.record);
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return Object.assign(agent, { url: `ws://${host}:${port}`, port });
}

async function waitFor(predicate: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!predicate()) {
    if (performance.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/**
 * The simulator's HTTP front: ARI REST and api-docs under /ari, the events WebSocket at
 * /ari/events, and the control API under /_sim, on one node:http server. Everything here is
 * I/O: reading bodies, delaying answers on request, streaming files; the decisions are in
 * RestHandler, EventHub and handleControl.
 */
import { createReadStream } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import pino, { type Logger } from 'pino';
import type { Pbx } from '../core/api.js';
import { AriFaults } from './ari-faults.js';
import type { AriCredentials } from './auth.js';
import { ControlApi } from './control.js';
import { EventHub } from './event-hub.js';
import { EventSockets } from './event-socket.js';
import { ARI_RESOURCES } from './resources/index.js';
import { errorResponse, RestHandler, type RestRequest, type RestResponse } from './rest-handler.js';

/** Asterisk's HTTP server caps request bodies; this is generous for ARI's small JSON bodies. */
const MAX_BODY_BYTES = 1024 * 1024;

export interface AriServerOptions {
  pbx: Pbx;
  credentials: AriCredentials;
  /** Defaults to 127.0.0.1. */
  host?: string;
  /** Defaults to 8088; 0 picks a free port. */
  port?: number;
  logger?: Logger;
  /** Serve /_sim (default true). */
  control?: boolean;
  /**
   * Connections served at once, WebSockets included (http.conf sessionlimit, default 100 as in
   * Asterisk); one beyond it is closed without an answer.
   */
  sessionLimit?: number;
}

/** Asterisk's default http.conf sessionlimit (main/http.c). */
export const DEFAULT_SESSION_LIMIT = 100;

export interface AriServer {
  /** e.g. http://127.0.0.1:8088 (what ari-client's connect() takes). */
  readonly url: string;
  /** e.g. http://127.0.0.1:8088/ari */
  readonly ariUrl: string;
  readonly host: string;
  readonly port: number;
  readonly faults: AriFaults;
  readonly hub: EventHub;
  /** The node:http server itself (tests observe requests and answers on it). */
  readonly http: Server;
  /** Drops events sockets owning any of `apps` (all when empty); returns how many. */
  dropEventSockets(apps?: readonly string[], abrupt?: boolean): number;
  close(): Promise<void>;
}

export async function startAriServer(options: AriServerOptions): Promise<AriServer> {
  const logger = (options.logger ?? pino({ level: 'silent' })).child({ component: 'ari' });
  const { pbx, credentials } = options;
  const faults = new AriFaults();
  const hub = new EventHub(pbx);
  const sockets = new EventSockets({ hub, credentials, faults, logger });
  const rest = new RestHandler({
    pbx,
    credentials,
    resources: ARI_RESOURCES,
    onInternalError: (err, req) => logger.error({ err, method: req.method, path: pathOnly(req.url) }, 'ARI handler failed'),
  });
  const controlEnabled = options.control ?? true;
  const control = new ControlApi(
    {
      pbx,
      credentials,
      hub,
      ariFaults: faults,
      dropEventSockets: (apps, abrupt) => sockets.drop(apps, abrupt),
      eventSocketCount: () => sockets.count,
    },
    (err) => logger.error({ err }, 'control handler failed'),
  );
  const unsubscribe = pbx.onEvent((event, route) => hub.deliver(event, route));

  const server: Server = createServer((req, res) => {
    void serve(req, res).catch((err: unknown) => {
      logger.error({ err }, 'request failed');
      if (!res.headersSent) send(res, errorResponse(500, 'Internal Server Error'));
      else res.destroy();
    });
  });
  // Asterisk keeps an idle HTTP connection 15 s (http.conf session_keep_alive, main/http.c
  // DEFAULT_SESSION_KEEP_ALIVE), Node 5 s. With Node's, a keep-alive client that waited ~5 s
  // could send its next request on a connection just being closed ("socket hang up"), which a
  // client of Asterisk would not see after the same wait.
  server.keepAliveTimeout = 15_000;
  // Asterisk accepts a connection over its sessionlimit and closes it at once, unanswered: a
  // client sees "other side closed". Measured on Asterisk 22 with the default limit of 100 and
  // one events WebSocket open: of 130 more connections 99 were answered, 31 closed.
  const sessionLimit = options.sessionLimit ?? DEFAULT_SESSION_LIMIT;
  let sessions = 0;
  server.on('connection', (socket) => {
    if (sessions >= sessionLimit) {
      socket.destroy();
      return;
    }
    sessions++;
    socket.once('close', () => sessions--);
  });

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = pathOnly(req.url ?? '/');
    const isAri = path === '/ari' || path.startsWith('/ari/');
    const isControl = controlEnabled && (path === '/_sim' || path.startsWith('/_sim/'));
    if (!isAri && !isControl) {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('Not Found\n');
      return;
    }
    const body = await readBody(req);
    if (body === undefined) {
      send(res, errorResponse(413, 'Request body too large'));
      return;
    }
    const request: RestRequest = {
      method: req.method ?? 'GET',
      url: req.url ?? '/',
      headers: {
        host: req.headers.host,
        authorization: req.headers.authorization,
        'content-type': req.headers['content-type'],
      },
      body,
    };
    if (isControl) {
      send(res, control.handle(request));
      return;
    }
    const response = await rest.handle(request);
    logger.debug({ method: request.method, path, status: response.status }, 'ARI request');
    const delay = faults.responseDelayMs;
    if (delay > 0) await sleep(delay);
    send(res, response);
  }

  server.on('upgrade', (req, socket, head) => {
    if (pathOnly(req.url ?? '/') === '/ari/events') {
      sockets.handleUpgrade(req, socket, head);
    } else {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    }
  });

  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 8088, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  logger.info({ url }, 'ARI listening');

  let closing: Promise<void> | undefined;
  return {
    url,
    ariUrl: `${url}/ari`,
    host,
    port,
    faults,
    hub,
    http: server,
    dropEventSockets: (apps = [], abrupt = true) => sockets.drop(apps, abrupt),
    close() {
      closing ??= new Promise<void>((resolve) => {
        unsubscribe();
        sockets.close();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

function pathOnly(url: string): string {
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
}

async function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  let tooLarge = false;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) tooLarge = true; // keep reading so the answer can be delivered
    else chunks.push(chunk);
  }
  return tooLarge ? undefined : Buffer.concat(chunks);
}

function send(res: ServerResponse, response: RestResponse): void {
  const headers: Record<string, string> = { 'Cache-Control': 'no-cache, no-store', ...response.headers };
  if (response.file) {
    const { path, contentType } = response.file;
    const stream = createReadStream(path);
    stream.once('open', () => {
      res.writeHead(200, { ...headers, 'Content-Type': contentType });
      stream.pipe(res);
    });
    stream.once('error', () => {
      if (!res.headersSent) send(res, errorResponse(403, 'The recording file could not be opened'));
      else res.destroy();
    });
    return;
  }
  if (response.json === undefined) {
    res.writeHead(response.status, headers).end();
    return;
  }
  const body = JSON.stringify(response.json);
  res
    .writeHead(response.status, {
      ...headers,
      'Content-Type': 'application/json',
      'Content-Length': String(Buffer.byteLength(body)),
    })
    .end(body);
}

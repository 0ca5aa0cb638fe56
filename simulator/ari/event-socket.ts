/**
 * The `/ari/events` WebSocket: authenticates the upgrade like any ARI request (401 with
 * Asterisk's JSON body), requires `app`, then hands the socket to the EventHub. Pings are
 * answered by `ws` itself. While the "refuse event sockets" fault is on, upgrades are reset
 * at the TCP level, as a client sees an Asterisk that is restarting.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { WebSocket, WebSocketServer } from 'ws';
import type { AriFaults } from './ari-faults.js';
import { AUTH_REALM, isAuthorized, type AriCredentials } from './auth.js';
import type { EventHub, EventSubscriber } from './event-hub.js';
import { Params } from './params.js';

export interface EventSocketOptions {
  hub: EventHub;
  credentials: AriCredentials;
  faults: AriFaults;
  logger: Logger;
}

export class EventSockets {
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly sockets = new Map<WebSocket, EventSubscriber>();

  constructor(private readonly options: EventSocketOptions) {}

  /** Handles an HTTP upgrade for `/ari/events`; the caller has checked the path. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const params = new Params(url.searchParams);
    if (!isAuthorized(this.options.credentials, req.headers.authorization, params.str('api_key'))) {
      rejectUpgrade(socket, 401, 'Unauthorized', 'Authentication required', {
        'WWW-Authenticate': `Basic realm="${AUTH_REALM}"`,
      });
      return;
    }
    if (this.options.faults.eventSocketsRefused()) {
      this.options.logger.info({ fault: 'refuse-event-sockets' }, 'events websocket refused by fault');
      socket.destroy();
      return;
    }
    const apps = params.list('app');
    if (apps.length === 0) {
      rejectUpgrade(socket, 400, 'Bad Request', "Missing param 'app'");
      return;
    }
    const subscribeAll = params.bool('subscribeAll') ?? false;
    this.wss.handleUpgrade(req, socket, head, (ws) => this.attach(ws, apps, subscribeAll));
  }

  private attach(ws: WebSocket, apps: string[], subscribeAll: boolean): void {
    const log = this.options.logger.child({ apps, subscribeAll });
    const subscriber: EventSubscriber = {
      send: (json) => {
        if (ws.readyState === WebSocket.OPEN) ws.send(json);
      },
    };
    this.sockets.set(ws, subscriber);
    this.options.hub.attach(subscriber, apps, subscribeAll);
    log.info('events websocket connected');
    ws.on('error', (err) => log.warn({ err }, 'events websocket error'));
    ws.on('close', (code) => {
      this.sockets.delete(ws);
      this.options.hub.detach(subscriber);
      log.info({ code }, 'events websocket closed');
    });
  }

  /**
   * Drops the sockets owning any of `apps` (all when empty). `abrupt` resets the TCP
   * connection without a close frame (a crash or network cut); otherwise a 1001 "going away"
   * close is sent first. Returns how many were dropped.
   */
  drop(apps: readonly string[], abrupt: boolean): number {
    const targets = new Set(this.options.hub.subscribersFor(apps));
    let dropped = 0;
    for (const [ws, subscriber] of this.sockets) {
      if (!targets.has(subscriber)) continue;
      dropped++;
      if (abrupt) ws.terminate();
      else ws.close(1001, 'going away');
    }
    return dropped;
  }

  get count(): number {
    return this.sockets.size;
  }

  close(): void {
    for (const ws of this.sockets.keys()) ws.terminate();
    this.wss.close();
  }
}

function rejectUpgrade(socket: Duplex, status: number, text: string, message: string, headers: Record<string, string> = {}): void {
  const body = JSON.stringify({ message });
  const lines = [
    `HTTP/1.1 ${status} ${text}`,
    'Content-Type: application/json',
    `Content-Length: ${Buffer.byteLength(body)}`,
    'Connection: close',
    ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
  ];
  socket.end(`${lines.join('\r\n')}\r\n\r\n${body}`);
}

/**
 * A pass-through HTTP proxy between the engine and the PBX's ARI: the engine's ari.url points
 * here. It records every REST request the engine makes (`the engine's ARI requests include ...`)
 * and lets a scenario change one on its way, which works the same in front of the simulator and
 * of a real Asterisk:
 *
 *  - rewrite it (point the externalMedia leg at a closed port),
 *  - hold it for a while (the caller hangs up while the engine waits for Asterisk),
 *  - run something first (remove a media file before Asterisk is asked to play it).
 *
 * The events WebSocket is tunnelled untouched (the HTTP upgrade and then raw bytes).
 */
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';

export interface TappedRequest {
  /** performance.now() when the request arrived. */
  at: number;
  method: string;
  /** Path under /ari, without the query: /channels/abc/play */
  path: string;
  /** Query parameters (the engine sends its parameters here); a rule may change them. */
  query: Record<string, string>;
  /** A JSON body, parsed, when there was one. */
  body?: unknown;
  /** The PBX's answer, once it came. */
  status?: number;
  /** Which rule touched it. */
  rule?: string;
}

export interface TapRule {
  description: string;
  match(req: TappedRequest): boolean;
  /** How many matching requests it applies to (default 1; Infinity for all). */
  times?: number;
  /** Runs before the request is forwarded; may change req.query, wait, or touch files. */
  before?(req: TappedRequest): Promise<void> | void;
}

interface ActiveRule extends TapRule {
  left: number;
  applied: number;
}

export class AriTap {
  readonly requests: TappedRequest[] = [];
  /** Rules that failed to do their part: the scenario did not test what it says (hooks.ts fails it). */
  readonly ruleErrors: string[] = [];
  private readonly server: Server;
  private readonly rules: ActiveRule[] = [];
  private readonly tunnels = new Set<Socket>();
  private readonly target: URL;
  private port = 0;
  private pending = 0;

  private constructor(targetUrl: string) {
    this.target = new URL(targetUrl);
    this.server = createServer((req, res) => void this.forward(req, res));
    this.server.on('upgrade', (req, socket, head) => this.tunnel(req, socket as Socket, head));
  }

  /** Starts a tap on 127.0.0.1 in front of `targetUrl` (the PBX's http://host:port). */
  static async start(targetUrl: string): Promise<AriTap> {
    const tap = new AriTap(targetUrl);
    await new Promise<void>((resolve, reject) => {
      tap.server.once('error', reject);
      tap.server.listen(0, '127.0.0.1', () => resolve());
    });
    tap.port = (tap.server.address() as AddressInfo).port;
    return tap;
  }

  /** What the engine's ari.url is set to. */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  addRule(rule: TapRule): ActiveRule {
    const active: ActiveRule = { ...rule, left: rule.times ?? 1, applied: 0 };
    this.rules.push(active);
    return active;
  }

  /** Requests received and not yet answered (a held one counts until the PBX has answered it). */
  get inFlight(): number {
    return this.pending;
  }

  /** Requests whose method and path match (path: a RegExp or a template with {placeholders}). */
  find(method: string, path: string | RegExp): TappedRequest[] {
    const re = typeof path === 'string' ? pathPattern(path) : path;
    return this.requests.filter((r) => r.method === method && re.test(r.path));
  }

  async close(): Promise<void> {
    for (const s of this.tunnels) s.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async forward(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const bodyBytes = Buffer.concat(chunks);
    const url = new URL(req.url ?? '/', 'http://tap');
    const tapped: TappedRequest = {
      at: performance.now(),
      method: req.method ?? 'GET',
      path: url.pathname.replace(/^\/ari(?=\/)/, ''),
      query: Object.fromEntries(url.searchParams),
    };
    if (bodyBytes.length > 0 && /json/.test(req.headers['content-type'] ?? '')) {
      try {
        tapped.body = JSON.parse(bodyBytes.toString('utf8'));
      } catch {
        // forwarded as it is; the PBX answers a bad body itself
      }
    }
    this.requests.push(tapped);
    this.pending++;
    res.once('close', () => this.pending--);
    for (const rule of this.rules) {
      if (rule.left <= 0 || !rule.match(tapped)) continue;
      rule.left--;
      rule.applied++;
      tapped.rule = rule.description;
      try {
        await rule.before?.(tapped);
      } catch (err) {
        this.ruleErrors.push(`${rule.description}: ${(err as Error).message}`);
      }
    }
    const search = new URLSearchParams(tapped.query).toString();
    const headers = { ...req.headers, host: this.target.host, 'content-length': String(bodyBytes.length) };
    const upstream = httpRequest(
      {
        host: this.target.hostname,
        port: this.target.port,
        method: tapped.method,
        path: `${url.pathname}${search ? `?${search}` : ''}`,
        headers,
      },
      (up) => {
        tapped.status = up.statusCode;
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', (err) => {
      tapped.status = 502;
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ message: `tap: ${err.message}` }));
    });
    upstream.end(bodyBytes);
  }

  private tunnel(req: IncomingMessage, client: Socket, head: Buffer): void {
    const up = connect(Number(this.target.port || 80), this.target.hostname);
    this.tunnels.add(client);
    this.tunnels.add(up);
    const drop = () => {
      client.destroy();
      up.destroy();
      this.tunnels.delete(client);
      this.tunnels.delete(up);
    };
    up.on('error', drop);
    client.on('error', drop);
    up.on('close', drop);
    client.on('close', drop);
    up.on('connect', () => {
      const lines = [`${req.method} ${req.url} HTTP/1.1`];
      for (let i = 0; i < req.rawHeaders.length; i += 2) {
        const [k, v] = [req.rawHeaders[i], req.rawHeaders[i + 1]];
        lines.push(`${k}: ${k.toLowerCase() === 'host' ? this.target.host : v}`);
      }
      up.write(`${lines.join('\r\n')}\r\n\r\n`);
      if (head.length > 0) up.write(head);
      client.pipe(up);
      up.pipe(client);
    });
  }
}

/** `/channels/{id}/play` as a RegExp over whole paths. */
export function pathPattern(template: string): RegExp {
  const escaped = template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+');
  return new RegExp(`^${escaped}$`);
}

/** `POST /channels/{id}/play` → ['POST', '/channels/{id}/play'] */
export function splitRequest(text: string): [string, string] {
  const m = /^([A-Z]+)\s+(\/\S*)$/.exec(text.trim());
  if (!m) throw new Error(`expected "METHOD /path", got ${JSON.stringify(text)}`);
  return [m[1], m[2]];
}

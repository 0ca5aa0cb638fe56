/**
 * Health and metrics over HTTP, bound to 127.0.0.1 by default:
 *   GET /live     200 while the process runs.
 *   GET /ready    200 when every readiness check passes, else 503 with the reasons (JSON).
 *   GET /metrics  Prometheus text from the engine's registry.
 *
 * Checks are injected (ARI connected, AudioSocket listening, provider available...). Their
 * answers are all /ready says: a check that throws or hangs is reported as failed without its
 * error text (which could hold a URL or a key), and known secret values are scrubbed.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';

export type CheckResult = { ok: true } | { ok: false; reason: string };
export type ReadinessCheck = () => boolean | CheckResult | Promise<boolean | CheckResult>;

export interface ReadyBody {
  status: 'ready' | 'not_ready';
  checks: Record<string, CheckResult>;
  /** "name: reason" for each failed check. */
  reasons: string[];
}

export interface HealthServerOptions {
  logger: Logger;
  registry: Registry;
  checks?: Record<string, ReadinessCheck>;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 8091; 0 picks a free port. */
  port?: number;
  /** A check slower than this fails. Default 1000 ms. */
  checkTimeoutMs?: number;
  /** Secret values (passwords, keys) that must never appear in a response. */
  secrets?: string[];
}

export interface ServerAddress {
  host: string;
  port: number;
}

export class HealthServer {
  private readonly server: Server;
  private readonly log: Logger;
  private readonly registry: Registry;
  private readonly checks = new Map<string, ReadinessCheck>();
  private readonly host: string;
  private readonly port: number;
  private readonly checkTimeoutMs: number;
  private readonly secrets: string[];
  private addr: ServerAddress | undefined;

  constructor(options: HealthServerOptions) {
    this.log = options.logger;
    this.registry = options.registry;
    this.host = options.host ?? '127.0.0.1';
    this.port = options.port ?? 8091;
    this.checkTimeoutMs = options.checkTimeoutMs ?? 1000;
    this.secrets = (options.secrets ?? []).filter((s) => s.length >= 3);
    for (const [name, check] of Object.entries(options.checks ?? {})) this.checks.set(name, check);
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        this.log.error({ err, url: req.url }, 'health request failed');
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
        res.end('internal error\n');
      });
    });
  }

  /** Adds or replaces a readiness check. */
  setCheck(name: string, check: ReadinessCheck): void {
    this.checks.set(name, check);
  }

  removeCheck(name: string): void {
    this.checks.delete(name);
  }

  listen(): Promise<ServerAddress> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.port, this.host, () => {
        this.server.off('error', reject);
        const a = this.server.address();
        if (a === null || typeof a === 'string') return reject(new Error('health server has no TCP address'));
        this.addr = { host: a.address, port: a.port };
        this.log.info({ address: this.addr }, 'HTTP health server listening');
        resolve(this.addr);
      });
    });
  }

  address(): ServerAddress | undefined {
    return this.addr;
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (!this.server.listening) return resolve();
      this.server.close(() => resolve());
      this.server.closeIdleConnections();
    });
  }

  /** Runs every check, as /ready does. */
  async readiness(): Promise<ReadyBody> {
    const entries = await Promise.all([...this.checks].map(async ([name, check]) => [name, await this.run(name, check)] as const));
    const checks = Object.fromEntries(entries) as Record<string, CheckResult>;
    const reasons = entries.flatMap(([name, r]) => (r.ok ? [] : [`${name}: ${r.reason}`]));
    return { status: reasons.length === 0 ? 'ready' : 'not_ready', checks, reasons };
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return send(res, req, 405, 'application/json', JSON.stringify({ error: 'method not allowed' }), { allow: 'GET, HEAD' });
    }
    switch (path) {
      case '/live':
        return send(res, req, 200, 'application/json', JSON.stringify({ status: 'live' }));
      case '/ready': {
        const body = await this.readiness();
        return send(res, req, body.status === 'ready' ? 200 : 503, 'application/json', this.scrub(JSON.stringify(body)));
      }
      case '/metrics':
        return send(res, req, 200, this.registry.contentType, await this.registry.metrics());
      default:
        return send(res, req, 404, 'application/json', JSON.stringify({ error: 'not found' }));
    }
  }

  private async run(name: string, check: ReadinessCheck): Promise<CheckResult> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      const timeout = new Promise<CheckResult>((resolve) => {
        timer = setTimeout(() => resolve({ ok: false, reason: `check timed out after ${this.checkTimeoutMs} ms` }), this.checkTimeoutMs);
      });
      const result = await Promise.race([Promise.resolve().then(check), timeout]);
      if (result === true) return { ok: true };
      if (result === false) return { ok: false, reason: 'not ready' };
      return result.ok ? { ok: true } : { ok: false, reason: String(result.reason).slice(0, 200) };
    } catch (err) {
      this.log.warn({ check: name, err }, 'readiness check threw');
      return { ok: false, reason: 'check failed' };
    } finally {
      clearTimeout(timer);
    }
  }

  private scrub(text: string): string {
    let out = text;
    for (const s of this.secrets) out = out.split(s).join('[redacted]');
    return out;
  }
}

function send(
  res: ServerResponse,
  req: IncomingMessage,
  status: number,
  contentType: string,
  body: string,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'content-type': contentType, 'cache-control': 'no-store', ...headers });
  res.end(req.method === 'HEAD' ? undefined : body);
}

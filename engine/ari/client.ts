/**
 * A small typed ARI REST client over fetch: only the requests the engine makes, each returning
 * the models of ./models.ts. No swagger, no ari-client (unmaintained since 2020; see
 * /work/shared/reference/ari-client.md).
 *
 * Every request has a timeout. Failures are AriHttpError (Asterisk answered 4xx/5xx) or
 * AriNetworkError (no answer). The password only ever lives in the Authorization header, held
 * in a private field, and is never logged.
 */
import type { Logger } from 'pino';
import { AriHttpError, AriNetworkError } from './errors.js';
import { ConcurrencyLimiter } from './limiter.js';
import type {
  AsteriskInfo,
  Bridge,
  Channel,
  LiveRecording,
  Module,
  Playback,
  StoredRecording,
} from './models.js';
import type {
  AddChannelParams,
  BridgeCreateParams,
  ContinueParams,
  ExternalMediaParams,
  OriginateParams,
  PlayParams,
  RecordParams,
  SnoopParams,
} from './params.js';

export interface AriClientOptions {
  /** Asterisk's HTTP server, e.g. http://127.0.0.1:8088 (a trailing /ari is accepted). */
  url: string;
  username: string;
  password: string;
  /** Per-request timeout, counted from when the request goes out. Default 5000 ms. */
  requestTimeoutMs?: number;
  /**
   * Requests in flight at once; more wait their turn (engine/ari/limiter.ts says why). Default
   * 20, well under Asterisk's default http.conf sessionlimit of 100.
   */
  maxConcurrentRequests?: number;
  logger?: Logger;
  /** Injected for tests; global fetch by default. */
  fetch?: typeof fetch;
}

type QueryValue = string | number | boolean | undefined;
export type Query = Record<string, QueryValue>;

export interface RequestOptions {
  query?: Query;
  /** Sent as JSON. */
  body?: unknown;
  /** Overrides the client's timeout for this request. */
  timeoutMs?: number;
}

/** The ARI base URL (ending in /ari, no trailing slash) for an Asterisk HTTP URL. */
export function ariBaseUrl(url: string): string {
  const trimmed = url.replace(/\/+$/, '');
  return trimmed.endsWith('/ari') ? trimmed : `${trimmed}/ari`;
}

export class AriClient {
  readonly baseUrl: string;
  readonly requestTimeoutMs: number;
  readonly username: string;
  readonly #authorization: string;
  private readonly log: Logger | undefined;
  private readonly fetchImpl: typeof fetch;
  private readonly limiter: ConcurrencyLimiter;

  constructor(options: AriClientOptions) {
    this.baseUrl = ariBaseUrl(options.url);
    this.username = options.username;
    this.#authorization = `Basic ${Buffer.from(`${options.username}:${options.password}`).toString('base64')}`;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 5000;
    this.log = options.logger;
    this.fetchImpl = options.fetch ?? fetch;
    this.limiter = new ConcurrencyLimiter(options.maxConcurrentRequests ?? 20);
  }

  // ---- channels ----

  readonly channels = {
    list: (): Promise<Channel[]> => this.json('GET', '/channels'),
    get: (id: string): Promise<Channel> => this.json('GET', `/channels/${enc(id)}`),
    originate: ({ variables, ...query }: OriginateParams): Promise<Channel> =>
      this.json('POST', '/channels', { query: { ...query }, body: variables ? { variables } : undefined }),
    hangup: (id: string, reason?: string): Promise<void> => this.empty('DELETE', `/channels/${enc(id)}`, { query: { reason } }),
    answer: (id: string): Promise<void> => this.empty('POST', `/channels/${enc(id)}/answer`),
    getVariable: async (id: string, variable: string): Promise<string> => {
      const r = await this.json<{ value: string }>('GET', `/channels/${enc(id)}/variable`, { query: { variable } });
      return r.value;
    },
    setVariable: (id: string, variable: string, value: string): Promise<void> =>
      this.empty('POST', `/channels/${enc(id)}/variable`, { query: { variable, value } }),
    snoop: (id: string, params: SnoopParams): Promise<Channel> =>
      this.json('POST', `/channels/${enc(id)}/snoop`, { query: { ...params } }),
    continueInDialplan: (id: string, params: ContinueParams = {}): Promise<void> =>
      this.empty('POST', `/channels/${enc(id)}/continue`, { query: { ...params } }),
    play: (id: string, { media, ...rest }: PlayParams): Promise<Playback> =>
      this.json('POST', `/channels/${enc(id)}/play`, { query: { media: list(media), ...rest } }),
    record: (id: string, params: RecordParams): Promise<LiveRecording> =>
      this.json('POST', `/channels/${enc(id)}/record`, { query: { ...params } }),
    externalMedia: ({ variables, ...query }: ExternalMediaParams): Promise<Channel> =>
      this.json('POST', '/channels/externalMedia', { query: { ...query }, body: variables ? { variables } : undefined }),
  };

  // ---- bridges ----

  readonly bridges = {
    list: (): Promise<Bridge[]> => this.json('GET', '/bridges'),
    get: (id: string): Promise<Bridge> => this.json('GET', `/bridges/${enc(id)}`),
    create: (params: BridgeCreateParams = {}): Promise<Bridge> => this.json('POST', '/bridges', { query: { ...params } }),
    addChannel: (bridgeId: string, channel: string | string[], params: AddChannelParams = {}): Promise<void> =>
      this.empty('POST', `/bridges/${enc(bridgeId)}/addChannel`, { query: { channel: list(channel), ...params } }),
    removeChannel: (bridgeId: string, channel: string | string[]): Promise<void> =>
      this.empty('POST', `/bridges/${enc(bridgeId)}/removeChannel`, { query: { channel: list(channel) } }),
    destroy: (id: string): Promise<void> => this.empty('DELETE', `/bridges/${enc(id)}`),
  };

  // ---- playbacks ----

  readonly playbacks = {
    get: (id: string): Promise<Playback> => this.json('GET', `/playbacks/${enc(id)}`),
    /** Stops a playback: 204, then PlaybackFinished with state "done" (trace s7). */
    stop: (id: string): Promise<void> => this.empty('DELETE', `/playbacks/${enc(id)}`),
  };

  // ---- recordings ----

  readonly recordings = {
    stored: {
      list: (): Promise<StoredRecording[]> => this.json('GET', '/recordings/stored'),
      get: (name: string): Promise<StoredRecording> => this.json('GET', `/recordings/stored/${enc(name)}`),
      /** The recording's file, as bytes. */
      file: (name: string): Promise<Buffer> => this.bytes('GET', `/recordings/stored/${enc(name)}/file`),
      delete: (name: string): Promise<void> => this.empty('DELETE', `/recordings/stored/${enc(name)}`),
    },
  };

  // ---- asterisk ----

  readonly asterisk = {
    info: (): Promise<AsteriskInfo> => this.json('GET', '/asterisk/info'),
    module: (name: string): Promise<Module> => this.json('GET', `/asterisk/modules/${enc(name)}`),
  };

  // ---- transport ----

  /** A request whose answer is JSON. */
  json<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    return this.request(method, path, options, async (res) => (await res.json()) as T);
  }

  /** A request whose answer has no body (204). */
  empty(method: string, path: string, options: RequestOptions = {}): Promise<void> {
    return this.request(method, path, options, async (res) => {
      await res.arrayBuffer();
    });
  }

  bytes(method: string, path: string, options: RequestOptions = {}): Promise<Buffer> {
    return this.request(method, path, options, async (res) => Buffer.from(await res.arrayBuffer()));
  }

  private request<T>(method: string, path: string, options: RequestOptions, read: (res: Response) => Promise<T>): Promise<T> {
    return this.limiter.run(() => this.send(method, path, options, read));
  }

  private async send<T>(
    method: string,
    path: string,
    options: RequestOptions,
    read: (res: Response) => Promise<T>,
  ): Promise<T> {
    const url = this.baseUrl + path + queryString(options.query);
    const timeoutMs = options.timeoutMs ?? this.requestTimeoutMs;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    const started = performance.now();
    const headers: Record<string, string> = { authorization: this.#authorization, accept: 'application/json' };
    let body: string | undefined;
    if (options.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.body);
    }
    try {
      const res = await this.fetchImpl(url, { method, headers, body, signal: controller.signal });
      const ms = Math.round(performance.now() - started);
      if (!res.ok) {
        const message = errorMessage(await res.text());
        this.log?.debug({ method, path, status: res.status, ms }, 'ARI request failed');
        throw new AriHttpError(res.status, method, path, message);
      }
      const result = await read(res);
      this.log?.debug({ method, path, status: res.status, ms }, 'ARI request');
      return result;
    } catch (err) {
      if (err instanceof AriHttpError) throw err;
      if (controller.signal.aborted) {
        throw new AriNetworkError('ARI_ERR_TIMEOUT', method, path, `no answer within ${timeoutMs} ms`, err);
      }
      throw new AriNetworkError('ARI_ERR_NETWORK', method, path, networkDetail(err), err);
    } finally {
      clearTimeout(timer);
    }
  }
}

function enc(id: string): string {
  return encodeURIComponent(id);
}

/** ARI takes lists (channel ids, media URIs) comma-separated. */
function list(v: string | string[]): string {
  return Array.isArray(v) ? v.join(',') : v;
}

function queryString(query: Query | undefined): string {
  if (query === undefined) return '';
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined) params.append(k, String(v));
  const s = params.toString();
  return s === '' ? '' : `?${s}`;
}

/** Asterisk's error body is {"message": "..."}; anything else is reported as text. */
function errorMessage(text: string): string {
  try {
    const parsed = JSON.parse(text) as unknown;
    if (parsed !== null && typeof parsed === 'object' && typeof (parsed as { message?: unknown }).message === 'string') {
      return (parsed as { message: string }).message;
    }
  } catch {
    // not JSON
  }
  const trimmed = text.trim();
  return trimmed === '' ? '(no body)' : trimmed.slice(0, 300);
}

/** fetch says "fetch failed" and hides the reason (ECONNREFUSED...) in `cause`. */
function networkDetail(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } } | undefined)?.cause;
  if (cause?.code) return cause.code;
  if (cause?.message) return cause.message;
  return err instanceof Error ? err.message : String(err);
}

/**
 * The simulator's control API under `/_sim` (never under /ari, so no ARI client can hit it by
 * accident): health, and fault injection for tests and demos. Same credentials as ARI.
 * Parameters come from the query string or a JSON body, like ARI's. Pure request → response,
 * like RestHandler; the server wires it.
 */
import { AriError, type Pbx } from '../core/api.js';
import type { AriFaults } from './ari-faults.js';
import { AUTH_REALM, isAuthorized, type AriCredentials } from './auth.js';
import type { EventHub } from './event-hub.js';
import { parseBody, requestParams, type Params } from './params.js';
import { errorResponse, type RestRequest, type RestResponse } from './rest-handler.js';
import type { ModelFaults } from './model-faults.js';

export interface ControlContext {
  pbx: Pbx;
  credentials: AriCredentials;
  hub: EventHub;
  ariFaults: AriFaults;
  /** Drops events sockets (see EventSockets.drop); returns how many. */
  dropEventSockets(apps: readonly string[], abrupt: boolean): number;
  eventSocketCount(): number;
  /** The model's fault interface, when the PBX offers one. */
  modelFaults?: ModelFaults;
}

interface ControlRoute {
  method: string;
  pattern: RegExp;
  handle(ctx: ControlContext, params: Params, match: RegExpExecArray): RestResponse;
}

const json = (value: unknown, status = 200): RestResponse => ({ status, headers: {}, json: value });

function requireMs(params: Params, name: string): number {
  const ms = params.int(name);
  if (ms === undefined || ms < 0) throw new AriError(400, `'${name}' must be a non-negative number of milliseconds`);
  return ms;
}

function modelFaults(ctx: ControlContext): ModelFaults {
  if (!ctx.modelFaults) throw new AriError(501, 'This PBX model offers no fault injection');
  return ctx.modelFaults;
}

function faultState(ctx: ControlContext): unknown {
  return { ari: ctx.ariFaults.state(), model: ctx.modelFaults?.state() ?? null };
}

const ROUTES: ControlRoute[] = [
  {
    method: 'GET',
    pattern: /^\/health$/,
    handle: (ctx) =>
      json({
        status: 'ok',
        asterisk_id: ctx.pbx.asteriskId,
        apps: ctx.hub.connectedApps(),
        event_sockets: ctx.eventSocketCount(),
        channels: ctx.pbx.listChannels().length,
        bridges: ctx.pbx.listBridges().length,
      }),
  },
  { method: 'GET', pattern: /^\/faults$/, handle: (ctx) => json(faultState(ctx)) },
  {
    method: 'DELETE',
    pattern: /^\/faults$/,
    handle: (ctx) => {
      ctx.ariFaults.clear();
      ctx.modelFaults?.clear();
      return json(faultState(ctx));
    },
  },
  {
    method: 'POST',
    pattern: /^\/faults\/ari\/delay$/,
    handle: (ctx, params) => {
      ctx.ariFaults.setResponseDelay(requireMs(params, 'ms'));
      return json(faultState(ctx));
    },
  },
  {
    method: 'POST',
    pattern: /^\/faults\/ari\/events\/drop$/,
    handle: (ctx, params) => {
      const refuseMs = params.int('refuseMs') ?? 0;
      // Refuse first, so a client reconnecting at once is already turned away.
      ctx.ariFaults.refuseEventSocketsFor(Math.max(0, refuseMs));
      const dropped = ctx.dropEventSockets(params.list('app'), params.bool('abrupt') ?? true);
      return json({ dropped, refuseMs: Math.max(0, refuseMs) });
    },
  },
  {
    method: 'POST',
    pattern: /^\/faults\/audiosocket\/refuse$/,
    handle: (ctx, params) => {
      modelFaults(ctx).refuseAudioSocket(params.bool('enabled') ?? true);
      return json(faultState(ctx));
    },
  },
  {
    method: 'POST',
    pattern: /^\/faults\/audiosocket\/delay$/,
    handle: (ctx, params) => {
      modelFaults(ctx).delayAudioSocketConnect(requireMs(params, 'ms'));
      return json(faultState(ctx));
    },
  },
  {
    method: 'POST',
    pattern: /^\/channels\/([^/]+)\/audiosocket\/drop$/,
    handle: (ctx, _params, m) => {
      modelFaults(ctx).dropAudioSocket(decodeURIComponent(m[1]));
      return { status: 204, headers: {} };
    },
  },
  {
    method: 'POST',
    pattern: /^\/channels\/([^/]+)\/hangup$/,
    handle: (ctx, params, m) => {
      const afterMs = params.int('afterMs') ?? 0;
      if (afterMs < 0) throw new AriError(400, "'afterMs' must be a non-negative number of milliseconds");
      modelFaults(ctx).hangupAfter(decodeURIComponent(m[1]), afterMs);
      return { status: 204, headers: {} };
    },
  },
];

/** The routes, for docs and tests: `METHOD /_sim/path`. */
export const CONTROL_ROUTES: readonly string[] = ROUTES.map(
  (r) => `${r.method} /_sim${r.pattern.source.replace(/^\^|\$$/g, '').replace(/\\\//g, '/').replace('([^/]+)', '{channelId}')}`,
);

export function handleControl(ctx: ControlContext, req: RestRequest, onInternalError?: (err: unknown) => void): RestResponse {
  const url = new URL(req.url, 'http://localhost');
  const parsed = parseBody(req.headers['content-type'], req.body);
  if (!parsed.ok) return errorResponse(parsed.status, parsed.message);
  const params = requestParams(url.searchParams, { body: parsed.body, form: parsed.form });
  if (!isAuthorized(ctx.credentials, req.headers.authorization, params.str('api_key'))) {
    return errorResponse(401, 'Authentication required', { 'WWW-Authenticate': `Basic realm="${AUTH_REALM}"` });
  }
  const path = url.pathname.replace(/^\/_sim/, '');
  const candidates = ROUTES.filter((r) => r.pattern.test(path));
  if (candidates.length === 0) return errorResponse(404, 'Resource not found');
  const route = candidates.find((r) => r.method === req.method);
  if (!route) return errorResponse(405, 'Invalid method', { Allow: candidates.map((r) => r.method).join(',') });
  try {
    return route.handle(ctx, params, route.pattern.exec(path) as RegExpExecArray);
  } catch (err) {
    if (err instanceof AriError) return errorResponse(err.status, err.message);
    onInternalError?.(err);
    return errorResponse(500, 'Internal Server Error');
  }
}

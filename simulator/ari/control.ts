/**
 * The simulator's control API under `/_sim` (never under /ari, so no ARI client can hit it by
 * accident): health, and fault injection for tests and demos. Same credentials as ARI.
 * Parameters come from the query string or a JSON body, like ARI's. Pure request → response,
 * like RestHandler; the server wires it.
 *
 * Faults below the ARI layer go to the model's SimFaults (Pbx.faults); this module remembers
 * what it set, so GET /_sim/faults can report it.
 */
import { AriError, type Pbx } from '../core/api.js';
import type { AriFaults } from './ari-faults.js';
import { AUTH_REALM, isAuthorized, type AriCredentials } from './auth.js';
import type { EventHub } from './event-hub.js';
import { parseBody, requestParams, type Params } from './params.js';
import { errorResponse, type RestRequest, type RestResponse } from './rest-handler.js';

export interface ControlContext {
  pbx: Pbx;
  credentials: AriCredentials;
  hub: EventHub;
  ariFaults: AriFaults;
  /** Drops events sockets (see EventSockets.drop); returns how many. */
  dropEventSockets(apps: readonly string[], abrupt: boolean): number;
  eventSocketCount(): number;
}

/** What the control API last told the model, for GET /_sim/faults. */
interface ModelFaultState {
  refuseAudioSocketConnects: boolean;
  delayAudioSocketConnectsMs: number;
}

interface ControlRoute {
  method: string;
  /** e.g. `/channels/{channelId}/hangup`, relative to /_sim. */
  path: string;
  handle(ctx: ControlContext, params: Params, match: RegExpExecArray, state: ModelFaultState): RestResponse;
}

/** `/channels/{channelId}/hangup` becomes a pattern with one capture group per placeholder. */
function compile(path: string): RegExp {
  const escaped = path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '([^/]+)');
  return new RegExp(`^${escaped}$`);
}

const json = (value: unknown, status = 200): RestResponse => ({ status, headers: {}, json: value });
const noContent = (): RestResponse => ({ status: 204, headers: {} });

function requireMs(params: Params, name: string): number {
  const ms = params.int(name);
  if (ms === undefined || ms < 0) throw new AriError(400, `'${name}' must be a non-negative number of milliseconds`);
  return ms;
}

function modelFaults(ctx: ControlContext) {
  if (!ctx.pbx.faults) throw new AriError(501, 'This PBX model offers no fault injection');
  return ctx.pbx.faults;
}

function faultState(ctx: ControlContext, state: ModelFaultState): unknown {
  return { ari: ctx.ariFaults.state(), model: ctx.pbx.faults ? { ...state } : null };
}

const ROUTES: ControlRoute[] = [
  {
    method: 'GET',
    path: '/health',
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
  { method: 'GET', path: '/faults', handle: (ctx, _p, _m, state) => json(faultState(ctx, state)) },
  {
    method: 'DELETE',
    path: '/faults',
    handle: (ctx, _p, _m, state) => {
      ctx.ariFaults.clear();
      ctx.pbx.faults?.clear();
      state.refuseAudioSocketConnects = false;
      state.delayAudioSocketConnectsMs = 0;
      return json(faultState(ctx, state));
    },
  },
  {
    method: 'POST',
    path: '/faults/ari/delay',
    handle: (ctx, params, _m, state) => {
      ctx.ariFaults.setResponseDelay(requireMs(params, 'ms'));
      return json(faultState(ctx, state));
    },
  },
  {
    method: 'POST',
    path: '/faults/ari/events/drop',
    handle: (ctx, params) => {
      const refuseMs = Math.max(0, params.int('refuseMs') ?? 0);
      // Refuse first, so a client reconnecting at once is already turned away.
      ctx.ariFaults.refuseEventSocketsFor(refuseMs);
      const dropped = ctx.dropEventSockets(params.list('app'), params.bool('abrupt') ?? true);
      return json({ dropped, refuseMs });
    },
  },
  {
    method: 'POST',
    path: '/faults/audiosocket/refuse',
    handle: (ctx, params, _m, state) => {
      const refuse = params.bool('enabled') ?? true;
      modelFaults(ctx).refuseAudioSocketConnects(refuse);
      state.refuseAudioSocketConnects = refuse;
      return json(faultState(ctx, state));
    },
  },
  {
    method: 'POST',
    path: '/faults/audiosocket/delay',
    handle: (ctx, params, _m, state) => {
      const ms = requireMs(params, 'ms');
      modelFaults(ctx).delayAudioSocketConnects(ms);
      state.delayAudioSocketConnectsMs = ms;
      return json(faultState(ctx, state));
    },
  },
  {
    method: 'POST',
    path: '/channels/{channelId}/audiosocket/drop',
    handle: (ctx, params, m) => {
      const how = params.nonEmpty('how') ?? 'reset';
      if (how !== 'reset' && how !== 'close') throw new AriError(400, "'how' must be 'reset' or 'close'");
      if (!modelFaults(ctx).dropAudioSocket(decodeURIComponent(m[1]), how)) {
        throw new AriError(409, 'Channel has no AudioSocket connection');
      }
      return noContent();
    },
  },
  {
    method: 'POST',
    path: '/channels/{channelId}/hangup',
    handle: (ctx, params, m) => {
      const afterMs = params.int('afterMs') ?? 0;
      if (afterMs < 0) throw new AriError(400, "'afterMs' must be a non-negative number of milliseconds");
      modelFaults(ctx).hangupAfter(decodeURIComponent(m[1]), afterMs, params.int('cause'));
      return noContent();
    },
  },
  {
    method: 'POST',
    path: '/channels/{channelId}/echo',
    handle: (ctx, params, m) => {
      const faults = modelFaults(ctx);
      if (!faults.setEcho) throw new AriError(501, 'This PBX model offers no echo');
      const gainDb = params.num('gainDb');
      const delayMs = params.num('delayMs');
      if (gainDb === undefined || delayMs === undefined) throw new AriError(400, "'gainDb' and 'delayMs' are required");
      const channelId = decodeURIComponent(m[1]);
      faults.setEcho(channelId, { gainDb, delayMs });
      return json({ channelId, gainDb, delayMs });
    },
  },
  {
    method: 'DELETE',
    path: '/channels/{channelId}/echo',
    handle: (ctx, _params, m) => {
      const faults = modelFaults(ctx);
      if (!faults.removeEcho) throw new AriError(501, 'This PBX model offers no echo');
      if (!faults.removeEcho(decodeURIComponent(m[1]))) throw new AriError(404, 'Channel has no echo');
      return noContent();
    },
  },
];

/** The routes, for docs and tests: `METHOD /_sim/path`. */
export const CONTROL_ROUTES: readonly string[] = ROUTES.map((r) => `${r.method} /_sim${r.path}`);

const COMPILED = ROUTES.map((route) => ({ route, pattern: compile(route.path) }));

export class ControlApi {
  private readonly state: ModelFaultState = { refuseAudioSocketConnects: false, delayAudioSocketConnectsMs: 0 };

  constructor(
    private readonly ctx: ControlContext,
    private readonly onInternalError?: (err: unknown) => void,
  ) {}

  handle(req: RestRequest): RestResponse {
    const url = new URL(req.url, 'http://localhost');
    const parsed = parseBody(req.headers['content-type'], req.body);
    if (!parsed.ok) return errorResponse(parsed.status, parsed.message);
    const params = requestParams(url.searchParams, { body: parsed.body, form: parsed.form });
    if (!isAuthorized(this.ctx.credentials, req.headers.authorization, params.str('api_key'))) {
      return errorResponse(401, 'Authentication required', { 'WWW-Authenticate': `Basic realm="${AUTH_REALM}"` });
    }
    const path = url.pathname.replace(/^\/_sim/, '');
    const candidates = COMPILED.filter((c) => c.pattern.test(path));
    if (candidates.length === 0) return errorResponse(404, 'Resource not found');
    const found = candidates.find((c) => c.route.method === req.method);
    if (!found) return errorResponse(405, 'Invalid method', { Allow: candidates.map((c) => c.route.method).join(',') });
    try {
      return found.route.handle(this.ctx, params, found.pattern.exec(path) as RegExpExecArray, this.state);
    } catch (err) {
      if (err instanceof AriError) return errorResponse(err.status, err.message);
      this.onInternalError?.(err);
      return errorResponse(500, 'Internal Server Error');
    }
  }
}

/**
 * Maps `/ari/...` request paths onto the declared ApiSpecs, the way res_ari walks its handler
 * tree: one segment at a time, each segment URI-decoded, a literal segment (`externalMedia`)
 * preferred over a `{wildcard}` at the same depth. Pure.
 */
import type { ApiSpec, HttpMethod, OperationSpec, ResourceSpec } from './spec.js';

interface CompiledApi {
  api: ApiSpec;
  segments: { literal?: string; param?: string }[];
}

export type RouteMatch =
  | { kind: 'operation'; api: ApiSpec; operation: OperationSpec; path: Record<string, string> }
  | { kind: 'method-not-allowed'; allow: string }
  | { kind: 'options'; allow: string }
  | { kind: 'not-found' };

export class Router {
  private readonly apis: CompiledApi[];

  constructor(resources: readonly ResourceSpec[]) {
    this.apis = resources.flatMap((r) =>
      r.apis.map((api) => ({
        api,
        segments: api.path
          .split('/')
          .filter((s) => s !== '')
          .map((s) => (s.startsWith('{') && s.endsWith('}') ? { param: s.slice(1, -1) } : { literal: s })),
      })),
    );
  }

  /** `path` is what follows `/ari`, e.g. `/channels/abc/play`. */
  match(method: string, path: string): RouteMatch {
    const segments = path
      .split('/')
      .filter((s) => s !== '')
      .map(safeDecode);
    let best: { api: CompiledApi; params: Record<string, string>; literals: number[] } | undefined;
    for (const candidate of this.apis) {
      if (candidate.segments.length !== segments.length || !literalsMatch(candidate, segments)) continue;
      const params: Record<string, string> = {};
      const literals: number[] = [];
      candidate.segments.forEach((seg, i) => {
        if (seg.literal !== undefined) literals.push(i);
        else if (seg.param !== undefined) params[seg.param] = segments[i];
      });
      // A literal at an earlier depth wins, as in Asterisk's tree walk.
      if (!best || preferLiterals(literals, best.literals)) best = { api: candidate, params, literals };
    }
    if (!best) return { kind: 'not-found' };
    const allow = ['OPTIONS', ...best.api.api.operations.map((op) => op.httpMethod)].join(',');
    if (method === 'OPTIONS') return { kind: 'options', allow };
    const operation = best.api.api.operations.find((op) => op.httpMethod === (method as HttpMethod));
    if (!operation) return { kind: 'method-not-allowed', allow };
    return { kind: 'operation', api: best.api.api, operation, path: best.params };
  }
}

/** Every literal segment of the path template equals the request's: checked before anything is built for it. */
function literalsMatch(candidate: CompiledApi, segments: string[]): boolean {
  for (let i = 0; i < segments.length; i++) {
    const literal = candidate.segments[i].literal;
    if (literal !== undefined && literal !== segments[i]) return false;
  }
  return true;
}

function preferLiterals(a: number[], b: number[]): boolean {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (a[i] === undefined) return false;
    if (b[i] === undefined) return true;
    if (a[i] !== b[i]) return a[i] < b[i];
  }
  return false;
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

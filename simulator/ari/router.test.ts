import { describe, expect, it } from 'vitest';
import { ARI_RESOURCES } from './resources/index.js';
import { Router } from './router.js';

const router = new Router(ARI_RESOURCES);

describe('Router', () => {
  it('matches wildcard segments and decodes them', () => {
    const m = router.match('POST', '/channels/a%20b%3B1/play/pb-1');
    expect(m.kind).toBe('operation');
    if (m.kind !== 'operation') return;
    expect(m.operation.nickname).toBe('playWithId');
    expect(m.path).toEqual({ channelId: 'a b;1', playbackId: 'pb-1' });
  });

  it('prefers a literal segment over a wildcard at the same depth', () => {
    const m = router.match('POST', '/channels/externalMedia');
    expect(m.kind === 'operation' && m.operation.nickname).toBe('externalMedia');
    const n = router.match('POST', '/channels/some-id');
    expect(n.kind === 'operation' && n.operation.nickname).toBe('originateWithId');
  });

  it('tells an unknown path from a known path with a wrong method', () => {
    expect(router.match('GET', '/nope')).toEqual({ kind: 'not-found' });
    expect(router.match('GET', '/channels/x/extra/deep')).toEqual({ kind: 'not-found' });
    expect(router.match('PUT', '/channels/x')).toEqual({ kind: 'method-not-allowed', allow: 'OPTIONS,GET,POST,DELETE' });
    expect(router.match('OPTIONS', '/bridges')).toEqual({ kind: 'options', allow: 'OPTIONS,GET,POST' });
  });

  it('routes every declared operation to itself', () => {
    for (const resource of ARI_RESOURCES) {
      for (const api of resource.apis) {
        const concrete = api.path.replace(/\{[^}]+\}/g, 'x1');
        for (const op of api.operations) {
          const m = router.match(op.httpMethod, concrete);
          expect(m.kind === 'operation' && m.operation, `${op.httpMethod} ${api.path}`).toBe(op);
        }
      }
    }
  });
});

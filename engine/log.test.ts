import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { callLogger, createLogger, REDACTED, redactSecrets } from './log.js';

function capture(): { stream: Writable; lines: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      chunks.push(String(chunk));
      cb();
    },
  });
  const lines = () =>
    chunks
      .join('')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { stream, lines };
}

describe('createLogger', () => {
  it('redacts passwords, API keys and authorization headers at any depth', () => {
    const { stream, lines } = capture();
    const log = createLogger({ destination: stream });
    log.info(
      {
        password: 'p1',
        ari: { url: 'http://127.0.0.1:8088', password: 'p2' },
        config: { providers: { deepgram: { api_key: 'k1' } } },
        headers: { authorization: 'Basic eDp5' },
        secrets: { deepgram_api_key: 'k2' },
      },
      'config loaded',
    );
    const text = JSON.stringify(lines());
    for (const secret of ['p1', 'p2', 'k1', 'k2', 'Basic eDp5']) expect(text).not.toContain(secret);
    const [line] = lines();
    expect((line.ari as Record<string, unknown>).password).toBe(REDACTED);
    expect((line.ari as Record<string, unknown>).url).toBe('http://127.0.0.1:8088');
    expect(line.msg).toBe('config loaded');
  });

  it('honours the level', () => {
    const { stream, lines } = capture();
    const log = createLogger({ destination: stream, level: 'warn' });
    log.info('hidden');
    log.warn('shown');
    expect(lines().map((l) => l.msg)).toEqual(['shown']);
  });
});

describe('redactSecrets', () => {
  it('returns a line without secrets as it is, uncopied', () => {
    const line = { channelId: 'c1', stats: { framesIn: 3, nested: { deeper: [1, 2] } } };
    expect(redactSecrets(line)).toBe(line);
  });

  it('copies only what leads to a secret and leaves the original untouched', () => {
    const ari = { url: 'http://x', password: 'p' };
    const other = { a: 1 };
    const line = { ari, other, list: [{ token: 't' }, { ok: true }] };
    const out = redactSecrets(line);
    expect(out).not.toBe(line);
    expect(out.ari).toEqual({ url: 'http://x', password: REDACTED });
    expect(out.other).toBe(other);
    expect(out.list[0]).toEqual({ token: REDACTED });
    expect(out.list[1]).toBe(line.list[1]);
    expect(ari.password).toBe('p');
  });

  it('keeps an Error an Error (message, stack, class) and copes with frozen objects', () => {
    const err = Object.assign(new TypeError('boom'), { authorization: 'Basic x' });
    const out = redactSecrets({ err, cfg: Object.freeze({ api_key: 'k', port: 1 }) });
    expect(out.err).toBeInstanceOf(TypeError);
    expect(out.err.message).toBe('boom');
    expect(out.err.stack).toBe(err.stack);
    expect(out.err.authorization).toBe(REDACTED);
    expect(out.cfg).toEqual({ api_key: REDACTED, port: 1 });
  });

  it('looks four levels deep, as documented, and no deeper', () => {
    const line = { a: { b: { c: { password: 'shallow' } } }, w: { x: { y: { z: { password: 'deep' } } } } };
    const out = redactSecrets(line);
    expect(out.a.b.c.password).toBe(REDACTED);
    expect(out.w.x.y.z.password).toBe('deep');
  });

  it('redacts the bindings of a child logger too', () => {
    const { stream, lines } = capture();
    createLogger({ destination: stream }).child({ token: 'sekrit' }).info('x');
    expect(JSON.stringify(lines())).not.toContain('sekrit');
  });
});

describe('callLogger', () => {
  it('binds the call ids to every line', () => {
    const { stream, lines } = capture();
    const root = createLogger({ destination: stream });
    const log = callLogger(root, { callId: 'c1', channelId: 'ch1', uuid: 'u1' });
    log.info('answered');
    log.info('bound');
    for (const line of lines()) expect(line).toMatchObject({ callId: 'c1', channelId: 'ch1', uuid: 'u1' });
  });

  it('omits ids that are not known yet', () => {
    const { stream, lines } = capture();
    callLogger(createLogger({ destination: stream }), { callId: 'c2' }).info('x');
    expect(lines()[0]).not.toHaveProperty('uuid');
    expect(lines()[0].callId).toBe('c2');
  });
});

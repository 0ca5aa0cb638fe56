import { describe, expect, it } from 'vitest';
import { AriError } from '../core/api.js';
import { Params, parseBody, requestParams } from './params.js';

const q = (s: string) => new URLSearchParams(s);

describe('Params', () => {
  it('reads query values, the last repeat winning for single values', () => {
    const p = new Params(q('a=1&a=2&b=x'));
    expect(p.str('a')).toBe('2');
    expect(p.str('b')).toBe('x');
    expect(p.str('missing')).toBeUndefined();
  });

  it('lets a JSON body override the query string, like Asterisk parsing the body last', () => {
    const p = new Params(q('endpoint=Local/a@x&app=fromQuery'), { app: 'fromBody', priority: 3, beep: true });
    expect(p.str('endpoint')).toBe('Local/a@x');
    expect(p.str('app')).toBe('fromBody');
    expect(p.int('priority')).toBe(3);
    expect(p.bool('beep')).toBe(true);
  });

  it('converts integers like atol and booleans like ast_true', () => {
    const p = new Params(q('a=42abc&b=-7&c=abc&t1=yes&t2=On&t3=1&f=no'));
    expect(p.int('a')).toBe(42);
    expect(p.int('b')).toBe(-7);
    expect(p.int('c')).toBeUndefined();
    expect([p.bool('t1'), p.bool('t2'), p.bool('t3'), p.bool('f'), p.bool('none')]).toEqual([true, true, true, false, undefined]);
  });

  it('reads decimal numbers (the control API), NaN for anything else', () => {
    const p = new Params(q('g=-12.5&d=120&bad=12ms&empty='), { j: -6 });
    expect([p.num('g'), p.num('d'), p.num('j'), p.num('none')]).toEqual([-12.5, 120, -6, undefined]);
    expect(p.num('bad')).toBeNaN();
    expect(p.num('empty')).toBeNaN();
  });

  it('collects allowMultiple values from commas, repeats and JSON arrays', () => {
    expect(new Params(q('media=sound:a,sound:b&media=sound:c')).list('media')).toEqual(['sound:a', 'sound:b', 'sound:c']);
    expect(new Params(q(''), { channel: ['c1', 'c2'] }).list('channel')).toEqual(['c1', 'c2']);
    expect(new Params(q('media=')).list('media')).toEqual([]);
  });

  it('treats empty strings as given for str() and absent for nonEmpty()', () => {
    const p = new Params(q('context='));
    expect(p.str('context')).toBe('');
    expect(p.nonEmpty('context')).toBeUndefined();
  });

  it('reads string maps from the body and rejects non-string values with Asterisk\'s message', () => {
    expect(new Params(q(''), { variables: { A: '1', 'CALLERID(name)': 'Bob' } }).stringMap('variables')).toEqual({
      A: '1',
      'CALLERID(name)': 'Bob',
    });
    expect(new Params(q('')).stringMap('variables')).toBeUndefined();
    const bad = new Params(q(''), { variables: { A: 1 } });
    expect(() => bad.stringMap('variables')).toThrow(AriError);
    expect(() => bad.stringMap('variables')).toThrow("Only string values in the 'variables' object allowed");
  });

  it('never lists api_key among the names it was given', () => {
    expect(new Params(q('api_key=u:p&app=x')).names()).toEqual(['app']);
  });
});

describe('parseBody', () => {
  it('parses a JSON object and ignores an empty body', () => {
    expect(parseBody('application/json; charset=utf-8', Buffer.from('{"a":"b"}'))).toEqual({ ok: true, body: { a: 'b' }, form: undefined });
    expect(parseBody('application/json', Buffer.alloc(0))).toEqual({ ok: true, body: undefined, form: undefined });
  });

  it('answers 400 for malformed JSON or a JSON non-object', () => {
    expect(parseBody('application/json', Buffer.from('{nope'))).toEqual({ ok: false, status: 400, message: 'Error parsing request body' });
    expect(parseBody('application/json', Buffer.from('[1]'))).toMatchObject({ ok: false, status: 400 });
  });

  it('reads form-encoded bodies as parameters and ignores other types', () => {
    const form = parseBody('application/x-www-form-urlencoded', Buffer.from('app=x&media=sound:a'));
    expect(form.ok && form.form?.get('app')).toBe('x');
    expect(parseBody('text/plain', Buffer.from('{'))).toEqual({ ok: true, body: undefined, form: undefined });
  });

  it('merges query, form and JSON body into one Params', () => {
    const p = requestParams(q('a=1'), { form: q('b=2'), body: { c: '3' } });
    expect([p.str('a'), p.str('b'), p.str('c')]).toEqual(['1', '2', '3']);
  });
});

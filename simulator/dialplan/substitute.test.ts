import { describe, expect, it } from 'vitest';
import { DialplanError, type DialplanWarning } from './error.js';
import { functionsUsed, substitute, type SubstituteContext } from './substitute.js';

const at = { file: 'extensions.conf', line: 12 };

function context(vars: Record<string, string>, extra: Partial<SubstituteContext> = {}): SubstituteContext {
  return { getVar: (name) => (Object.hasOwn(vars, name) ? vars[name] : undefined), ...extra };
}

const vars = {
  X: 'hello world',
  EMPTY: '',
  NAME: 'X',
  UUIDVAR: '0b5f4f7e-3c4e-4d1a-9a43-6d2c9d1f3e21',
  UNIQUEID: '1712345678.12',
  CHANNEL: 'Local/s@ai-test-call-00000001;2',
  TEMPLATE: '${X}',
  ADDR: '127.0.0.1:8090',
};
const sub = (text: string, extra: Partial<SubstituteContext> = {}) => substitute(text, context(vars, extra), at);

describe('substitute: variables', () => {
  it.each([
    ['plain text', 'plain text'],
    ['${X}', 'hello world'],
    ['[${X}]', '[hello world]'],
    ['${UNSET}', ''],
    ['${UNIQUEID} on ${CHANNEL}', '1712345678.12 on Local/s@ai-test-call-00000001;2'],
    ['cost: $5 and $', 'cost: $5 and $'],
    ['${${NAME}}', 'hello world'],
    ['${TEMPLATE}', '${X}'],
  ])('%j -> %j', (text, expected) => {
    expect(sub(text)).toBe(expected);
  });

  it.each([
    ['${X:6}', 'world'],
    ['${X:0:5}', 'hello'],
    ['${X:-5}', 'world'],
    ['${X:-5:3}', 'wor'],
    ['${X:0:-6}', 'hello'],
    ['${X:2:-2}', 'llo wor'],
    ['${X:20}', ''],
    ['${X:-20:2}', 'he'],
    ['${X::3}', 'hello world'],
    ['${UUIDVAR:8:1}${UUIDVAR:13:1}${UUIDVAR:18:1}${UUIDVAR:23:1}', '----'],
  ])('substring %j -> %j', (text, expected) => {
    expect(sub(text)).toBe(expected);
  });
});

describe('substitute: functions', () => {
  it.each([
    ['${LEN(${X})}', '11'],
    ['${LEN()}', '0'],
    ['${LEN(${UUIDVAR})}', '36'],
    ['${LEN(é)}', '2'],
    ['${ISNULL(${EMPTY})}', '1'],
    ['${ISNULL(${X})}', '0'],
    ['${EXISTS(${UNSET})}', '0'],
    ['${EXISTS(${X})}', '1'],
    ['${IF(1?yes:no)}', 'yes'],
    ['${IF(0?yes:no)}', 'no'],
    ['${IF( 1 ? yes : no )}', 'yes'],
    ['${IF(1?yes)}', 'yes'],
    ['${IF(0?yes)}', ''],
    ['${IF(0?:no)}', 'no'],
    ['${IF(?yes:no)}', ''],
    ['${IF(1)}', ''],
    ['${IF(${ISNULL(${EMPTY})}?${UNIQUEID}:other)}', '1712345678.12'],
    ['${IF($["${EMPTY}" != ""]?set:unset)}', 'unset'],
    ['${IF(0?a:${ADDR})}', '127.0.0.1:8090'],
    ['${IF(1?${ADDR}:b)}', '127.0.0.1'],
    ['${IF(1?"a:b":c)}', 'a:b'],
    ['${LEN(${X}):0:1}', '1'],
  ])('%j -> %j', (text, expected) => {
    expect(sub(text)).toBe(expected);
  });

  it('makes UUIDs, from the context when it has a source', () => {
    expect(sub('${UUID()}')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(sub('${UUID()}')).not.toBe(sub('${UUID()}'));
    expect(sub('${UUID()}', { uuid: () => 'fixed' })).toBe('fixed');
  });

  it('asks the context for other functions, with substituted arguments', () => {
    const calls: string[] = [];
    const readFunction = (name: string, args: string) => {
      calls.push(`${name}(${args})`);
      return name === 'CHANNEL' && args === 'name' ? 'PJSIP/100-0001' : undefined;
    };
    expect(sub('${CHANNEL(${EMPTY}name)}', { readFunction })).toBe('PJSIP/100-0001');
    expect(calls).toEqual(['CHANNEL(name)']);
  });

  it('throws DialplanError naming file and line for a function nobody provides', () => {
    let err: unknown;
    try {
      sub('x ${FOO(1)} y');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DialplanError);
    expect((err as DialplanError).message).toBe('extensions.conf:12: unsupported function FOO()');
    expect((err as DialplanError).code).toBe('DIALPLAN_ERR_UNKNOWN_FUNCTION');
    expect(() => sub('${len(x)}')).toThrow('extensions.conf:12: unsupported function len()');
    expect(() => sub('${CHANNEL(name)}', { readFunction: () => undefined })).toThrow('unsupported function CHANNEL()');
  });

  it('reports a function that rejects its arguments with file and line', () => {
    const readFunction = () => {
      throw new Error('unknown item');
    };
    expect(() => sub('${CHANNEL(bogus)}', { readFunction })).toThrow('extensions.conf:12: CHANNEL(bogus): unknown item');
  });
});

describe('substitute: expressions', () => {
  it.each([
    ['$[1+1]', '2'],
    ['n=$[${LEN(${X})} * 2]', 'n=22'],
    ['$[${LEN(${UNSET})} != 36]', '1'],
    ['$[${LEN(${UUIDVAR})} != 36]', '0'],
    ['$["${EMPTY}" = ""]', '1'],
    ['$[$[1+1] * 3]', '6'],
    ['$[ [x] = [x] ]', '1'],
  ])('%j -> %j', (text, expected) => {
    expect(sub(text)).toBe(expected);
  });

  it('warns, as Asterisk logs, and goes on', () => {
    const warnings: DialplanWarning[] = [];
    expect(sub('$[${EMPTY} = foo]', { warn: (w) => warnings.push(w) })).toBe('0');
    expect(sub('${X', { warn: (w) => warnings.push(w) })).toBe('hello world');
    expect(warnings.map((w) => `${w.file}:${w.line}`)).toEqual(['extensions.conf:12', 'extensions.conf:12']);
    expect(warnings[1]!.message).toMatch(/missing '}'/);
  });
});

describe('functionsUsed', () => {
  it('finds function names at any depth', () => {
    expect(functionsUsed('Set(A=${IF(${ISNULL(${X})}?${UUID()}:${CHANNEL(name)})})').sort()).toEqual(['CHANNEL', 'IF', 'ISNULL', 'UUID']);
    expect(functionsUsed('NoOp(${X} (not a function))')).toEqual([]);
  });
});

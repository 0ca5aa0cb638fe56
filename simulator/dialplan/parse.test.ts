import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DialplanError } from './error.js';
import { loadDialplan, parseExtensions } from './parse.js';

function errorOf(fn: () => unknown): DialplanError {
  try {
    fn();
  } catch (err) {
    if (err instanceof DialplanError) return err;
    throw err;
  }
  throw new Error('expected a DialplanError');
}

const parse = (text: string) => parseExtensions(text, 'extensions.conf');

describe('parseExtensions: steps', () => {
  const dp = parse(`
[general]
static = yes

[globals]
SERVER = 127.0.0.1
PORT = 8090
ADDR = \${SERVER}:\${PORT}
__INHERITED = yes

[demo]
exten => s,1,NoOp(start)
 same => n(ask),Answer
 same => n,Set(X=a,b)
 same => n+2,Hangup()
exten => 100,1,Verbose(1,hello)
exten => 100,2,NoOp(two) ; with a comment
exten => 100,hint,PJSIP/100
exten => 200,5(late),NoOp
exten => 201,s,NoOp(same priority as before: 5)
exten => \${PORT},1,NoOp(from a global)
`);

  it('reads priorities, n, labels, +N and apps without parentheses', () => {
    expect(dp.find('demo', 's', 1)).toEqual({
      context: 'demo', exten: 's', priority: 1, app: 'NoOp', appData: 'start', at: { file: 'extensions.conf', line: 12 },
    });
    expect(dp.find('demo', 's', 2)).toMatchObject({ app: 'Answer', appData: '', label: 'ask', at: { line: 13 } });
    expect(dp.find('demo', 's', 3)).toMatchObject({ app: 'Set', appData: 'X=a,b' });
    expect(dp.find('demo', 's', 4)).toBeUndefined();
    expect(dp.find('demo', 's', 6)).toMatchObject({ app: 'Hangup', appData: '' });
    expect(dp.find('demo', '200', 5)).toMatchObject({ app: 'NoOp', label: 'late' });
    expect(dp.find('demo', '201', 5)).toMatchObject({ appData: 'same priority as before: 5' });
  });

  it('keeps hints apart from steps', () => {
    expect(dp.find('demo', '100', 2)).toMatchObject({ appData: 'two' });
    expect(dp.find('demo', '100', -1)).toBeUndefined();
    expect(dp.hint('demo', '100')).toMatchObject({ devices: 'PJSIP/100', at: { line: 18 } });
  });

  it('substitutes globals into globals and extension names', () => {
    expect(dp.globals.get('ADDR')).toBe('127.0.0.1:8090');
    expect(dp.globals.get('INHERITED')).toBe('yes');
    expect(dp.find('demo', '8090', 1)).toMatchObject({ appData: 'from a global' });
    expect(dp.general.get('static')).toBe('yes');
  });

  it('finds labels', () => {
    expect(dp.findLabel('demo', 's', 'ask')?.priority).toBe(2);
    expect(dp.findLabel('demo', 's', 'nope')).toBeUndefined();
  });

  it('answers hasExtension/hasContext', () => {
    expect(dp.hasContext('demo')).toBe(true);
    expect(dp.hasContext('Demo')).toBe(false);
    expect(dp.hasExtension('demo', 's')).toBe(true);
    expect(dp.hasExtension('demo', '200')).toBe(false);
    expect(dp.hasExtension('demo', '200', 5)).toBe(true);
    expect(dp.hasExtension('nowhere', 's')).toBe(false);
  });

  it('takes data from the first ( to the last )', () => {
    const d = parse('[c]\nexten => s,1,NoOp(a(b)c) trailing\nexten => s,2,Set(X=${IF(1?a:b)})');
    expect(d.find('c', 's', 1)?.appData).toBe('a(b)c');
    expect(d.find('c', 's', 2)?.appData).toBe('X=${IF(1?a:b)}');
  });
});

describe('parseExtensions: best match', () => {
  const dp = parse(`
[main]
exten => _X.,1,NoOp(any number)
exten => _1XX,1,NoOp(1XX)
exten => 123,1,NoOp(exact)
exten => _1XX,2,NoOp(1XX second)
exten => _X.,3,NoOp(any number third)
include => more
include => other

[more]
exten => _9XX,1,NoOp(from more)
exten => s,1,NoOp(s from more)
include => other

[other]
exten => s,1,NoOp(s from other)
exten => _X!,1,NoOp(other catch-all)
`);

  it('prefers exact names, then narrower patterns', () => {
    expect(dp.find('main', '123', 1)?.appData).toBe('exact');
    expect(dp.find('main', '124', 1)?.appData).toBe('1XX');
    expect(dp.find('main', '1245', 1)?.appData).toBe('any number');
  });

  it('falls through to the next matching extension that has the priority', () => {
    expect(dp.find('main', '123', 2)?.appData).toBe('1XX second');
    expect(dp.find('main', '123', 3)?.appData).toBe('any number third');
    expect(dp.find('main', '123', 4)).toBeUndefined();
  });

  it('searches includes in order, after the context itself, reporting where the step is', () => {
    expect(dp.find('main', 's', 1)).toMatchObject({ context: 'more', appData: 's from more' });
    expect(dp.find('main', '9', 1)).toMatchObject({ context: 'other', exten: '_X!' });
    // The context's own _X. matches 912 before the included _9XX is looked at.
    expect(dp.find('main', '912', 1)?.appData).toBe('any number');
    expect(dp.find('more', '912', 1)?.appData).toBe('from more');
  });

  it('lists extensions in search order', () => {
    expect(dp.contexts.get('main')!.extensions.map((e) => e.name)).toEqual(['123', '_1XX', '_X.']);
  });
});

describe('parseExtensions: templates and repeated contexts', () => {
  it('merges a context defined twice and inherits template lines', () => {
    const dp = parse(`
[base](!)
exten => s,1,Answer()
[a](base)
 same => n,Hangup()
[b]
exten => s,1,NoOp(b)
[b]
exten => t,1,NoOp(b again)
`);
    expect(dp.hasContext('base')).toBe(false);
    expect(dp.find('a', 's', 1)).toMatchObject({ app: 'Answer', at: { line: 3 } });
    expect(dp.find('a', 's', 2)).toMatchObject({ app: 'Hangup', at: { line: 5 } });
    expect(dp.find('b', 't', 1)?.appData).toBe('b again');
  });
});

describe('parseExtensions: warnings', () => {
  it('warns about an include of an undefined context and about _.', () => {
    const dp = parse('[a]\ninclude => ghost\nexten => _.,1,NoOp');
    expect(dp.warnings).toEqual([
      { file: 'extensions.conf', line: 2, message: "context 'a' includes 'ghost', which is not defined" },
      { file: 'extensions.conf', line: 3, message: "the use of '_.' for an extension is strongly discouraged; use '_X.'" },
    ]);
  });
});

describe('parseExtensions: errors name file and line', () => {
  it.each([
    ['[c]\n same => n,NoOp', "extensions.conf:2: 'same' with no extension before it in context [c]", 'DIALPLAN_ERR_EXTENSION'],
    ['[c]\nexten => s,n,NoOp', 'extensions.conf:2: priority \'n\' on the first line of context [c]: there is no previous priority', 'DIALPLAN_ERR_EXTENSION'],
    ['[c]\nexten => s,1,NoOp\nexten => s,1,Answer', 'extensions.conf:3: priority 1 of extension \'s\' in [c] is already defined at extensions.conf:2', 'DIALPLAN_ERR_DUPLICATE'],
    ['[c]\nexten => s,1(a),NoOp\nexten => s,2(a),NoOp', "extensions.conf:3: label 'a' of extension 's' in [c] is already used at extensions.conf:2", 'DIALPLAN_ERR_DUPLICATE'],
    ['[c]\nexten => s,x,NoOp', "extensions.conf:2: invalid priority 'x'", 'DIALPLAN_ERR_EXTENSION'],
    ['[c]\nexten => s,0,NoOp', "extensions.conf:2: invalid priority '0' (priorities start at 1)", 'DIALPLAN_ERR_EXTENSION'],
    ['[c]\nexten => s,1(lbl,NoOp', "extensions.conf:2: label missing its closing ')' in '1(lbl'", 'DIALPLAN_ERR_EXTENSION'],
    ['[c]\nexten => s,1', 'extensions.conf:2: no application after the priority', 'DIALPLAN_ERR_EXTENSION'],
    ['[c]\nexten => s,1,NoOp(open', "extensions.conf:2: no closing ')' in 'NoOp(open'", 'DIALPLAN_ERR_EXTENSION'],
    // Like pbx_config, a ',' inside [...] does not end the name: the whole line is the pattern.
    ['[c]\nexten => _[12,1,NoOp', "extensions.conf:2: pattern '_[12,1,NoOp' has a '[' without ']'", 'DIALPLAN_ERR_EXTENSION'],
    ['[c]\nexten => _[12]X.,1,NoOp\nexten => _[12]X.,2,NoOp(', "extensions.conf:3: no closing ')' in 'NoOp('", 'DIALPLAN_ERR_EXTENSION'],
    ['[c]\nexten => 100,hint,PJSIP/1\n same => n,NoOp', "extensions.conf:3: priority 'n' right after a hint: give the first priority as a number", 'DIALPLAN_ERR_EXTENSION'],
    ['[c]\nexen => s,1,NoOp', "extensions.conf:2: unknown directive 'exen' in context [c]", 'DIALPLAN_ERR_EXTENSION'],
    ['[c]\nswitch => Realtime/x', "extensions.conf:2: 'switch' (dialplan switches) is not supported", 'DIALPLAN_ERR_UNSUPPORTED'],
    ['[c]\nexten => 100/200,1,NoOp', "extensions.conf:2: caller-ID matching ('100/200') is not supported", 'DIALPLAN_ERR_UNSUPPORTED'],
    ['[c]\ninclude => d,09:00-17:00,mon-fri,*,*', "extensions.conf:2: time-conditioned include 'd,09:00-17:00,mon-fri,*,*' is not supported", 'DIALPLAN_ERR_UNSUPPORTED'],
    ['[c]\ninclude => d\ninclude => d', "extensions.conf:3: context 'd' is already included in [c]", 'DIALPLAN_ERR_DUPLICATE'],
    ['[c]\nexten => ${FOO(x)},1,NoOp', 'extensions.conf:2: unsupported function FOO()', 'DIALPLAN_ERR_UNKNOWN_FUNCTION'],
  ])('%j', (text, message, code) => {
    const err = errorOf(() => parse(text));
    expect(err.message).toBe(message);
    expect(err.code).toBe(code);
    expect(err.file).toBe('extensions.conf');
    expect(err.line).toBe(Number(message.split(':')[1]));
  });
});

describe('loadDialplan', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'dialplan-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads extensions.conf and follows includes relative to the config dir, globs too', () => {
    mkdirSync(path.join(dir, 'extensions.d'));
    writeFileSync(path.join(dir, 'extensions.conf'), '[main]\nexten => s,1,NoOp(main)\n#include extensions.d/*.conf\n#include "extra.conf"\n');
    writeFileSync(path.join(dir, 'extensions.d', 'b.conf'), '[b]\nexten => s,1,NoOp(b)\n');
    writeFileSync(path.join(dir, 'extensions.d', 'a.conf'), '[a]\nexten => s,1,NoOp(a)\n');
    writeFileSync(path.join(dir, 'extra.conf'), '[extra]\nexten => s,1,NoOp(bad\n');
    const err = errorOf(() => loadDialplan(dir));
    expect(err.message).toBe("extra.conf:2: no closing ')' in 'NoOp(bad'");

    writeFileSync(path.join(dir, 'extra.conf'), '[extra]\nexten => s,1,NoOp(extra)\n');
    const dp = loadDialplan(dir);
    expect([...dp.contexts.keys()]).toEqual(['main', 'a', 'b', 'extra']);
    expect(dp.find('a', 's', 1)?.at).toEqual({ file: path.join('extensions.d', 'a.conf'), line: 2 });
  });

  it('says so when there is no extensions.conf', () => {
    const err = errorOf(() => loadDialplan(path.join(dir, 'missing')));
    expect(err.code).toBe('DIALPLAN_ERR_INCLUDE');
    expect(err.message).toMatch(/no extensions.conf in/);
  });
});

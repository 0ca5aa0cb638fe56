import { describe, expect, it } from 'vitest';
import { readConfig, type IncludedFile } from './config.js';
import { DialplanError } from './error.js';

function entries(text: string, include?: (name: string) => IncludedFile[]) {
  return readConfig(text, 'test.conf', include ? { include } : {}).map((c) => ({
    name: c.name,
    template: c.template,
    entries: c.entries.map((e) => [e.name, e.value, e.object, `${e.at.file}:${e.at.line}`]),
  }));
}

function errorOf(fn: () => unknown): DialplanError {
  try {
    fn();
  } catch (err) {
    if (err instanceof DialplanError) return err;
    throw err;
  }
  throw new Error('expected a DialplanError');
}

describe('readConfig', () => {
  it('reads categories and entries with their lines', () => {
    expect(entries('[a]\nx = 1\ny => two words \n\n[b]\nz=3')).toEqual([
      { name: 'a', template: false, entries: [['x', '1', false, 'test.conf:2'], ['y', 'two words', true, 'test.conf:3']] },
      { name: 'b', template: false, entries: [['z', '3', false, 'test.conf:6']] },
    ]);
  });

  it('strips ; comments and keeps escaped \\; without the backslash', () => {
    expect(entries('[a] ; the a\nx = NoOp(1\\;2) ; comment\n; whole line\ny = 1;2')[0]!.entries).toEqual([
      ['x', 'NoOp(1;2)', false, 'test.conf:2'],
      ['y', '1', false, 'test.conf:4'],
    ]);
  });

  it('skips ;-- block comments --; across lines, keeping text around them', () => {
    const text = '[a]\nx = 1 ;-- start\ny = 2\nstill --; z = 3\nw = 4 ;-- inline --; ;rest';
    expect(entries(text)[0]!.entries).toEqual([
      ['x', '1', false, 'test.conf:2'],
      ['z', '3', false, 'test.conf:4'],
      ['w', '4', false, 'test.conf:5'],
    ]);
  });

  it('keeps backslashes that do not escape a semicolon', () => {
    expect(entries('[a]\nx = a\\,b')[0]!.entries[0]![1]).toBe('a\\,b');
  });

  it('skips a UTF-8 BOM and CRLF line ends', () => {
    expect(entries('\uFEFF[a]\r\nx = 1\r\n')[0]).toEqual({ name: 'a', template: false, entries: [['x', '1', false, 'test.conf:2']] });
  });

  it('appends with +=', () => {
    expect(entries('[a]\nx = one\nx += two')[0]!.entries).toEqual([['x', 'one two', false, 'test.conf:2']]);
  });

  it('inherits from templates, which stay out of the way', () => {
    const cats = entries('[t](!)\nx = 1\n[a](t)\ny = 2');
    expect(cats).toEqual([
      { name: 't', template: true, entries: [['x', '1', false, 'test.conf:2']] },
      { name: 'a', template: false, entries: [['x', '1', false, 'test.conf:2'], ['y', '2', false, 'test.conf:4']] },
    ]);
  });

  it('appends to an existing category with (+)', () => {
    const cats = entries('[a]\nx = 1\n[b]\n[a](+)\ny = 2');
    expect(cats.map((c) => c.name)).toEqual(['a', 'b']);
    expect(cats[0]!.entries.map((e) => e[0])).toEqual(['x', 'y']);
  });

  it('follows #include through the reader, continuing the current category', () => {
    const cats = entries('[a]\nx = 1\n#include "more.conf"\ny = 3', (name) =>
      name === 'more.conf' ? [{ file: 'more.conf', text: 'w = 2\n[b]\nv = 4' }] : [],
    );
    expect(cats).toEqual([
      { name: 'a', template: false, entries: [['x', '1', false, 'test.conf:2'], ['w', '2', false, 'more.conf:1']] },
      { name: 'b', template: false, entries: [['v', '4', false, 'more.conf:3'], ['y', '3', false, 'test.conf:4']] },
    ]);
  });

  it('tolerates a missing #tryinclude but not a missing #include', () => {
    expect(entries('[a]\n#tryinclude <gone.conf>\nx = 1', () => [])[0]!.entries).toHaveLength(1);
    const err = errorOf(() => entries('[a]\n#include gone.conf', () => []));
    expect(err.message).toBe('test.conf:2: #include gone.conf: no such file');
    expect(err.code).toBe('DIALPLAN_ERR_INCLUDE');
  });

  it('stops an include loop', () => {
    const err = errorOf(() => entries('#include self.conf', () => [{ file: 'self.conf', text: '#include self.conf' }]));
    expect(err.code).toBe('DIALPLAN_ERR_INCLUDE');
    expect(err.file).toBe('self.conf');
  });

  it.each([
    ['x = 1', 'test.conf:1: a setting before any [category]'],
    ['[a\nx = 1', "test.conf:1: no closing ']' in category header"],
    ['[a]\njust words', "test.conf:2: no '=' in 'just words'"],
    ['[a]\n = 1', "test.conf:2: no name before '=' in '= 1'"],
    ['[a](nope)', "test.conf:1: [a] inherits from 'nope', which is not defined above it"],
    ['[a](+)', 'test.conf:1: [a](+) appends to a category that does not exist yet'],
    ['[a](!', "test.conf:1: no closing ')' after category options"],
    ['[a]\n#include x.conf', 'test.conf:2: #include x.conf: includes need a file reader (use loadDialplan)'],
    ['[a]\n#exec /bin/true', 'test.conf:2: #exec is not supported (it needs execincludes and runs programs)'],
    ['[a]\n#define X', "test.conf:2: unknown directive '#define'"],
  ])('rejects %j', (text, message) => {
    expect(errorOf(() => readConfig(text, 'test.conf')).message).toBe(message);
  });
});

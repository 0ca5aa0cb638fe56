import { describe, expect, it } from 'vitest';
import { checkCondition, splitArgs } from './args.js';

describe('splitArgs (app.c __ast_app_separate_args)', () => {
  it('splits on commas', () => {
    expect(splitArgs('a,b,c')).toEqual(['a', 'b', 'c']);
  });

  it('gives no argument for empty data, and an empty last one after a trailing comma', () => {
    expect(splitArgs('')).toEqual([]);
    expect(splitArgs('a,')).toEqual(['a', '']);
    expect(splitArgs(',')).toEqual(['', '']);
    expect(splitArgs('a,,b')).toEqual(['a', '', 'b']);
  });

  it('keeps commas inside parentheses, brackets and quotes', () => {
    expect(splitArgs('file.wav,r(x,y)t(z)')).toEqual(['file.wav', 'r(x,y)t(z)']);
    expect(splitArgs('[a,b],c')).toEqual(['[a,b]', 'c']);
    expect(splitArgs('"a,b",c')).toEqual(['a,b', 'c']);
  });

  it('removes quotes and the backslash of an escape, or keeps them in raw mode', () => {
    expect(splitArgs('say "hi there",x\\,y')).toEqual(['say hi there', 'x,y']);
    expect(splitArgs('say "hi there",x\\,y', { removeChars: false })).toEqual(['say "hi there"', 'x\\,y']);
  });

  it('counts parentheses even inside quotes, as Asterisk does', () => {
    expect(splitArgs('"(",a,b')).toEqual(['(,a,b']);
  });

  it('gives the last declared argument the raw rest', () => {
    expect(splitArgs('1,a,"b",c', { max: 2 })).toEqual(['1', 'a,"b",c']);
    expect(splitArgs('a,', { max: 2 })).toEqual(['a', '']);
    expect(splitArgs('whole, raw "text"', { max: 1 })).toEqual(['whole, raw "text"']);
  });

  it('splits on another delimiter', () => {
    expect(splitArgs('cond?yes:no', { delim: '?', max: 2 })).toEqual(['cond', 'yes:no']);
    expect(splitArgs('yes:no', { delim: ':' })).toEqual(['yes', 'no']);
  });
});

describe('checkCondition (pbx_checkcondition)', () => {
  it.each([
    ['', false],
    ['0', false],
    ['00', false],
    ['1', true],
    ['-1', true],
    [' 2', true],
    ['0abc', false],
    ['abc', true],
    ['" "', true],
  ])('%j is %s', (text, expected) => {
    expect(checkCondition(text)).toBe(expected);
  });

  it('treats undefined as false', () => {
    expect(checkCondition(undefined)).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import { chooseGotoIfBranch, parseGotoTarget, resolveGoto, splitGotoIf } from './goto.js';
import { parseExtensions } from './parse.js';

const dp = parseExtensions(
  `
[a]
exten => s,1,NoOp
 same => n(top),NoOp
 same => n,NoOp
exten => _X.,1,NoOp
 same => n(digits),NoOp
[b]
exten => s,1(start),NoOp
`,
  'extensions.conf',
);
const here = { context: 'a', exten: 's', priority: 3 };

describe('parseGotoTarget', () => {
  it.each([
    ['5', { priority: '5' }],
    ['top', { priority: 'top' }],
    ['t,1', { exten: 't', priority: '1' }],
    ['b,s,start', { context: 'b', exten: 's', priority: 'start' }],
    [',,2', { priority: '2' }],
  ])('%j', (data, expected) => {
    expect(parseGotoTarget(data)).toEqual(expected);
  });

  it('is undefined for empty data', () => {
    expect(parseGotoTarget('')).toBeUndefined();
  });
});

describe('resolveGoto', () => {
  it('takes numbers as they are, relative ones from here, labels from the target', () => {
    expect(resolveGoto(dp, { priority: '1' }, here)).toEqual({ context: 'a', exten: 's', priority: 1 });
    expect(resolveGoto(dp, { priority: '+2' }, here)).toEqual({ context: 'a', exten: 's', priority: 5 });
    expect(resolveGoto(dp, { priority: '-1' }, here)).toEqual({ context: 'a', exten: 's', priority: 2 });
    expect(resolveGoto(dp, { priority: 'top' }, here)).toEqual({ context: 'a', exten: 's', priority: 2 });
    expect(resolveGoto(dp, { context: 'b', exten: 's', priority: 'start' }, here)).toEqual({ context: 'b', exten: 's', priority: 1 });
    expect(resolveGoto(dp, { exten: '555', priority: 'digits' }, here)).toEqual({ context: 'a', exten: '555', priority: 2 });
  });

  it('does not check that a numeric target exists (the executor finds out, like Asterisk)', () => {
    expect(resolveGoto(dp, { context: 'b', exten: 'nope', priority: '9' }, here)).toEqual({ context: 'b', exten: 'nope', priority: 9 });
  });

  it('is undefined for a label that does not exist', () => {
    expect(resolveGoto(dp, { priority: 'nowhere' }, here)).toBeUndefined();
    expect(resolveGoto(dp, { priority: 'start' }, here)).toBeUndefined();
  });
});

describe('GotoIf', () => {
  it('splits on the first ? and the first :', () => {
    expect(splitGotoIf('1?a,s,1:b,s,1')).toEqual({ condition: '1', ifTrue: 'a,s,1', ifFalse: 'b,s,1' });
    expect(splitGotoIf('0?yes')).toEqual({ condition: '0', ifTrue: 'yes' });
    expect(splitGotoIf('1')).toEqual({ condition: '1' });
  });

  it('chooses the branch by pbx_checkcondition', () => {
    expect(chooseGotoIfBranch('1?yes:no')).toBe('yes');
    expect(chooseGotoIfBranch('0?yes:no')).toBe('no');
    expect(chooseGotoIfBranch('?yes:no')).toBe('no');
    expect(chooseGotoIfBranch('0?yes')).toBeUndefined();
    expect(chooseGotoIfBranch('1?:no')).toBe('');
  });
});

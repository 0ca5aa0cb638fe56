import { describe, expect, it } from 'vitest';
import { compareExtensions, extensionMatches, isPattern, normalizeExtension, patternProblem } from './pattern.js';

describe('extensionMatches', () => {
  it.each([
    ['s', 's', true],
    ['s', 'S', false],
    ['100', '100', true],
    ['1-800', '1800', true],
    ['100', '1000', false],
    ['_X.', '1', false],
    ['_X.', '12', true],
    ['_X.', '1abc', true],
    ['_X.', 's', false],
    ['_XXX', '123', true],
    ['_XXX', '12', false],
    ['_XXX', '1234', false],
    ['_[1-5]X', '39', true],
    ['_[1-5]X', '69', false],
    ['_[13-5]X', '20', false],
    ['_[13-5]X', '49', true],
    ['_[a-c]', 'b', true],
    ['_N', '1', false],
    ['_N', '2', true],
    ['_Z', '0', false],
    ['_Z', '1', true],
    ['_x', '7', true],
    ['_1!', '1', true],
    ['_1!', '123', true],
    ['_!', '', true],
    ['_.', 's', true],
    ['_1-2X', '125', true],
    ['_XX', '1-2', true],
    ['_[]1', '1', true],
  ])('%s ~ %j is %s', (name, dialed, expected) => {
    expect(extensionMatches(name, dialed)).toBe(expected);
  });

  it('matches a pattern given as the dialed string against the same pattern', () => {
    expect(extensionMatches('_X.', '_X.')).toBe(true);
    expect(extensionMatches('_X.', '_XX')).toBe(false);
  });
});

describe('compareExtensions (ext_cmp)', () => {
  const sorted = (names: string[]) => [...names].sort(compareExtensions);

  it('puts literal names before patterns', () => {
    expect(sorted(['_X.', '100', 's'])).toEqual(['100', 's', '_X.']);
  });

  it('puts narrower patterns first', () => {
    expect(sorted(['_X.', '_1XX', '_1NX', '_12X', '_[1-5]XX'])).toEqual(['_12X', '_1NX', '_1XX', '_[1-5]XX', '_X.']);
    expect(sorted(['_X!', '_X.'])).toEqual(['_X.', '_X!']);
    expect(sorted(['_Z', '_X', '_N'])).toEqual(['_N', '_Z', '_X']);
  });

  it('orders sets of the same size by their characters', () => {
    expect(sorted(['_[46]', '_[13]'])).toEqual(['_[13]', '_[46]']);
    expect(compareExtensions('_[13]', '_[31]')).toBe(0);
  });
});

describe('names', () => {
  it('recognizes patterns', () => {
    expect(isPattern('_X.')).toBe(true);
    expect(isPattern('s')).toBe(false);
  });

  it('normalizes like ext_strncpy', () => {
    expect(normalizeExtension(' 1-800 ')).toBe('1800');
    expect(normalizeExtension('_[1-5]-X')).toBe('_[1-5]X');
  });

  it('reports an unclosed set', () => {
    expect(patternProblem('_[12')).toMatch(/without '\]'/);
    expect(patternProblem('_[12]X')).toBeUndefined();
    expect(patternProblem('_X.[')).toBeUndefined();
    expect(patternProblem('[not-a-pattern')).toBeUndefined();
  });
});

import { describe, expect, it } from 'vitest';
import { DialplanError, type DialplanWarning } from './error.js';
import { evaluateExpression, formatNumber } from './expr.js';

const at = { file: 'extensions.conf', line: 7 };
const evaluate = (text: string) => evaluateExpression(text, at);

describe('evaluateExpression', () => {
  it.each([
    // arithmetic and precedence
    ['1+2*3', '7'],
    ['(1+2)*3', '9'],
    ['10 - 2 - 3', '5'],
    ['10/4', '2.5'],
    ['10/3', '3.33333333333333'],
    ['7 % 3', '1'],
    ['-3 + 1', '-2'],
    ['2 * -3', '-6'],
    ['0.1 + 0.2', '0.3'],
    // comparisons: numeric when both sides are numbers, string compare otherwise
    ['2 < 10', '1'],
    ['"2" < "10"', '0'],
    ['010 = 10', '1'],
    ['abc = abc', '1'],
    ['abc == abd', '0'],
    ['abc != abd', '1'],
    ['b > a', '1'],
    ['3 >= 3', '1'],
    ['3 <= 2', '0'],
    ['"" = ""', '1'],
    ['"abc" = ""', '0'],
    ['"5" = 5', '0'],
    // logic
    ['1 & 2', '1'],
    ['1 & 0', '0'],
    // A quoted "" is the two-character string "", not empty: Asterisk's & and | take it as true.
    ['abc & ""', 'abc'],
    ['abc & 0', '0'],
    ['0 | ""', '""'],
    ['0 | 7', '7'],
    ['3 | 0', '3'],
    ['x | y', 'x'],
    ['!0', '1'],
    ['!5', '0'],
    ['!abc', '1'],
    ['!""', '1'],
    ['1 = 1 & 2 = 2', '1'],
    ['1 = 2 | 2 = 2', '1'],
    // ternary
    ['1 ? yes :: no', 'yes'],
    ['0 ? yes :: no', 'no'],
    ['"" ? yes :: no', 'no'],
    ['abc ? yes :: no', 'yes'],
    ['2 > 1 ? a :: b', 'a'],
    // values pass through as written, quotes included
    ['abc', 'abc'],
    ['"quoted text"', '"quoted text"'],
    ['007', '007'],
    ['', ''],
    ['   ', ''],
    // fallbacks on strings
    ['a + 1', '1'],
    ['a * 2', '0'],
    ['5 / 0', '2147483647'],
    ['5 / a', '2147483647'],
    ['5 % 0', '0'],
    // regular expressions and concatenation
    ['abcd : "ab"', '2'],
    ['abcd : "cd"', '0'],
    ['abcd : "a(b)c"', 'b'],
    ['abcd =~ "c."', '2'],
    ['abcd =~ "x(y)"', ''],
    ['"foo" ~~ bar', 'foobar'],
  ])('$[%s] = %j', (text, expected) => {
    expect(evaluate(text)).toBe(expected);
  });

  it('gives 0 and a warning with file and line on a syntax error', () => {
    const warnings: DialplanWarning[] = [];
    expect(evaluateExpression(' = foo', at, { warn: (w) => warnings.push(w) })).toBe('0');
    expect(evaluateExpression('(1 + 2', at, { warn: (w) => warnings.push(w) })).toBe('0');
    expect(evaluateExpression('1 2', at, { warn: (w) => warnings.push(w) })).toBe('0');
    expect(warnings).toHaveLength(3);
    expect(warnings[0]).toMatchObject({ file: 'extensions.conf', line: 7 });
    expect(warnings[0]!.message).toMatch(/syntax error in \$\[ = foo\]/);
  });

  it('refuses function calls with a DialplanError', () => {
    expect(() => evaluate('COS(0)')).toThrow(DialplanError);
    expect(() => evaluate('COS(0)')).toThrow('extensions.conf:7: unsupported function COS() inside $[...]');
  });
});

describe('formatNumber (%.18Lg)', () => {
  it.each([
    [0, '0'],
    [42, '42'],
    [-7, '-7'],
    [2.5, '2.5'],
    [1e20, '1e+20'],
    [0.00001, '1e-05'],
    [0.0001, '0.0001'],
    [123456789012345680, '123456789012345680'],
  ])('%d -> %s', (n, expected) => {
    expect(formatNumber(n)).toBe(expected);
  });
});

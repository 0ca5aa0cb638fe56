/**
 * `$[ ... ]` expressions, as Asterisk's expression parser evaluates them (main/ast_expr2.fl and
 * main/ast_expr2.y). The text arrives already substituted (no ${...} left in it).
 *
 * Values are numbers, numeric strings (a bare 12 or 1.5) or strings (words, and "quoted" text,
 * quotes included). Comparisons are numeric when neither side is a string, string comparisons
 * otherwise, so `"${X}" = ""` is the safe way to test for empty. Arithmetic on a string follows
 * Asterisk's fallbacks (`a + 1` is 1, `x / 0` is 2147483647). A syntax error gives "0", as in
 * Asterisk, and a warning. Precedence, loosest first: `? ::` (ternary), `|`, `&`,
 * `= == != < > <= >=`, `+ -`, `* / %`, unary `! -`, `: =~ ~~` (regex match, concatenation).
 *
 * Known differences: numbers are doubles (Asterisk uses long double and prints up to 18
 * significant digits; here 15, which avoids binary noise like 0.30000000000000004), and regular
 * expressions run as JavaScript ones, which agree with POSIX extended ones on ordinary patterns.
 * Function calls inside $[ ] (COS(), a dialplan function) are not supported.
 */
import { DialplanError, type DialplanWarning, type SourceLocation } from './error.js';

type Value =
  | { kind: 'number'; n: number }
  | { kind: 'numstr'; s: string }
  | { kind: 'string'; s: string };

type TokenType =
  | 'OR' | 'AND' | 'EQ' | 'NE' | 'LT' | 'GT' | 'LE' | 'GE' | 'EQTILDE' | 'TILDETILDE'
  | 'PLUS' | 'MINUS' | 'MULT' | 'DIV' | 'MOD' | 'COND' | 'COLONCOLON' | 'COLON' | 'COMPL'
  | 'COMMA' | 'LP' | 'RP' | 'TOKEN' | 'END';

interface Token {
  type: TokenType;
  value?: Value;
  text: string;
}

class ExprSyntaxError extends Error {}

const INT_MAX = 2147483647;

export interface ExpressionOptions {
  warn?: (warning: DialplanWarning) => void;
}

/** Evaluates the inside of `$[ ]`. Returns "" for an empty expression and "0" on a syntax error. */
export function evaluateExpression(text: string, at: SourceLocation, options: ExpressionOptions = {}): string {
  let tokens: Token[];
  try {
    tokens = tokenize(text);
  } catch (err) {
    return syntaxError(err, text, at, options);
  }
  if (tokens.length === 1) return '';
  const parser = new Parser(tokens, at);
  try {
    const value = parser.parseExpression(0);
    parser.expect('END');
    return valueToString(value);
  } catch (err) {
    if (err instanceof DialplanError) throw err;
    return syntaxError(err, text, at, options);
  }
}

function syntaxError(err: unknown, text: string, at: SourceLocation, options: ExpressionOptions): string {
  if (!(err instanceof ExprSyntaxError)) throw err;
  options.warn?.({ ...at, message: `syntax error in $[${text}]: ${err.message}; the result is 0` });
  return '0';
}

// ---------------------------------------------------------------------------------------------
// Lexer (ast_expr2.fl). Longest match wins; among equal lengths the number rule beats the word
// rule. Characters no rule matches are dropped, as flex's default rule does.

const OPERATORS: ReadonlyArray<[string, TokenType]> = [
  ['||', 'OR'], ['&&', 'AND'], ['==', 'EQ'], ['=~', 'EQTILDE'], ['~~', 'TILDETILDE'],
  ['>=', 'GE'], ['<=', 'LE'], ['!=', 'NE'], ['::', 'COLONCOLON'],
  ['|', 'OR'], ['&', 'AND'], ['=', 'EQ'], ['>', 'GT'], ['<', 'LT'], ['+', 'PLUS'], [',', 'COMMA'],
  ['-', 'MINUS'], ['*', 'MULT'], ['/', 'DIV'], ['%', 'MOD'], ['?', 'COND'], ['!', 'COMPL'],
  [':', 'COLON'], ['(', 'LP'], [')', 'RP'],
];

function isWordChar(c: string): boolean {
  return /[a-zA-Z0-9.';\\_^#@]/.test(c) || c.charCodeAt(0) >= 0x80;
}

/** Length of the word token starting at i (the `$` followed by anything but `{` counts too). */
function wordLength(text: string, i: number): number {
  let j = i;
  while (j < text.length) {
    const c = text[j]!;
    if (c === '$' && j + 1 < text.length && text[j + 1] !== '{') {
      j += 2;
    } else if (isWordChar(c)) {
      j++;
    } else {
      break;
    }
  }
  return j - i;
}

/** A `${...}` left in the text (from a variable's value) with its trailing characters. */
function variableLength(text: string, i: number): number {
  let depth = 0;
  let j = i + 2;
  for (; j < text.length; j++) {
    if (text[j] === '{') depth++;
    else if (text[j] === '}' && depth-- === 0) break;
  }
  j++;
  while (j < text.length && !/[-\t\r \n$():?%/+=*<>!|&]/.test(text[j]!)) j++;
  return Math.min(j, text.length) - i;
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === ' ' || c === '\t' || c === '\r' || c === '\n') {
      i++;
      continue;
    }
    if (c === '"') {
      const end = text.indexOf('"', i + 1);
      if (end >= 0) {
        const s = text.slice(i, end + 1);
        tokens.push({ type: 'TOKEN', value: { kind: 'string', s }, text: s });
        i = end + 1;
        continue;
      }
    }
    if (c === '$' && text[i + 1] === '{') {
      const len = variableLength(text, i);
      const s = text.slice(i, i + len);
      tokens.push({ type: 'TOKEN', value: { kind: 'string', s }, text: s });
      i += len;
      continue;
    }
    const number = /^[0-9]+(\.[0-9]+)?/.exec(text.slice(i));
    const word = wordLength(text, i);
    if (number && number[0].length >= word) {
      tokens.push({ type: 'TOKEN', value: { kind: 'numstr', s: number[0] }, text: number[0] });
      i += number[0].length;
      continue;
    }
    if (word > 0) {
      const s = text.slice(i, i + word);
      tokens.push({ type: 'TOKEN', value: { kind: 'string', s }, text: s });
      i += word;
      continue;
    }
    const op = OPERATORS.find(([o]) => text.startsWith(o, i));
    if (op) {
      tokens.push({ type: op[1], text: op[0] });
      i += op[0].length;
      continue;
    }
    i++; // no rule matches: dropped
  }
  tokens.push({ type: 'END', text: '' });
  return tokens;
}

// ---------------------------------------------------------------------------------------------
// Parser: precedence climbing over the bison precedence table.

const BINARY_PRECEDENCE: Partial<Record<TokenType, number>> = {
  COND: 2,
  OR: 3,
  AND: 4,
  EQ: 5, GT: 5, LT: 5, GE: 5, LE: 5, NE: 5,
  PLUS: 6, MINUS: 6,
  MULT: 7, DIV: 7, MOD: 7,
  COLON: 9, EQTILDE: 9, TILDETILDE: 9,
};
const UNARY_PRECEDENCE = 8;

class Parser {
  private pos = 0;
  constructor(
    private readonly tokens: Token[],
    private readonly at: SourceLocation,
  ) {}

  private peek(): Token {
    return this.tokens[this.pos]!;
  }

  private next(): Token {
    return this.tokens[this.pos++]!;
  }

  expect(type: TokenType): Token {
    const t = this.next();
    if (t.type !== type) throw new ExprSyntaxError(`unexpected ${describe(t)}, expected ${type}`);
    return t;
  }

  /** Parses operators binding tighter than `min` (all left-associative). */
  parseExpression(min: number): Value {
    let left = this.parseUnary();
    for (;;) {
      const op = this.peek();
      const prec = BINARY_PRECEDENCE[op.type];
      if (prec === undefined || prec <= min) return left;
      this.next();
      if (op.type === 'COND') {
        const ifTrue = this.parseExpression(0);
        this.expect('COLONCOLON');
        const ifFalse = this.parseExpression(prec);
        left = opCond(left, ifTrue, ifFalse);
      } else {
        const right = this.parseExpression(prec);
        left = applyBinary(op.type, left, right);
      }
    }
  }

  private parseUnary(): Value {
    const t = this.next();
    switch (t.type) {
      case 'COMPL':
        return opCompl(this.parseExpression(UNARY_PRECEDENCE));
      case 'MINUS':
        return opNegate(this.parseExpression(UNARY_PRECEDENCE));
      case 'LP': {
        const inner = this.parseExpression(0);
        this.expect('RP');
        return inner;
      }
      case 'TOKEN':
        if (this.peek().type === 'LP') {
          throw new DialplanError(
            this.at,
            `unsupported function ${t.text}() inside $[...]`,
            'DIALPLAN_ERR_UNKNOWN_FUNCTION',
          );
        }
        return { ...t.value! };
      default:
        throw new ExprSyntaxError(`unexpected ${describe(t)}`);
    }
  }
}

function describe(t: Token): string {
  return t.type === 'END' ? 'end of expression' : `'${t.text}'`;
}

// ---------------------------------------------------------------------------------------------
// Operators (ast_expr2.y op_*), with their fallbacks for non-numeric arguments.

function applyBinary(op: TokenType, a: Value, b: Value): Value {
  switch (op) {
    case 'OR':
      return isZeroOrNull(a) ? b : a;
    case 'AND':
      return isZeroOrNull(a) || isZeroOrNull(b) ? num(0) : a;
    case 'EQ':
      return compare(a, b, (c) => c === 0);
    case 'NE':
      return compare(a, b, (c) => c !== 0);
    case 'LT':
      return compare(a, b, (c) => c < 0);
    case 'GT':
      return compare(a, b, (c) => c > 0);
    case 'LE':
      return compare(a, b, (c) => c <= 0);
    case 'GE':
      return compare(a, b, (c) => c >= 0);
    case 'PLUS': {
      const x = toNumber(a);
      const y = toNumber(b);
      if (x === undefined) return y === undefined ? num(0) : num(y);
      if (y === undefined) return num(x);
      return num(x + y);
    }
    case 'MINUS': {
      const x = toNumber(a);
      const y = toNumber(b);
      if (x === undefined) return y === undefined ? num(0) : num(0 - y);
      if (y === undefined) return num(x);
      return num(x - y);
    }
    case 'MULT': {
      const x = toNumber(a);
      const y = x === undefined ? undefined : toNumber(b);
      return x === undefined || y === undefined ? num(0) : num(x * y);
    }
    case 'DIV': {
      const x = toNumber(a);
      if (x === undefined) return num(0);
      const y = toNumber(b);
      if (y === undefined || y === 0) return num(INT_MAX);
      return num(x / y);
    }
    case 'MOD': {
      const x = toNumber(a);
      const y = x === undefined ? undefined : toNumber(b);
      if (x === undefined || y === undefined) return num(0);
      if (y === 0) return num(0);
      return num(x % y);
    }
    case 'COLON':
      return regexMatch(a, b, true);
    case 'EQTILDE':
      return regexMatch(a, b, false);
    case 'TILDETILDE':
      return makeString(stripQuotes(toStringValue(a)) + stripQuotes(toStringValue(b)));
    default:
      throw new ExprSyntaxError(`unexpected operator ${op}`);
  }
}

function num(n: number): Value {
  return { kind: 'number', n };
}

/** make_str: a result string is numeric when it starts with a digit or '.' and has only digits and dots. */
function makeString(s: string): Value {
  return /^[0-9.]+$/.test(s) ? { kind: 'numstr', s } : { kind: 'string', s };
}

/** to_number: strings are never numbers; numeric strings convert like strtod. */
function toNumber(v: Value): number | undefined {
  if (v.kind === 'number') return v.n;
  if (v.kind === 'string') return undefined;
  const n = Number.parseFloat(v.s);
  return Number.isNaN(n) ? 0 : n;
}

function toStringValue(v: Value): string {
  return v.kind === 'number' ? formatNumber(v.n) : v.s;
}

function isZeroOrNull(v: Value): boolean {
  if (v.kind === 'number') return v.n === 0;
  if (v.s === '') return true;
  return v.kind === 'numstr' && toNumber(v) === 0;
}

function compare(a: Value, b: Value, test: (c: number) => boolean): Value {
  if (a.kind === 'string' || b.kind === 'string') {
    const x = toStringValue(a);
    const y = toStringValue(b);
    return num(test(x < y ? -1 : x > y ? 1 : 0) ? 1 : 0);
  }
  const x = toNumber(a)!;
  const y = toNumber(b)!;
  return num(test(x < y ? -1 : x > y ? 1 : 0) ? 1 : 0);
}

function opCond(a: Value, ifTrue: Value, ifFalse: Value): Value {
  if (a.kind === 'string') {
    return a.s !== '' && a.s !== '""' && a.s !== '0' ? ifTrue : ifFalse;
  }
  return toNumber(a) ? ifTrue : ifFalse;
}

function opNegate(a: Value): Value {
  const x = toNumber(a);
  return x === undefined ? num(0) : num(-x);
}

/** op_compl: "" and "0" are false, other strings are what atoi() makes of them. */
function opCompl(a: Value): Value {
  let truth: boolean;
  if (a.kind === 'number') {
    truth = a.n !== 0;
  } else if (a.s === '' || a.s === '0') {
    truth = false;
  } else {
    const m = /^\s*([+-]?\d+)/.exec(a.s);
    truth = m ? Number.parseInt(m[1]!, 10) !== 0 : false;
  }
  return num(truth ? 0 : 1);
}

/** strip_quotes: when a string starts and ends with '"', every '"' in it goes. */
function stripQuotes(s: string): string {
  return s.length > 0 && s.startsWith('"') && s.endsWith('"') ? s.replaceAll('"', '') : s;
}

/**
 * `a : re` (anchored at the start) and `a =~ re` (anywhere): the first group when the pattern
 * has one, else the length of the match; no match is "" with a group, 0 without.
 */
function regexMatch(a: Value, b: Value, anchored: boolean): Value {
  const subject = stripQuotes(toStringValue(a));
  const source = stripQuotes(toStringValue(b));
  let re: RegExp;
  try {
    re = new RegExp(source);
  } catch {
    return makeString('');
  }
  const groups = new RegExp(`${source}|`).exec('')!.length - 1;
  const m = re.exec(subject);
  if (m && (!anchored || m.index === 0)) {
    if (groups > 0 && m[1] !== undefined) return makeString(m[1]);
    return num(m[0].length);
  }
  return groups > 0 ? makeString('') : num(0);
}

/** printf("%.18Lg") for the values doubles can carry: integers exactly, others to 15 digits. */
export function formatNumber(n: number): string {
  if (Number.isNaN(n)) return 'nan';
  if (!Number.isFinite(n)) return n > 0 ? 'inf' : '-inf';
  if (Object.is(n, -0)) return '-0';
  const exponent = n === 0 ? 0 : Math.floor(Math.log10(Math.abs(n)));
  if (exponent < -4 || exponent >= 18) {
    const [mantissa, exp] = n.toExponential(14).split('e');
    const e = Number(exp);
    const trimmed = mantissa!.includes('.') ? mantissa!.replace(/0+$/, '').replace(/\.$/, '') : mantissa!;
    return `${trimmed}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
  }
  if (Number.isInteger(n)) return n.toFixed(0);
  const fixed = Number(n.toPrecision(15)).toString();
  return fixed.includes('e') ? n.toFixed(Math.max(0, 14 - exponent)).replace(/0+$/, '') : fixed;
}

function valueToString(v: Value): string {
  return toStringValue(v);
}

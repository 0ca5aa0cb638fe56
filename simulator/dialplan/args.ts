/**
 * How Asterisk cuts application and function arguments apart (main/app.c
 * __ast_app_separate_args) and how it decides whether a condition is true (main/pbx.c
 * pbx_checkcondition). Ported rule for rule, because dialplans rely on the quirks.
 */

export interface SplitOptions {
  /** The separator; ',' for application arguments, '?' and ':' inside IF() and GotoIf(). */
  delim?: string;
  /**
   * Asterisk's "remove_chars": drop the double quotes and the backslash of `\x`. True for
   * AST_STANDARD_APP_ARGS / AST_NONSTANDARD_APP_ARGS (what applications use), false for the
   * RAW variants.
   */
  removeChars?: boolean;
  /**
   * How many arguments the caller declared. The last one receives the unparsed rest of the
   * string, quotes and backslashes included (this is how `Verbose(1,a,b)` prints "a,b").
   */
  max?: number;
}

/**
 * Splits application data on commas that are not inside parentheses, square brackets or double
 * quotes. `splitArgs('')` is `[]`; `splitArgs('a,')` is `['a', '']`.
 */
export function splitArgs(data: string, options: SplitOptions = {}): string[] {
  const delim = options.delim ?? ',';
  const removeChars = options.removeChars ?? true;
  const max = options.max ?? Number.POSITIVE_INFINITY;
  if (delim.length !== 1) throw new Error(`splitArgs: delimiter must be one character, got '${delim}'`);
  if (max < 1) return [];

  const args: string[] = [];
  let paren = 0;
  let bracket = 0;
  let quote = false;
  let i = 0;
  let endedOnDelim = false;

  while (i < data.length && args.length < max - 1) {
    let current = '';
    endedOnDelim = false;
    for (; i < data.length; i++) {
      const c = data[i]!;
      if (c === '(') {
        paren++;
      } else if (c === ')') {
        if (paren) paren--;
      } else if (c === '[') {
        bracket++;
      } else if (c === ']') {
        if (bracket) bracket--;
      } else if (c === '"' && delim !== '"') {
        quote = !quote;
        if (removeChars) continue;
      } else if (c === '\\') {
        if (removeChars) {
          // The backslash goes, the next character is taken as it is.
          i++;
          if (i < data.length) current += data[i];
          continue;
        }
        current += c;
        i++;
        if (i < data.length) current += data[i];
        continue;
      } else if (c === delim && !paren && !quote && !bracket) {
        i++;
        endedOnDelim = true;
        break;
      }
      current += c;
    }
    args.push(current);
  }

  if (i < data.length) {
    // The last declared argument: the raw rest.
    args.push(data.slice(i));
  } else if (endedOnDelim) {
    // A trailing delimiter announces one more, empty, argument.
    args.push('');
  }
  return args;
}

/**
 * pbx_checkcondition: empty is false, a leading integer is its own truth value ("0abc" is
 * false, " 2" is true), any other string is true. Used by GotoIf(), IF() and ExecIf().
 */
export function checkCondition(condition: string | undefined): boolean {
  if (condition === undefined || condition === '') return false;
  const m = /^\s*([+-]?\d+)/.exec(condition);
  if (m) return Number.parseInt(m[1]!, 10) !== 0;
  return true;
}

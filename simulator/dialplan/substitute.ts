/**
 * Variable, function and expression substitution, as pbx_substitute_variables_helper_full
 * (main/pbx_variables.c) does it: `${NAME}`, `${NAME:offset:length}`, `${FUNC(args)}`,
 * `$[expression]`, nested to any depth (`${${X}}`, `${IF($["${A}" = ""]?x:y)}`). What is
 * inside `${...}` or `$[...]` is substituted first, then looked up or evaluated. A value is
 * never substituted again (a variable holding "${X}" yields the text "${X}").
 *
 * Built-in functions: UUID(), IF(cond?a:b), LEN(s), ISNULL(s), EXISTS(s). Others (CHANNEL(),
 * CALLERID(), ...) come from the caller's SubstituteContext; a function nobody provides throws
 * DialplanError `file:line: unsupported function FOO()`. Function names are case-sensitive, as
 * in Asterisk 22.
 */
import { randomUUID } from 'node:crypto';
import { checkCondition, splitArgs } from './args.js';
import { DialplanError, type DialplanWarning, type SourceLocation } from './error.js';
import { evaluateExpression } from './expr.js';

export interface SubstituteContext {
  /**
   * A variable's value, or undefined when unset: the channel's variable first, then the global
   * one, and the built-ins EXTEN, CONTEXT, PRIORITY, CHANNEL, UNIQUEID, ... (an empty channel
   * variable hides a global of the same name, as in Asterisk).
   */
  getVar(name: string): string | undefined;
  /**
   * Functions beyond the built-ins, e.g. readFunction('CHANNEL', 'name'). `args` is already
   * substituted. Return undefined for a function you do not provide; throw an Error for bad
   * arguments (it is reported with file and line).
   */
  readFunction?(name: string, args: string): string | undefined;
  /** What Asterisk would only log: an expression syntax error, a missing '}'. */
  warn?(warning: DialplanWarning): void;
  /** Source of UUID(); crypto.randomUUID by default. */
  uuid?(): string;
}

/** The functions substitute() evaluates itself. */
export const BUILTIN_FUNCTIONS: ReadonlySet<string> = new Set(['UUID', 'IF', 'LEN', 'ISNULL', 'EXISTS']);

export function substitute(text: string, ctx: SubstituteContext, at: SourceLocation): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const dollar = text.indexOf('$', i);
    if (dollar < 0) {
      out += text.slice(i);
      break;
    }
    const kind = text[dollar + 1];
    if (kind !== '{' && kind !== '[') {
      out += text.slice(i, dollar + 1);
      i = dollar + 1;
      continue;
    }
    out += text.slice(i, dollar);
    const span = findClose(text, dollar + 2, kind === '{' ? '{' : '[', kind === '{' ? '}' : ']');
    if (!span.closed) {
      ctx.warn?.({ ...at, message: `missing '${kind === '{' ? '}' : ']'}' in '${text}'` });
    }
    i = span.next;
    const inner = span.needsSub ? substitute(span.inner, ctx, at) : span.inner;
    out += kind === '{' ? expandVariable(inner, ctx, at) : evaluateExpression(inner, at, { warn: ctx.warn });
  }
  return out;
}

interface Span {
  inner: string;
  /** Index after the closing character (or the end of the text). */
  next: number;
  needsSub: boolean;
  closed: boolean;
}

/**
 * The bracket counting of pbx_substitute_variables_helper_full: for `${`, nested `${` and `{`
 * open, `}` closes; for `$[`, nested `$[` and `[` open, `]` closes. Either kind inside marks
 * the content for substitution.
 */
function findClose(text: string, start: number, open: string, close: string): Span {
  const sameKind = open === '{' ? '{' : '[';
  const otherKind = open === '{' ? '[' : '{';
  let depth = 1;
  let needsSub = false;
  let j = start;
  while (depth && j < text.length) {
    const c = text[j];
    if (c === '$' && text[j + 1] === sameKind) {
      needsSub = true;
      depth++;
      j++;
    } else if (c === open) {
      depth++;
    } else if (c === close) {
      depth--;
    } else if (c === '$' && text[j + 1] === otherKind) {
      needsSub = true;
      j++;
    }
    j++;
  }
  const closed = depth === 0;
  return { inner: text.slice(start, closed ? j - 1 : j), next: j, needsSub, closed };
}

/** `NAME`, `NAME:offset:length`, `FUNC(args)` or `FUNC(args):offset:length`. */
function expandVariable(expression: string, ctx: SubstituteContext, at: SourceLocation): string {
  const { name, offset, length, isFunction } = parseVariableName(expression);
  const value = isFunction ? callFunction(name, ctx, at) : ctx.getVar(name);
  if (value === undefined) return '';
  return substring(value, offset, length);
}

/** parse_variable_name: splits off `:offset:length` at the first ':' outside parentheses. */
function parseVariableName(expression: string): { name: string; offset: number; length: number; isFunction: boolean } {
  let parens = 0;
  let isFunction = false;
  for (let i = 0; i < expression.length; i++) {
    const c = expression[i];
    if (c === '(') {
      isFunction = true;
      parens++;
    } else if (c === ')') {
      parens--;
    } else if (c === ':' && parens === 0) {
      // sscanf("%d:%d"): when the offset does not parse, neither does the length.
      const m = /^\s*([+-]?\d+)(?::\s*([+-]?\d+))?/.exec(expression.slice(i + 1));
      return {
        name: expression.slice(0, i),
        offset: m ? Number.parseInt(m[1]!, 10) : 0,
        length: m && m[2] !== undefined ? Number.parseInt(m[2], 10) : Number.POSITIVE_INFINITY,
        isFunction,
      };
    }
  }
  return { name: expression, offset: 0, length: Number.POSITIVE_INFINITY, isFunction };
}

/**
 * substring(): a negative offset counts from the end, a negative length leaves that many
 * characters off the end.
 */
function substring(value: string, offset: number, length: number): string {
  const lr = value.length;
  if (offset === 0 && length >= lr) return value;
  let start = offset;
  if (start < 0) start = Math.max(0, lr + start);
  if (start >= lr) return '';
  const rest = value.slice(start);
  if (length >= 0) return rest.slice(0, length);
  return lr > start - length ? value.slice(start, lr + length) : '';
}

/** ast_func_read: the name is before the first '(', the arguments up to the last ')'. */
function callFunction(call: string, ctx: SubstituteContext, at: SourceLocation): string | undefined {
  const open = call.indexOf('(');
  const name = call.slice(0, open);
  let args = call.slice(open + 1);
  const close = args.lastIndexOf(')');
  if (close >= 0) {
    args = args.slice(0, close);
  } else {
    ctx.warn?.({ ...at, message: `no ')' after the arguments of ${name}(` });
  }

  switch (name) {
    case 'UUID':
      return ctx.uuid ? ctx.uuid() : randomUUID();
    case 'LEN':
      return String(Buffer.byteLength(args, 'utf8'));
    case 'ISNULL':
      return args === '' ? '1' : '0';
    case 'EXISTS':
      return args === '' ? '0' : '1';
    case 'IF':
      return functionIf(args);
  }

  let value: string | undefined;
  try {
    value = ctx.readFunction?.(name, args);
  } catch (err) {
    if (err instanceof DialplanError) throw err;
    const message = err instanceof Error ? err.message : String(err);
    throw new DialplanError(at, `${name}(${args}): ${message}`, 'DIALPLAN_ERR_FUNCTION');
  }
  if (value === undefined) {
    throw new DialplanError(at, `unsupported function ${name}()`, 'DIALPLAN_ERR_UNKNOWN_FUNCTION');
  }
  return value;
}

/**
 * func_logic.c acf_if: `cond?iftrue:iffalse`, split like AST_NONSTANDARD_APP_ARGS (so quotes
 * and parentheses protect '?' and ':', and the false branch is the raw rest). An empty
 * condition or no branch at all is an error, which yields nothing.
 */
function functionIf(args: string): string | undefined {
  const [condition, remainder] = splitArgs(args, { delim: '?', max: 2 });
  const branches = remainder === undefined ? [] : splitArgs(remainder, { delim: ':', max: 2 });
  const ifTrue = branches[0];
  const ifFalse = branches[1];
  if (!condition || (ifTrue === undefined && ifFalse === undefined)) return undefined;
  return checkCondition(condition.trim()) ? (ifTrue?.trim() ?? '') : (ifFalse?.trim() ?? '');
}

/**
 * The function names a text calls, at any depth (`${IF(${ISNULL(x)}?...)}` gives IF and ISNULL).
 * For checking a dialplan before running it; names built from variables are not seen.
 */
export function functionsUsed(text: string): string[] {
  const names = new Set<string>();
  for (const m of text.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)\(/g)) names.add(m[1]!);
  return [...names];
}

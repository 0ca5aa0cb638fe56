/**
 * Reads Asterisk's config file format (main/config.c) into categories of name/value entries,
 * each entry keeping its file and line. Knows what config.c knows and nothing about the
 * dialplan: `;` comments and `\;`, `;-- block comments --;`, `[category]`, `[cat](!)`
 * templates, `[cat](tmpl,...)` inheritance, `[cat](+)` appending, `name = value`,
 * `name => value`, `name += more`, `#include` / `#tryinclude` (with the caller reading files).
 */
import { DialplanError, type SourceLocation } from './error.js';

export interface ConfigEntry {
  name: string;
  value: string;
  /** Written with `=>` rather than `=`. */
  object: boolean;
  at: SourceLocation;
}

export interface ConfigCategory {
  name: string;
  /** `[name](!)`: a template, only there to be inherited; Asterisk does not browse it. */
  template: boolean;
  at: SourceLocation;
  entries: ConfigEntry[];
}

export interface IncludedFile {
  /** The name to report in errors, e.g. "extensions-custom.conf". */
  file: string;
  text: string;
}

export interface ReadConfigOptions {
  /**
   * Resolves an `#include` / `#tryinclude` argument to the files it names (a glob may name
   * several, none is an empty array). Without it, any `#include` is an error.
   */
  include?: (name: string, at: SourceLocation) => IncludedFile[];
}

/** Deeper nesting than this is taken for an include loop. */
const MAX_INCLUDE_DEPTH = 32;

export function readConfig(text: string, file: string, options: ReadConfigOptions = {}): ConfigCategory[] {
  const categories: ConfigCategory[] = [];
  const state: ParseState = { categories, current: undefined, depth: 0, options };
  readText(text, file, state);
  return categories;
}

interface ParseState {
  categories: ConfigCategory[];
  current: ConfigCategory | undefined;
  depth: number;
  options: ReadConfigOptions;
}

function readText(text: string, file: string, state: ParseState): void {
  const lines = text.split('\n');
  let blockDepth = 0;
  for (let n = 0; n < lines.length; n++) {
    let line = lines[n]!;
    if (n === 0 && line.startsWith('\uFEFF')) line = line.slice(1);
    const at = { file, line: n + 1 };
    const stripped = stripComments(line, blockDepth);
    blockDepth = stripped.blockDepth;
    const content = stripped.text.trim();
    if (content !== '') readLine(content, at, state);
  }
}

/**
 * The comment scan of config_text_file_load: `\;` becomes `;`, `;--` opens a block comment
 * (nestable), `--;` closes one, any other `;` ends the line.
 */
function stripComments(line: string, blockDepth: number): { text: string; blockDepth: number } {
  let kept = blockDepth > 0 ? undefined : '';
  let rest = line;
  for (;;) {
    const semi = rest.indexOf(';');
    if (semi < 0) break;
    if (semi > 0 && rest[semi - 1] === '\\') {
      // An escaped semicolon: keep it, without the backslash, and scan on after it.
      if (kept !== undefined && blockDepth === 0) kept += rest.slice(0, semi - 1) + ';';
      rest = rest.slice(semi + 1);
      continue;
    }
    if (rest[semi + 1] === '-' && rest[semi + 2] === '-' && rest[semi + 3] !== '-') {
      if (kept !== undefined && blockDepth === 0) kept += rest.slice(0, semi);
      blockDepth++;
      rest = rest.slice(semi + 3);
      continue;
    }
    if (semi >= 2 && rest[semi - 1] === '-' && rest[semi - 2] === '-' && blockDepth > 0) {
      blockDepth--;
      rest = rest.slice(semi + 1);
      if (blockDepth === 0) kept ??= '';
      continue;
    }
    if (blockDepth === 0) {
      if (kept !== undefined) kept += rest.slice(0, semi);
      return { text: kept ?? '', blockDepth };
    }
    rest = rest.slice(semi + 1);
  }
  if (blockDepth === 0 && kept !== undefined) kept += rest;
  return { text: kept ?? '', blockDepth };
}

function readLine(content: string, at: SourceLocation, state: ParseState): void {
  if (content.startsWith('[')) {
    readCategoryHeader(content, at, state);
  } else if (content.startsWith('#')) {
    readDirective(content, at, state);
  } else {
    readEntry(content, at, state);
  }
}

function readCategoryHeader(content: string, at: SourceLocation, state: ParseState): void {
  const close = content.indexOf(']');
  if (close < 0) throw new DialplanError(at, "no closing ']' in category header");
  const name = content.slice(1, close);
  if (name === '') throw new DialplanError(at, 'empty category name');
  const created: ConfigCategory = { name, template: false, at, entries: [] };
  let target = created;
  let appended = false;

  if (content[close + 1] === '(') {
    const end = content.indexOf(')', close + 2);
    if (end < 0) throw new DialplanError(at, "no closing ')' after category options");
    for (const option of content.slice(close + 2, end).split(',')) {
      if (option === '!') {
        created.template = true;
      } else if (option.startsWith('+')) {
        const existing = findCategory(state.categories, name, false);
        if (!existing) {
          throw new DialplanError(at, `[${name}](+) appends to a category that does not exist yet`);
        }
        existing.template ||= created.template;
        existing.entries.push(...created.entries);
        target = existing;
        appended = true;
      } else {
        const base = findCategory(state.categories, option, true);
        if (!base) {
          throw new DialplanError(at, `[${name}] inherits from '${option}', which is not defined above it`);
        }
        // Inherited entries keep the file and line where the template wrote them.
        target.entries.push(...base.entries.map((e) => ({ ...e })));
      }
    }
  }

  state.current = target;
  if (!appended) state.categories.push(created);
}

/** category_get_sep: names compare case-insensitively; templates only when asked for. */
function findCategory(categories: ConfigCategory[], name: string, templatesToo: boolean): ConfigCategory | undefined {
  const wanted = name.toLowerCase();
  return categories.find((c) => c.name.toLowerCase() === wanted && (templatesToo || !c.template));
}

function readDirective(content: string, at: SourceLocation, state: ParseState): void {
  const m = /^#(\S*)\s*(.*)$/.exec(content)!;
  const directive = m[1]!.toLowerCase();
  let arg = m[2]!.trim();
  if (directive === 'exec') {
    throw new DialplanError(at, '#exec is not supported (it needs execincludes and runs programs)', 'DIALPLAN_ERR_UNSUPPORTED');
  }
  if (directive !== 'include' && directive !== 'tryinclude') {
    throw new DialplanError(at, `unknown directive '#${m[1]}'`);
  }
  if (arg === '') throw new DialplanError(at, `#${directive} needs a file name`);
  const first = arg[0];
  const closing = first === '<' ? '>' : first === '"' ? '"' : undefined;
  if (closing && arg.length > 1 && arg.endsWith(closing)) arg = arg.slice(1, -1);

  const reader = state.options.include;
  if (!reader) {
    throw new DialplanError(at, `#${directive} ${arg}: includes need a file reader (use loadDialplan)`, 'DIALPLAN_ERR_INCLUDE');
  }
  if (state.depth >= MAX_INCLUDE_DEPTH) {
    throw new DialplanError(at, `#${directive} ${arg}: includes nested deeper than ${MAX_INCLUDE_DEPTH} (a loop?)`, 'DIALPLAN_ERR_INCLUDE');
  }
  const files = reader(arg, at);
  if (files.length === 0 && directive === 'include') {
    throw new DialplanError(at, `#include ${arg}: no such file`, 'DIALPLAN_ERR_INCLUDE');
  }
  state.depth++;
  try {
    for (const f of files) readText(f.text, f.file, state);
  } finally {
    state.depth--;
  }
}

function readEntry(content: string, at: SourceLocation, state: ParseState): void {
  const category = state.current;
  if (!category) throw new DialplanError(at, 'a setting before any [category]');
  // A leading backslash escapes the first character (e.g. a name starting with '[' or '#').
  const start = content.startsWith('\\') ? 1 : 0;
  const eq = content.indexOf('=', start * 2);
  if (eq < 0) throw new DialplanError(at, `no '=' in '${content}'`);

  if (eq > start * 2 && content[eq - 1] === '+') {
    const name = content.slice(start, eq - 1).trim();
    const more = content.slice(eq + 1);
    const previous = category.entries.findLast((e) => e.name === name);
    if (previous) {
      previous.value = (previous.value + more).trim();
      return;
    }
    category.entries.push({ name, value: more.trim(), object: false, at });
    return;
  }

  const name = content.slice(start, eq).trim();
  const object = content[eq + 1] === '>';
  const value = content.slice(eq + (object ? 2 : 1)).trim();
  if (name === '') throw new DialplanError(at, `no name before '=' in '${content}'`);
  category.entries.push({ name, value, object, at });
}

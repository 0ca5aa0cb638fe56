/**
 * Matching with the semantics of Asterisk's testsuite (test-config.yaml): an expected row matches
 * an actual object by subset (only the fields the row names are compared), string values are
 * patterns, and how many times something must happen is a range checked when the scenario has
 * run, with `0` forbidding it.
 *
 *   value   `done`            equals "done" (numbers and booleans compare by their text)
 *           `/^sound:[^.]+$/` a regular expression (flags after the last slash)
 *           `<absent>`        the field is missing (undefined or null)
 *           `<any>`           the field is present, whatever its value
 *   count   `1`, `0`, `>0`, `>=2`, `<3`, `<=3`, `2..4`
 */

export interface CountRange {
  min: number;
  max: number;
  text: string;
}

/** Parses a count as written in a feature file. Throws on anything else, naming it. */
export function parseCount(text: string): CountRange {
  const t = text.trim();
  let m: RegExpExecArray | null;
  if ((m = /^(\d+)$/.exec(t))) return { min: Number(m[1]), max: Number(m[1]), text: t };
  if ((m = /^>=\s*(\d+)$/.exec(t))) return { min: Number(m[1]), max: Infinity, text: t };
  if ((m = /^>\s*(\d+)$/.exec(t))) return { min: Number(m[1]) + 1, max: Infinity, text: t };
  if ((m = /^<=\s*(\d+)$/.exec(t))) return { min: 0, max: Number(m[1]), text: t };
  if ((m = /^<\s*(\d+)$/.exec(t))) return { min: 0, max: Math.max(0, Number(m[1]) - 1), text: t };
  if ((m = /^(\d+)\s*\.\.\s*(\d+)$/.exec(t))) {
    const [a, b] = [Number(m[1]), Number(m[2])];
    if (a > b) throw new Error(`count range ${t}: the lower bound is above the upper one`);
    return { min: a, max: b, text: t };
  }
  throw new Error(`not a count: ${JSON.stringify(text)} (use 1, 0, >0, >=2, <3, <=3 or 2..4)`);
}

export function inRange(n: number, r: CountRange): boolean {
  return n >= r.min && n <= r.max;
}

/** `a.b.c` into an object; array indexes are numbers (`args.0`). */
export function getPath(obj: unknown, path: string): unknown {
  let node: unknown = obj;
  for (const key of path.split('.')) {
    if (node === null || node === undefined || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

const REGEX_RE = /^\/(.*)\/([a-z]*)$/s;

/** Whether one actual value matches one expected pattern (see the module comment). */
export function matchValue(pattern: string, actual: unknown): boolean {
  const p = pattern.trim();
  if (p === '<absent>') return actual === undefined || actual === null;
  if (p === '<any>') return actual !== undefined && actual !== null;
  if (actual === undefined || actual === null) return false;
  const text = typeof actual === 'object' ? JSON.stringify(actual) : String(actual);
  const re = REGEX_RE.exec(p);
  if (re) return new RegExp(re[1], re[2]).test(text);
  return text === p;
}

/** Whether `actual` has every field of `expected` (dotted paths) with a matching value. */
export function matchesSubset(actual: unknown, expected: Record<string, string>): boolean {
  return Object.entries(expected).every(([path, pattern]) => matchValue(pattern, getPath(actual, path)));
}

/** One row of a feature table: its `count` column (default `>0`) apart from the fields to match. */
export function splitCount(row: Record<string, string>, defaultCount = '>0'): { fields: Record<string, string>; count: CountRange } {
  const { count, ...rest } = row;
  const fields: Record<string, string> = {};
  // An empty cell means "not compared", so one table can name different fields per row.
  for (const [k, v] of Object.entries(rest)) if (v.trim() !== '') fields[k] = v;
  return { fields, count: parseCount(count === undefined || count.trim() === '' ? defaultCount : count) };
}

/**
 * Checks each expected row against a list: how many items match, against the row's count.
 * Returns one line per failed row, saying what was expected and what was seen.
 */
export function checkCounts<T>(
  items: readonly T[],
  rows: ReadonlyArray<Record<string, string>>,
  describe: (item: T) => string,
  defaultCount = '>0',
): string[] {
  const failures: string[] = [];
  for (const row of rows) {
    const { fields, count } = splitCount(row, defaultCount);
    const matched = items.filter((i) => matchesSubset(i, fields));
    if (!inRange(matched.length, count)) {
      const seen = matched.length > 0 ? matched.slice(0, 5).map(describe) : items.slice(-8).map(describe);
      failures.push(
        `expected ${count.text} matching ${JSON.stringify(fields)}, found ${matched.length}` +
          (seen.length > 0 ? `\n      ${matched.length > 0 ? 'matches' : 'last of what was seen'}:\n        ${seen.join('\n        ')}` : ''),
      );
    }
  }
  return failures;
}

/** Percentile (nearest rank) of a non-empty list. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) throw new Error('percentile of an empty list');
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

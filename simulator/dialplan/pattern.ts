/**
 * Extension names and patterns, as Asterisk 22 matches and orders them (main/pbx.c:
 * _extension_match_core, ext_cmp, ext_cmp_pattern_pos, ext_strncpy).
 *
 * A name starting with '_' is a pattern: X = 0-9, Z = 1-9, N = 2-9, [1-5a] = a set with ranges,
 * '.' = one or more of anything (the rest of the pattern is ignored), '!' = zero or more. Other
 * characters match themselves. '-' is eye candy and ignored outside sets, in names and in the
 * dialed string alike.
 *
 * Asterisk keeps the extensions of a context sorted with ext_cmp and takes the first one that
 * matches, so exact names come before patterns and narrower patterns before wider ones.
 */

/** True for a pattern name (`_X.`), false for a literal one (`s`, `100`). */
export function isPattern(name: string): boolean {
  return name.startsWith('_');
}

/**
 * The name as Asterisk stores it (ext_strncpy with "no fluff"): blanks removed, and '-'
 * removed outside character sets.
 */
export function normalizeExtension(name: string): string {
  const pattern = isPattern(name);
  let out = '';
  let inSet = false;
  for (const c of name) {
    if (c === '[') {
      if (pattern) inSet = true;
    } else if (c === ']') {
      inSet = false;
    } else if ((c === ' ' || c === '-') && !inSet) {
      continue;
    }
    out += c;
  }
  return out;
}

/** Why a pattern can never match (an unclosed '['), or undefined when it is well formed. */
export function patternProblem(name: string): string | undefined {
  if (!isPattern(name)) return undefined;
  const body = name.slice(1);
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c === '.' || c === '!') return undefined; // Asterisk stops reading the pattern here.
    if (c === '[') {
      const end = body.indexOf(']', i + 1);
      if (end < 0) return `pattern '${name}' has a '[' without ']'`;
      i = end;
    }
  }
  return undefined;
}

/**
 * Whether a dialed extension matches a name (E_MATCH mode): literal names compare equal
 * ignoring '-', patterns match the whole string. A dialed string that is itself a pattern
 * (`_X.`) matches the same pattern, as in Asterisk.
 */
export function extensionMatches(name: string, dialed: string): boolean {
  if (!isPattern(name)) {
    return stripDashes(name) === stripDashes(dialed);
  }
  if (dialed.startsWith('_') && comparePatterns(name.slice(1), dialed.slice(1)) === 0) {
    return true;
  }
  return matchPattern(name.slice(1), dialed);
}

function stripDashes(s: string): string {
  return s.replaceAll('-', '');
}

function matchPattern(pattern: string, data: string): boolean {
  let p = 0;
  let d = 0;
  for (;;) {
    while (data[d] === '-') d++;
    while (pattern[p] === '-') p++;
    if (d >= data.length || p >= pattern.length) break;
    const pc = pattern[p]!;
    const dc = data[d]!;
    switch (pc) {
      case '[': {
        const end = pattern.indexOf(']', p + 1);
        if (end < 0) return false;
        let q = p + 1;
        if (q === end) {
          // An empty set is skipped, not matched against a character.
          p = end + 1;
          continue;
        }
        let found = false;
        for (; q < end; q++) {
          if (q + 2 < end && pattern[q + 1] === '-') {
            if (dc >= pattern[q]! && dc <= pattern[q + 2]!) {
              found = true;
              break;
            }
            q += 2;
          } else if (dc === pattern[q]) {
            found = true;
            break;
          }
        }
        if (!found) return false;
        p = end;
        break;
      }
      case 'n':
      case 'N':
        if (dc < '2' || dc > '9') return false;
        break;
      case 'x':
      case 'X':
        if (dc < '0' || dc > '9') return false;
        break;
      case 'z':
      case 'Z':
        if (dc < '1' || dc > '9') return false;
        break;
      case '.':
        return true;
      case '!':
        return true;
      default:
        if (dc !== pc) return false;
    }
    d++;
    p++;
  }
  if (d < data.length) return false;
  // The dialed string is used up: an exact match, or '!' that also matches nothing more.
  return p >= pattern.length || pattern[p] === '!';
}

/**
 * ext_cmp: the order of extensions inside a context. Negative when `a` is tried before `b`.
 * Literal names first (compared as strings ignoring '-'), then patterns, narrower first.
 */
export function compareExtensions(a: string, b: string): number {
  if (!isPattern(a)) {
    if (isPattern(b)) return -1;
    return compareLiteral(a, b);
  }
  if (!isPattern(b)) return 1;
  return comparePatterns(a.slice(1), b.slice(1));
}

function compareLiteral(a: string, b: string): number {
  const x = stripDashes(a);
  const y = stripDashes(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

interface PatternPosition {
  score: number;
  /** The 256-bit character set of this position, most significant bit = lowest code. */
  set: Uint8Array;
}

function comparePatterns(a: string, b: string): number {
  const left = { s: a, i: 0 as number | null };
  const right = { s: b, i: 0 as number | null };
  for (;;) {
    const l = patternPosition(left);
    const r = patternPosition(right);
    let cmp = l.score - r.score;
    if (!cmp) cmp = compareBytes(r.set, l.set);
    if (cmp) return cmp;
    if (left.i === null) return 0;
  }
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== b[i]) return a[i]! - b[i]!;
  }
  return 0;
}

/** ext_cmp_pattern_pos: the score of the next position of a pattern, and its character set. */
function patternPosition(cursor: { s: string; i: number | null }): PatternPosition {
  const set = new Uint8Array(32);
  const s = cursor.s;
  for (;;) {
    let c: number;
    do {
      c = cursor.i !== null && cursor.i < s.length ? s.charCodeAt(cursor.i) : 0;
      if (cursor.i !== null) cursor.i++;
    } while (c === 0x2d /* '-' */);

    switch (String.fromCharCode(c)) {
      case 'n':
      case 'N':
        set[6] = 0x3f;
        set[7] = 0xc0;
        return { score: 0x0800 | 0x32, set };
      case 'x':
      case 'X':
        set[6] = 0xff;
        set[7] = 0xc0;
        return { score: 0x0a00 | 0x30, set };
      case 'z':
      case 'Z':
        set[6] = 0x7f;
        set[7] = 0xc0;
        return { score: 0x0900 | 0x31, set };
      case '.':
        return { score: 0x18000, set };
      case '!':
        return { score: 0x28000, set };
      case '\0':
        cursor.i = null;
        return { score: 0x30000, set };
      case '[':
        break;
      default:
        set[c >> 3]! |= 1 << (7 - (c & 7));
        return { score: 0x0100 | (c & 0xff), set };
    }

    const start = cursor.i!;
    const end = s.indexOf(']', start);
    if (end < 0) return { score: 0x40000, set };
    let count = 0;
    let min = 0xff;
    for (let q = start; q < end; q++) {
      let c1 = s.charCodeAt(q) & 0xff;
      let c2 = c1;
      if (q + 2 < end && s[q + 1] === '-') {
        c2 = s.charCodeAt(q + 2) & 0xff;
        q += 2;
      }
      if (c1 < min) min = c1;
      for (; c1 <= c2; c1++) {
        const mask = 1 << (7 - (c1 & 7));
        if (!(set[c1 >> 3]! & mask)) {
          set[c1 >> 3]! |= mask;
          count += 0x100;
        }
      }
    }
    cursor.i = end + 1;
    if (count) return { score: count | min, set };
    // An empty set scores nothing: look at the next position instead.
  }
}

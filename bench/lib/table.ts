/** Plain-text tables for the terminal: right-aligned numbers, left-aligned text. */

export type Cell = string | number | null | undefined;

/** A number with `digits` decimals; '-' for missing or not-a-number. */
export function num(v: number | null | undefined, digits = 1): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '-';
  return v.toFixed(digits);
}

/** Whole thousands with separators: 1234567 → 1,234,567. */
export function int(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '-';
  return Math.round(v).toLocaleString('en-US');
}

export function mb(bytes: number | null | undefined, digits = 1): string {
  return bytes === null || bytes === undefined ? '-' : num(bytes / 1024 / 1024, digits);
}

export function renderTable(columns: string[], rows: Cell[][]): string {
  const text = rows.map((r) => columns.map((_, i) => cellText(r[i])));
  const widths = columns.map((c, i) => Math.max(c.length, ...text.map((r) => r[i].length)));
  const numeric = columns.map((_, i) => rows.every((r) => r[i] === null || r[i] === undefined || typeof r[i] === 'number' || /^[-+]?[\d,.]+%?$|^-$/.test(String(r[i]))));
  const line = (cells: string[]) =>
    '  ' + cells.map((c, i) => (numeric[i] && i > 0 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd();
  return [line(columns), '  ' + widths.map((w) => '-'.repeat(w)).join('  '), ...text.map(line)].join('\n');
}

function cellText(c: Cell): string {
  if (c === null || c === undefined) return '-';
  if (typeof c === 'number') return Number.isInteger(c) ? String(c) : num(c, 1);
  return c;
}

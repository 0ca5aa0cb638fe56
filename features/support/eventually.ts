/**
 * Table checks that are settled when the scenario has run, like the testsuite's counts: retry
 * until every row holds or the time is up, then report each row that still does not. A row
 * counting `0` holds from the start and is checked again at the end, so a late arrival fails it.
 */
import type { DataTable } from '@cucumber/cucumber';
import { checkCounts } from './expect.js';
import { pathPattern } from './ari-tap.js';

export async function eventually(check: () => string[] | Promise<string[]>, timeoutMs: number, intervalMs = 50): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const failures = await check();
    if (failures.length === 0 || Date.now() >= deadline) return failures;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Waits up to `timeoutMs` for every row of `table` to hold over `items()`; throws what does not. */
export async function expectRows<T>(
  what: string,
  items: () => readonly T[],
  table: DataTable,
  describe: (item: T) => string,
  timeoutMs: number,
  rowTransform: (row: Record<string, string>) => Record<string, string> = (r) => r,
): Promise<void> {
  const rows = table.hashes().map(rowTransform);
  const failures = await eventually(() => checkCounts(items(), rows, describe), timeoutMs);
  if (failures.length > 0) throw new Error(`${what}:\n  ${failures.join('\n  ')}`);
}

/** A `path` cell written as a template (/channels/{id}/play) becomes a whole-path pattern. */
export function pathCellAsPattern(row: Record<string, string>): Record<string, string> {
  const path = row.path;
  if (path === undefined || !path.includes('{')) return row;
  return { ...row, path: `/${pathPattern(path).source}/` };
}

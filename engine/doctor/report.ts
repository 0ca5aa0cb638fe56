/**
 * What a doctor check found, and the table the CLI prints. Pure: no I/O here, so the layout and
 * the exit code are unit-tested without a PBX.
 *
 *   check                     result  detail
 *   ARI reachable             pass    http://127.0.0.1:8088/ari answered in 3 ms
 *   ARI credentials           FAIL    401 Authentication required for user "asterisk"
 *                                     fix: make ari.conf's [asterisk] password equal ASTERISK_ARI_PASSWORD ...
 *
 * Only `fail` makes the run fail; `warn` is something to look at, `info` is a fact worth
 * knowing, `skip` a check that could not run because one it depends on failed.
 */

export type CheckStatus = 'pass' | 'warn' | 'fail' | 'skip' | 'info';

export interface CheckResult {
  /** Short and stable: tests and scripts match on it. */
  name: string;
  status: CheckStatus;
  /** One line: what was found. */
  detail: string;
  /** One line, concrete (which file, setting or command). Set for every failure and warning. */
  fix?: string;
}

export function pass(name: string, detail: string): CheckResult {
  return { name, status: 'pass', detail };
}

export function warn(name: string, detail: string, fix: string): CheckResult {
  return { name, status: 'warn', detail, fix };
}

export function fail(name: string, detail: string, fix: string): CheckResult {
  return { name, status: 'fail', detail, fix };
}

export function skip(name: string, detail: string): CheckResult {
  return { name, status: 'skip', detail };
}

export function info(name: string, detail: string): CheckResult {
  return { name, status: 'info', detail };
}

/** Failures shout so they stand out in a long table; the rest stay lower case. */
const LABEL: Record<CheckStatus, string> = { pass: 'pass', warn: 'WARN', fail: 'FAIL', skip: 'skip', info: 'info' };

export type Summary = Record<CheckStatus, number>;

export function summarize(results: readonly CheckResult[]): Summary {
  const s: Summary = { pass: 0, warn: 0, fail: 0, skip: 0, info: 0 };
  for (const r of results) s[r.status]++;
  return s;
}

/** 0 when nothing failed (warnings do not fail the run), 1 otherwise. */
export function exitCodeFor(results: readonly CheckResult[]): 0 | 1 {
  return results.some((r) => r.status === 'fail') ? 1 : 0;
}

/** The table: one row per check, the fix on its own line under the detail of a failure or warning. */
export function formatTable(results: readonly CheckResult[]): string {
  const nameWidth = Math.max('check'.length, ...results.map((r) => r.name.length));
  const statusWidth = 'result'.length;
  const indent = ' '.repeat(nameWidth + 2 + statusWidth + 2);
  const lines = [`${'check'.padEnd(nameWidth)}  ${'result'.padEnd(statusWidth)}  detail`];
  for (const r of results) {
    lines.push(`${r.name.padEnd(nameWidth)}  ${LABEL[r.status].padEnd(statusWidth)}  ${oneLine(r.detail)}`);
    if (r.fix !== undefined && (r.status === 'fail' || r.status === 'warn')) lines.push(`${indent}fix: ${oneLine(r.fix)}`);
  }
  lines.push('', summaryLine(results));
  return `${lines.join('\n')}\n`;
}

export function summaryLine(results: readonly CheckResult[]): string {
  const s = summarize(results);
  const parts = [`${s.fail} failed`, `${s.warn} warning${s.warn === 1 ? '' : 's'}`, `${s.pass} passed`];
  if (s.skip > 0) parts.push(`${s.skip} skipped`);
  const verdict = s.fail > 0 ? 'NOT READY' : 'ready for a first call';
  return `${parts.join(', ')}: ${verdict}`;
}

/** A detail from an error message must not break the table. */
function oneLine(s: string): string {
  return s.replace(/\s*\n\s*/g, ' ').trim();
}

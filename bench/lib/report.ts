/**
 * What one scenario prints and hands back to bench/run.ts: tables of numbers, targets checked
 * against them (met or not, never a failure), notes, and raw data. Printed as it goes; the JSON
 * goes to the file run.ts names in BENCH_RESULT_FILE (nothing is written when a scenario runs on
 * its own).
 */
import { writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { num, renderTable, type Cell } from './table.js';

export const RESULT_FILE_ENV = 'BENCH_RESULT_FILE';

export interface TableData {
  title: string;
  columns: string[];
  rows: Cell[][];
}

export interface TargetCheck {
  what: string;
  measured: number | null;
  unit: string;
  /** e.g. "< 50"; the comparison and the limit. */
  target: string;
  /** null when nothing was measured. */
  met: boolean | null;
  /**
   * Where the target comes from: seed acceptance or engineering target. `capacity`: a number
   * measured for sizing, with no target to meet (`target` is "-", `met` null).
   */
  kind: 'seed' | 'target' | 'capacity';
}

/** A measurement, or null when there is none to show (missing, NaN, infinite). */
function finiteOrNull(measured: number | null | undefined): number | null {
  return measured === undefined || measured === null || !Number.isFinite(measured) ? null : measured;
}

/** The target column of a summary row. */
export function targetText(t: TargetCheck): string {
  return t.kind === 'capacity' ? 'none (capacity)' : `${t.target} ${t.unit} (${t.kind})`;
}

/** The result column of a summary row. */
export function verdict(t: TargetCheck): string {
  if (t.kind === 'capacity') return 'measured';
  return t.met === null ? 'not measured' : t.met ? 'met' : 'NOT MET';
}

export interface ScenarioResult {
  scenario: string;
  title: string;
  startedAt: string;
  durationS: number;
  params: Record<string, unknown>;
  tables: TableData[];
  targets: TargetCheck[];
  notes: string[];
  data: Record<string, unknown>;
}

type Op = '<' | '<=' | '>' | '>=';

export class Report {
  private readonly result: ScenarioResult;
  private readonly t0 = performance.now();

  constructor(scenario: string, title: string, params: Record<string, unknown>) {
    this.result = { scenario, title, startedAt: new Date().toISOString(), durationS: 0, params, tables: [], targets: [], notes: [], data: {} };
    const p = Object.entries(params)
      .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join(',') : String(v)}`)
      .join(' ');
    print(`\n=== ${scenario}: ${title} ===`);
    if (p) print(`params: ${p}`);
  }

  get data(): Record<string, unknown> {
    return this.result.data;
  }

  /** Progress for a long run (stderr, so stdout stays the tables). */
  progress(text: string): void {
    process.stderr.write(`  [${this.result.scenario} ${((performance.now() - this.t0) / 1000).toFixed(0)}s] ${text}\n`);
  }

  table(title: string, columns: string[], rows: Cell[][]): void {
    this.result.tables.push({ title, columns, rows });
    print(`\n${title}\n${renderTable(columns, rows)}`);
  }

  note(text: string): void {
    this.result.notes.push(text);
    print(`  note: ${text}`);
  }

  /** Records a target; `measured` null means it could not be measured. */
  target(what: string, measured: number | null | undefined, op: Op, limit: number, unit: string, kind: 'seed' | 'target' = 'target'): void {
    const m = finiteOrNull(measured);
    const met = m === null ? null : op === '<' ? m < limit : op === '<=' ? m <= limit : op === '>' ? m > limit : m >= limit;
    this.result.targets.push({ what, measured: m, unit, target: `${op} ${limit}`, met, kind });
  }

  /** A number for sizing that has no target (shown among the targets, judged neither way). */
  capacity(what: string, measured: number | null | undefined, unit: string): void {
    this.result.targets.push({ what, measured: finiteOrNull(measured), unit, target: '-', met: null, kind: 'capacity' });
  }

  /** Prints the targets and writes the JSON for run.ts. */
  finish(): ScenarioResult {
    this.result.durationS = Math.round((performance.now() - this.t0) / 100) / 10;
    if (this.result.targets.length > 0) {
      const rows = this.result.targets.map((t) => [
        t.what,
        t.measured === null ? '-' : `${formatMeasured(t.measured)} ${t.unit}`,
        targetText(t),
        verdict(t),
      ]);
      print(`\nTargets\n${renderTable(['what', 'measured', 'target', 'result'], rows)}`);
    }
    print(`(${this.result.scenario} took ${this.result.durationS} s)`);
    const file = process.env[RESULT_FILE_ENV];
    if (file) writeFileSync(file, JSON.stringify(this.result, null, 2));
    return this.result;
  }
}

/** Whole numbers as they are, others with one decimal below 100 and none above. */
export function formatMeasured(v: number): string {
  return Number.isInteger(v) ? String(v) : num(v, Math.abs(v) >= 100 ? 0 : 1);
}

function print(text: string): void {
  process.stdout.write(`${text}\n`);
}

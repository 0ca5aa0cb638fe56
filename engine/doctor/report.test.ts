import { describe, expect, it } from 'vitest';
import { exitCodeFor, fail, formatTable, info, pass, skip, summarize, summaryLine, warn } from './report.js';

describe('doctor report', () => {
  const rows = [
    pass('ARI reachable', 'answered in 3 ms'),
    fail('ARI credentials', '401 Authentication required', 'fix the password'),
    warn('media dir tmpfs', 'on ext4', 'mount a tmpfs'),
    skip('media playback', 'needs ARI'),
    info('engine app', 'cannot tell'),
  ];

  it('prints one row per check, columns aligned, the fix under failures and warnings only', () => {
    const lines = formatTable(rows).split('\n');
    expect(lines[0]).toMatch(/^check\s+result\s+detail$/);
    const detailCol = lines[0].indexOf('detail');
    expect(lines[1].indexOf('answered')).toBe(detailCol);
    expect(lines[2]).toMatch(/^ARI credentials\s+FAIL\s+401 Authentication required$/);
    expect(lines[3]).toBe(`${' '.repeat(detailCol)}fix: fix the password`);
    expect(lines[4]).toMatch(/^media dir tmpfs\s+WARN\s+on ext4$/);
    expect(lines[5]).toBe(`${' '.repeat(detailCol)}fix: mount a tmpfs`);
    expect(lines[6]).toMatch(/^media playback\s+skip\s+needs ARI$/);
    expect(lines[7]).toMatch(/^engine app\s+info\s+cannot tell$/);
    expect(lines[9]).toBe('1 failed, 1 warning, 1 passed, 1 skipped: NOT READY');
  });

  it('never lets a multi-line detail break the table', () => {
    const out = formatTable([fail('x', 'line one\n  line two', 'a\nb')]);
    expect(out).toContain('line one line two');
    expect(out).toContain('fix: a b');
  });

  it('fails the run on a failure only: warnings, skips and infos do not', () => {
    expect(exitCodeFor(rows)).toBe(1);
    expect(exitCodeFor(rows.filter((r) => r.status !== 'fail'))).toBe(0);
    expect(summaryLine([pass('a', ''), warn('b', '', 'f'), warn('c', '', 'f')])).toBe('0 failed, 2 warnings, 1 passed: ready for a first call');
    expect(summarize(rows)).toEqual({ pass: 1, warn: 1, fail: 1, skip: 1, info: 1 });
  });
});

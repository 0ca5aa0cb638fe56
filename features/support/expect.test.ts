import { describe, expect, it } from 'vitest';
import { checkCounts, getPath, inRange, matchValue, matchesSubset, parseCount, percentile, splitCount } from './expect.js';

describe('parseCount', () => {
  it.each([
    ['0', 0, 0],
    ['3', 3, 3],
    ['>0', 1, Infinity],
    ['>=2', 2, Infinity],
    ['<3', 0, 2],
    ['<=3', 0, 3],
    ['2..4', 2, 4],
  ])('%s is %d..%d', (text, min, max) => {
    expect(parseCount(text)).toMatchObject({ min, max });
  });

  it('refuses what is not a count', () => {
    expect(() => parseCount('some')).toThrow(/not a count: "some"/);
    expect(() => parseCount('4..2')).toThrow(/lower bound/);
  });

  it('checks a number against a range', () => {
    expect(inRange(0, parseCount('0'))).toBe(true);
    expect(inRange(1, parseCount('0'))).toBe(false);
    expect(inRange(5, parseCount('>4'))).toBe(true);
    expect(inRange(4, parseCount('>4'))).toBe(false);
  });
});

describe('matching by subset', () => {
  const ev = { type: 'PlaybackFinished', playback: { id: 'aiav-1-pb-2', media_uri: 'sound:ai-generated/aiav-1-2', state: 'failed' }, args: ['x'], n: 16000 };

  it('reads dotted paths, array indexes included', () => {
    expect(getPath(ev, 'playback.state')).toBe('failed');
    expect(getPath(ev, 'args.0')).toBe('x');
    expect(getPath(ev, 'playback.nope.deeper')).toBeUndefined();
  });

  it('compares text, regular expressions, absence and presence', () => {
    expect(matchValue('failed', 'failed')).toBe(true);
    expect(matchValue('16000', 16000)).toBe(true);
    expect(matchValue('/^sound:[^.]+$/', 'sound:ai-generated/aiav-1-2')).toBe(true);
    expect(matchValue('/^sound:[^.]+$/', 'sound:x.wav')).toBe(false);
    expect(matchValue('/DONE/i', 'done')).toBe(true);
    expect(matchValue('<absent>', undefined)).toBe(true);
    expect(matchValue('<absent>', 'x')).toBe(false);
    expect(matchValue('<any>', 0)).toBe(true);
    expect(matchValue('x', undefined)).toBe(false);
  });

  it('matches only on the fields named', () => {
    expect(matchesSubset(ev, { type: 'PlaybackFinished', 'playback.state': 'failed' })).toBe(true);
    expect(matchesSubset(ev, { type: 'PlaybackFinished', 'playback.state': 'done' })).toBe(false);
  });

  it('takes the count column apart and ignores empty cells', () => {
    const { fields, count } = splitCount({ type: 'X', 'a.b': '', count: '0' });
    expect(fields).toEqual({ type: 'X' });
    expect(count).toMatchObject({ min: 0, max: 0 });
    expect(splitCount({ type: 'X' }).count).toMatchObject({ min: 1, max: Infinity });
  });

  it('reports each row whose count is not met, with what was seen', () => {
    const items = [ev, { ...ev, playback: { ...ev.playback, state: 'done' } }];
    const failures = checkCounts(items, [{ 'playback.state': 'done', count: '1' }, { 'playback.state': 'failed', count: '0' }], (i) => i.playback.state);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatch(/expected 0 matching \{"playback.state":"failed"\}, found 1/);
    expect(failures[0]).toMatch(/failed/);
  });
});

describe('percentile', () => {
  it('is the nearest rank', () => {
    const v = [100, 200, 300, 400, 500, 600, 700, 800, 900, 1000];
    expect(percentile(v, 95)).toBe(1000);
    expect(percentile(v, 50)).toBe(500);
    expect(percentile([7], 95)).toBe(7);
    expect(() => percentile([], 50)).toThrow();
  });
});

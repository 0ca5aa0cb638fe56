import { describe, expect, it } from 'vitest';
import { hasMultiRateAudioSocket, multiRateReleases, parseAsteriskVersion } from './version.js';

describe('Asterisk version and the multi-rate AudioSocket kinds', () => {
  it('parses release, rc and certified versions; not git builds', () => {
    expect(parseAsteriskVersion('22.10.1')).toMatchObject({ major: 22, minor: 10, patch: 1 });
    expect(parseAsteriskVersion('22.7.0-rc1')).toMatchObject({ major: 22, minor: 7, patch: 0 });
    expect(parseAsteriskVersion('certified-20.7-cert5')).toMatchObject({ major: 20, minor: 7, patch: 0 });
    expect(parseAsteriskVersion('GIT-master-3c2f1a9')).toBeUndefined();
    expect(parseAsteriskVersion('')).toBeUndefined();
  });

  it.each([
    ['20.16.0', false],
    ['20.17.0', true],
    ['21.12.0', false],
    ['22.6.0', false],
    ['22.7.0', true],
    ['22.10.1', true],
    ['23.0.0', false],
    ['23.1.0', true],
    ['24.0.0', true],
    ['18.26.0', false],
    ['certified-20.7-cert5', false],
  ])('%s: %s', (raw, expected) => {
    expect(hasMultiRateAudioSocket(parseAsteriskVersion(raw)!)).toBe(expected);
  });

  it('names the releases for messages', () => {
    expect(multiRateReleases()).toBe('20.17+, 22.7+ or 23.1+');
  });
});

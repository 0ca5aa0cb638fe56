import { describe, expect, it } from 'vitest';
import type { AsteriskInfo } from '../../ari/models.js';
import { parseConfig } from '../../config/load.js';
import { checkVersion } from './modules.js';

function infoOf(version: string): AsteriskInfo {
  return {
    system: { version, entity_id: '02:00:00:00:00:01' },
    config: { name: '', default_language: 'en', setid: { user: '', group: '' } },
    status: { startup_time: '', last_reload_time: '' },
  };
}

const slin16 = parseConfig({ ari: { password: 'x' } }, {});
const slin = parseConfig({ ari: { password: 'x' }, audiosocket: { format: 'slin' } }, {});

describe('checkVersion', () => {
  it('passes a release with the multi-rate kinds', () => {
    expect(checkVersion(infoOf('22.10.1'), slin16)).toMatchObject({ status: 'pass' });
  });

  it('warns for an older release when the format needs 16 kHz, with the upgrade or slin as the fix', () => {
    const r = checkVersion(infoOf('20.16.0'), slin16);
    expect(r.status).toBe('warn');
    expect(r.detail).toContain('20.16.0');
    expect(r.fix).toMatch(/20\.17\+, 22\.7\+ or 23\.1\+.*audiosocket\.format: slin/);
  });

  it('passes an older release when the engine uses slin (8 kHz) anyway', () => {
    expect(checkVersion(infoOf('20.16.0'), slin)).toMatchObject({ status: 'pass' });
  });

  it('warns when the version cannot be read', () => {
    expect(checkVersion(infoOf('GIT-master-abc'), slin16)).toMatchObject({ status: 'warn' });
  });
});

import { describe, expect, it } from 'vitest';
import { httpConf } from './docker.js';
import { externalSettings } from './external.js';
import { targetName } from './index.js';

describe('E2E_TARGET', () => {
  it('defaults to sim and refuses unknown names', () => {
    expect(targetName({})).toBe('sim');
    expect(targetName({ E2E_TARGET: ' docker ' })).toBe('docker');
    expect(() => targetName({ E2E_TARGET: 'asterisk' })).toThrow(/expected sim, external or docker/);
  });
});

describe('external target settings', () => {
  it('names everything that is missing at once', () => {
    expect(() => externalSettings({})).toThrow('E2E_TARGET=external needs ASTERISK_ARI_URL and E2E_SOUNDS_DIR');
  });

  it('reads the environment, with defaults', () => {
    const s = externalSettings({
      ASTERISK_ARI_URL: 'http://127.0.0.1:8088/ari/',
      E2E_SOUNDS_DIR: '/var/lib/asterisk/sounds/e2e',
      AUDIOSOCKET_HOST: '172.17.0.1',
      ASTERISK_ARI_PASSWORD: '  ',
    });
    expect(s).toMatchObject({
      url: 'http://127.0.0.1:8088',
      username: 'asterisk',
      password: 'asterisk',
      bindHost: '172.17.0.1',
      advertiseHost: '172.17.0.1',
      mediaDir: '/mnt/asterisk_media/ai-generated',
      mediaSoundPrefix: 'ai-generated',
      soundsDir: '/var/lib/asterisk/sounds/e2e',
      soundsPrefix: 'e2e',
    });
  });
});

describe('docker target', () => {
  it("binds the container's ARI to loopback on the port given", () => {
    const conf = httpConf(18088);
    expect(conf).toContain('bindaddr = 127.0.0.1');
    expect(conf).toContain('bindport = 18088');
    expect(conf.startsWith('[general]')).toBe(true);
  });
});

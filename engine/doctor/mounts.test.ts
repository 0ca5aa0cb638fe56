import { mkdtempSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { filesystemOf, mountFor, parseProcMounts } from './mounts.js';

const TABLE = [
  '/dev/vda / ext4 rw,relatime 0 0',
  'tmpfs /mnt/asterisk_media tmpfs rw,nosuid,nodev,noexec,size=262144k,uid=1000 0 0',
  'tmpfs /mnt/asterisk_media_old tmpfs rw 0 0',
  '/dev/vdb /srv/with\\040space ext4 rw 0 0',
  '',
].join('\n');

describe('mount table', () => {
  const mounts = parseProcMounts(TABLE);

  it('parses /proc/mounts, octal escapes included', () => {
    expect(mounts).toHaveLength(4);
    expect(mounts[1]).toEqual({ device: 'tmpfs', mountPoint: '/mnt/asterisk_media', fsType: 'tmpfs', options: 'rw,nosuid,nodev,noexec,size=262144k,uid=1000' });
    expect(mounts[3].mountPoint).toBe('/srv/with space');
  });

  it('finds the longest mount point above a path, not a sibling with the same prefix', () => {
    expect(mountFor('/mnt/asterisk_media/ai-generated', mounts)?.fsType).toBe('tmpfs');
    expect(mountFor('/mnt/asterisk_media', mounts)?.mountPoint).toBe('/mnt/asterisk_media');
    expect(mountFor('/mnt/asterisk_mediax/a', mounts)?.mountPoint).toBe('/');
    expect(mountFor('/srv/with space/x', mounts)?.fsType).toBe('ext4');
  });

  describe('filesystemOf', () => {
    const root = mkdtempSync(join(tmpdir(), 'doctor-mounts-'));
    afterAll(() => rmSync(root, { recursive: true, force: true }));

    it('resolves symlinks before looking the path up, and is undefined without a mount table', async () => {
      const real = join(root, 'real');
      mkdirSync(real);
      symlinkSync(real, join(root, 'link'));
      writeFileSync(join(root, 'mounts'), `/dev/vda / ext4 rw 0 0\ntmpfs ${real} tmpfs rw 0 0\n`);
      expect((await filesystemOf(join(root, 'link'), join(root, 'mounts')))?.fsType).toBe('tmpfs');
      expect(await filesystemOf(root, join(root, 'missing'))).toBeUndefined();
    });
  });
});

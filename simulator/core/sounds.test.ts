import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tone } from '../../engine/audio/tone.js';
import { encodeWav } from '../../engine/audio/wav.js';
import { PathMap } from './paths.js';
import { SoundLibrary } from './sounds.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function library(): { lib: SoundLibrary; file: string } {
  const dir = mkdtempSync(join(tmpdir(), 'sounds-test-'));
  dirs.push(dir);
  const file = join(dir, 'prompt.wav');
  writeFileSync(file, encodeWav(tone(440, 200, 8000, 0.3), 8000));
  return { lib: new SoundLibrary([dir], new PathMap({})), file };
}

describe('SoundLibrary', () => {
  it('finds a sound by name and cuts it into 20 ms frames', async () => {
    const { lib, file } = library();
    expect(lib.find('prompt', '')).toBe(file);
    const frames = await lib.frames(file);
    expect(frames.length).toBe(10);
    expect(frames[0]).toMatchObject({ rate: 8000 });
    expect(frames[0].pcm.length).toBe(320);
  });

  it('caches a file from its second play on, so a file played once is not kept', async () => {
    const { lib, file } = library();
    const first = lib.frames(file);
    const second = lib.frames(file);
    const third = lib.frames(file);
    expect(second).not.toBe(first); // the first play decoded it without keeping it
    expect(third).toBe(second); // from the second on, one shared decode
    expect(await third).toEqual(await first);
  });

  it('decodes again once the file changed', async () => {
    const { lib, file } = library();
    lib.frames(file);
    const cached = lib.frames(file);
    expect(lib.frames(file)).toBe(cached);
    writeFileSync(file, encodeWav(tone(440, 400, 8000, 0.3), 8000));
    const later = new Date(Date.now() + 5000);
    utimesSync(file, later, later);
    const changed = lib.frames(file);
    expect(changed).not.toBe(cached);
    expect((await changed).length).toBe(20);
  });
});

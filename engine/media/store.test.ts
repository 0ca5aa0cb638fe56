import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MediaStore } from './store.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'media-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('media store', () => {
  it('writes 16 kHz audio as .sln16 and 8 kHz as .ulaw, played without extension', async () => {
    const store = new MediaStore({ dir, soundPrefix: 'ai-generated/' });
    const a = await store.write('call-1', 1, Buffer.alloc(640, 1), 16000);
    expect(a.uri).toBe('sound:ai-generated/aiav-call-1-1');
    expect(a.path).toBe(join(dir, 'aiav-call-1-1.sln16'));
    expect((await readFile(a.path)).length).toBe(640);
    expect(a.durationMs).toBe(20);
    const b = await store.write('call-1', 2, Buffer.alloc(320), 8000);
    expect(b.path.endsWith('.ulaw')).toBe(true);
    expect((await readFile(b.path)).length).toBe(160);
    expect(b.uri).not.toMatch(/\.\w+$/);
  });

  it('resamples other rates to slin16', async () => {
    const store = new MediaStore({ dir, soundPrefix: 'ai-generated' });
    const m = await store.write('c', 1, Buffer.alloc(24000 * 2), 24000);
    expect((await readFile(m.path)).length).toBe(16000 * 2);
  });

  it('leaves no temp file behind and removes a call’s files', async () => {
    const store = new MediaStore({ dir, soundPrefix: 'ai-generated' });
    const m = await store.write('c/1', 1, Buffer.alloc(640), 16000);
    expect(await readdir(dir)).toEqual(['aiav-c_1-1.sln16']);
    await store.remove(m);
    expect(await readdir(dir)).toEqual([]);
    await expect(store.remove(m)).resolves.toBeUndefined();
  });

  it('sweeps only its own files, per call or all', async () => {
    const store = new MediaStore({ dir, soundPrefix: 'ai-generated' });
    await store.write('a', 1, Buffer.alloc(640), 16000);
    await store.write('b', 1, Buffer.alloc(640), 16000);
    await writeFile(join(dir, '.aiav-a-2.1234.tmp'), 'x');
    await writeFile(join(dir, 'operator-file.wav'), 'x');
    expect(await store.sweep('a')).toBe(2);
    expect((await readdir(dir)).sort()).toEqual(['aiav-b-1.sln16', 'operator-file.wav']);
    expect(await store.sweep()).toBe(1);
    expect(await readdir(dir)).toEqual(['operator-file.wav']);
  });

  it("with an owner, names its files after it and sweeps none of another engine's sharing the dir", async () => {
    const mine = new MediaStore({ dir, soundPrefix: 'ai-generated', owner: '1a2b3c' });
    const theirs = new MediaStore({ dir, soundPrefix: 'ai-generated', owner: '4d5e6f' });
    const m = await mine.write('a', 1, Buffer.alloc(640), 16000);
    expect(m.uri).toBe('sound:ai-generated/aiav-1a2b3c-a-1');
    await mine.write('b', 1, Buffer.alloc(640), 16000);
    await theirs.write('a', 1, Buffer.alloc(640), 16000);
    await writeFile(join(dir, '.aiav-1a2b3c-b-2.1234.tmp'), 'x');
    // A probe file of `make doctor` (a store with no owner).
    await new MediaStore({ dir, soundPrefix: 'ai-generated' }).write('ai-doctor-0f0f0f0f', 0, Buffer.alloc(320), 8000);
    expect(await mine.sweep('b')).toBe(2);
    expect(await mine.sweep()).toBe(1);
    expect((await readdir(dir)).sort()).toEqual(['aiav-4d5e6f-a-1.sln16', 'aiav-ai-doctor-0f0f0f0f-0.ulaw']);
  });
});

import * as fs from 'node:fs';
import * as path from 'node:path';

import { tempDir } from '@tfsim/test-utils';
import { FormatError } from '@tfsim/utils';

import { MemoryStore, readStore } from '../src';

// Issue 18 items 3 and 8: a saved store folder is not trusted. Each case is a
// hostile file made from a good save; each loaded (or overflowed the stack) before.
const root = tempDir('tfsim-store-hostile-');
let n = 0;

async function saved(): Promise<string> {
  const store = new MemoryStore();
  await store.batchAdd(
    [
      [1, 2],
      [3, 4],
    ],
    [0, 1],
    [{ a: 1 }, null],
  );
  const dir = path.join(root, `case-${n++}`);
  await store.save(dir);
  return dir;
}

const readJson = (file: string): Record<string, unknown> => JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;

describe('readStore on hostile folders', () => {
  it('data.json as a symbolic link to a file outside the folder', async () => {
    const dir = await saved();
    const outside = path.join(root, `outside-${n}.json`);
    fs.writeFileSync(outside, '[{"secret":"root:x:0:0"},null]');
    fs.rmSync(path.join(dir, 'data.json'));
    fs.symlinkSync(outside, path.join(dir, 'data.json'));
    await expect(readStore(dir)).rejects.toThrow(/data.json must be a regular file, found a symbolic link/);
  });

  it('data nested 20,000 deep', async () => {
    const dir = await saved();
    const deep = `[${'['.repeat(20_000)}${']'.repeat(20_000)},null]`;
    fs.writeFileSync(path.join(dir, 'data.json'), deep);
    const manifest = readJson(path.join(dir, 'manifest.json'));
    (manifest.arrays as Record<string, { length: number }>).data.length = Buffer.byteLength(deep);
    fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(manifest));
    await expect(readStore(dir)).rejects.toThrow(/data nests deeper than 256 levels/);
  });

  it('a size of 1e9 records is refused before any array is read', async () => {
    const dir = await saved();
    const manifest = readJson(path.join(dir, 'manifest.json'));
    manifest.size = 1e9;
    fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(manifest));
    await expect(readStore(dir)).rejects.toThrow(
      new FormatError(`${dir}: the embeddings array must hold 2000000000 values for 1000000000 records of dimension 2`),
    );
  });

  it('data that is not JSON: the message does not quote it', async () => {
    const dir = await saved();
    const text = 'root:x:0:0:root:/root:/bin/bash';
    fs.writeFileSync(path.join(dir, 'data.json'), text);
    const manifest = readJson(path.join(dir, 'manifest.json'));
    (manifest.arrays as Record<string, { length: number }>).data.length = text.length;
    fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(manifest));
    const err = (await readStore(dir).catch((e: Error) => e)) as Error;
    expect(err.message).toBe(`${dir}: data is not valid JSON`);
  });
});

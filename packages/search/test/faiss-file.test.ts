import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

import { faissAvailable, FaissSearch } from '../src';
import { checkFaissBytes } from '../src/faiss-file';
import { refusesSymlinkAndResize } from './cases';
import { gaussian } from './data';

(faissAvailable() ? describe : describe.skip)('faiss files are checked before faiss reads them', () => {
  /** The bytes FaissSearch saves for an index of 300 x 8. */
  async function saved(algo: string): Promise<Buffer> {
    const dir = await mkdtemp(path.join(tmpdir(), 'tfsim-faiss-file-'));
    try {
      const search = new FaissSearch('euclidean', 8, {
        algo,
        ...(algo === 'ivf' || algo === 'ivfpq' ? { nlist: 4 } : {}),
        ...(algo === 'ivfpq' ? { m: 4, nbits: 4 } : {}),
      });
      search.batchAdd(
        gaussian(300, 8, 1),
        Array.from({ length: 300 }, (_, i) => i),
      );
      await search.save(dir);
      return await readFile(path.join(dir, 'index.faiss'));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  it.each(['flat', 'hnsw', 'ivf', 'ivfpq'])('%s: the saved bytes pass; truncated, padded or inflated ones fail', async (algo) => {
    const bytes = await saved(algo);
    expect(() => checkFaissBytes(bytes, 8, 300, 'f')).not.toThrow();
    expect(() => checkFaissBytes(bytes, 8, 301, 'f')).toThrow(/holds 300 vectors of dimension 8, the manifest 301 of 8/);
    expect(() => checkFaissBytes(bytes.subarray(0, bytes.length - 1), 8, 300, 'f')).toThrow(/truncated/);
    expect(() => checkFaissBytes(Buffer.concat([bytes, Buffer.alloc(3)]), 8, 300, 'f')).toThrow(/3 bytes after the end/);
    // ntotal (bytes 8..15 of the header) claiming 2^40 vectors.
    const huge = Buffer.from(bytes);
    huge.writeBigUInt64LE(2n ** 40n, 8);
    expect(() => checkFaissBytes(huge, 8, 300, 'f')).toThrow(expect.objectContaining({ name: 'FormatError' }));
  });

  it('ivfpq: a product quantizer claiming more centroids than its header allows is refused before faiss reads it', async () => {
    const bytes = await saved('ivfpq');
    expect(bytes.subarray(0, 4).toString('latin1')).toBe('IwPQ');
    // nbits (the PQ's third size_t) set to 40: 2^40 centroids of 8 floats.
    const at = bytes.indexOf(Buffer.from([8, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0]));
    expect(at).toBeGreaterThan(0);
    const patched = Buffer.from(bytes);
    patched.writeBigUInt64LE(40n, at + 16);
    expect(() => checkFaissBytes(patched, 8, 300, 'f')).toThrow(/implausible product quantizer: d 8, M 4, nbits 40/);
    // The centroid vector claiming 2^30 floats.
    const centroids = Buffer.from(bytes);
    centroids.writeBigUInt64LE(2n ** 30n, at + 24);
    expect(() => checkFaissBytes(centroids, 8, 300, 'f')).toThrow(/the PQ centroids holds 1073741824 elements, expected 128/);
  });

  it('hnsw: a neighbour table longer than its offsets say is refused', async () => {
    const bytes = await saved('hnsw');
    // After the 37-byte header: assign_probas, cum_nneighbor_per_level, levels, offsets, then neighbors' length.
    let at = 37;
    const skipVector = (size: number) => {
      const n = Number(bytes.readBigUInt64LE(at));
      at += 8 + n * size;
      return n;
    };
    skipVector(8);
    skipVector(4);
    skipVector(4);
    skipVector(8);
    const patched = Buffer.from(bytes);
    patched.writeBigUInt64LE(bytes.readBigUInt64LE(at) + 1n, at);
    expect(() => checkFaissBytes(patched, 8, 300, 'f')).toThrow(/neighbors holds \d+ elements, expected/);
  });

  it(
    'load refuses a symlinked index file and a size other than the manifest records',
    refusesSymlinkAndResize(
      (folder) => {
        const search = new FaissSearch('euclidean', 8);
        search.batchAdd(
          gaussian(50, 8, 2),
          Array.from({ length: 50 }, (_, i) => i),
        );
        return search.save(folder);
      },
      'index.faiss',
      () => new FaissSearch('euclidean', 8),
    ),
  );
});

import { promises as fsp } from 'node:fs';
import * as path from 'node:path';

import { MemoryStore } from '@tfsim/stores';
import { tempDir } from '@tfsim/test-utils';
import { FolderExistsError, FormatError } from '@tfsim/utils';

import { INDEX_FORMAT, Indexer } from '../src';
import { clusters } from './helpers';

describe('save and load (same process)', () => {
  const dir = tempDir('tfsim-indexer-');
  const { embeddings, labels, data } = clusters(8, 120, 6, 4, 0.4);
  const queries = clusters(8, 160, 6, 4, 0.4);
  const qEmb = queries.embeddings.slice(120);
  const qLab = queries.labels.slice(120);

  it('keeps contents, calibration and statistics', async () => {
    const index = new Indexer(6, { statBufferSize: 50 });
    await index.batchAdd(embeddings, labels, data);
    await index.calibrate(qEmb, qLab, { '0.8': 0.8 }, { calibrationMetric: 'precision', extraMetrics: ['recall', 'f1'], verbose: false });
    const folder = path.join(dir, 'a');
    await index.save(folder);
    const statsBefore = await index.stats();
    const loaded = await Indexer.load(folder);
    expect(await loaded.stats()).toEqual(statsBefore);
    expect(loaded.isCalibrated).toBe(true);
    expect(loaded.calibrationMetric.getConfig()).toEqual(index.calibrationMetric.getConfig());
    expect(loaded.cutpoints).toEqual(index.cutpoints);
    expect(loaded.calibrationThresholds).toEqual(index.calibrationThresholds);
    expect(await loaded.batchLookup(qEmb, 4, false)).toEqual(await index.batchLookup(qEmb, 4, false));
    expect(await loaded.match(qEmb, { verbose: false })).toEqual(await index.match(qEmb, { verbose: false }));
    expect(loaded.distance.name).toBe('cosine');
    expect(loaded.statBufferSize).toBe(50);
    const manifest = JSON.parse(await fsp.readFile(path.join(folder, 'manifest.json'), 'utf8'));
    expect(manifest.format).toBe(INDEX_FORMAT);
    expect(manifest.kvStoreConfig.type).toBe('memory');
    expect(manifest.searchConfig.type).toBe('linear');
  });

  it('an uncalibrated index loads uncalibrated; Infinity distances survive the manifest', async () => {
    const index = new Indexer(6, 'euclidean');
    await index.batchAdd(embeddings.slice(0, 3), [0, 1, 2]);
    const folder = path.join(dir, 'b');
    await index.save(folder);
    const loaded = await Indexer.load(folder);
    expect(loaded.isCalibrated).toBe(false);
    expect(loaded.distance.name).toBe('euclidean');
    expect(await loaded.size()).toBe(3);
    // a cutpoint at Infinity (queries whose neighbours are all padding) round-trips
    index.cutpoints = { optimal: { name: 'optimal', value: 0.5, distance: Infinity } };
    index.isCalibrated = true;
    await index.save(folder);
    expect((await Indexer.load(folder)).cutpoints.optimal!.distance).toBe(Infinity);
  });

  it('refuses to overwrite when asked not to; a failed save leaves the previous folder', async () => {
    const index = new Indexer(6);
    await index.batchAdd(embeddings.slice(0, 5), [0, 1, 2, 3, 0]);
    const folder = path.join(dir, 'c');
    await index.save(folder);
    await expect(index.save(folder, { overwrite: false })).rejects.toThrow(new FolderExistsError(folder));

    class BrokenStore extends MemoryStore {
      override async save(): Promise<void> {
        throw new Error('disk full');
      }
    }
    const broken = new Indexer(6, 'cosine', 'linear', new BrokenStore());
    await broken.batchAdd(embeddings.slice(0, 9));
    await expect(broken.save(folder)).rejects.toThrow('disk full');
    expect(await (await Indexer.load(folder)).size()).toBe(5);
    expect((await fsp.readdir(dir)).filter((f) => f.startsWith('c.'))).toEqual([]);
  });

  it('rejects folders that are not a saved index', async () => {
    await expect(Indexer.load(path.join(dir, 'missing'))).rejects.toThrow(FormatError);
    const other = path.join(dir, 'other');
    await fsp.mkdir(other, { recursive: true });
    await fsp.writeFile(path.join(other, 'manifest.json'), JSON.stringify({ format: 'tfsim.store.memory', version: 1 }));
    await expect(Indexer.load(other)).rejects.toThrow(/expected "tfsim.index"/);
  });
});

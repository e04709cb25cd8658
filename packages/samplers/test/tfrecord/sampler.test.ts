import '@tfsim/test-utils';

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

import * as tf from '@tensorflow/tfjs-core';
import { tempDir } from '@tfsim/test-utils';
import { Rng } from '@tfsim/utils';

import {
  type DeserializationFn,
  encodeExample,
  parseExample,
  readTFRecordFile,
  TFRecordDatasetSampler,
  writeTFRecordFile,
} from '../../src';
import { counts, expectBalanced, takeBatches, warnings } from '../balance';

const root = tempDir('tfsim-shards-');
const FIXTURES = join(__dirname, '..', 'fixtures', 'tfrecord');

/** x = [label, id] as a float list; y from the int64 label. */
const deserialize: DeserializationFn = (record) => {
  const { features } = parseExample(record);
  return { x: tf.tensor1d(features.x!.floatList!), y: Number(features.label!.int64List![0]) };
};

/**
 * Writes `sizes[c]` examples of class c over `shards` shards, either shuffled
 * across all shards (the order the Python sampler cannot balance) or in
 * contiguous class blocks. Returns the directory.
 */
async function writeShards(name: string, sizes: number[], shards: number, order: 'shuffled' | 'blocks', seed = 1): Promise<string> {
  const dir = join(root, name);
  mkdirSync(dir);
  const rows: Array<[number, number]> = [];
  sizes.forEach((n, c) => {
    for (let k = 0; k < n; k++) rows.push([c, rows.length]);
  });
  if (order === 'shuffled') new Rng(seed).shuffle(rows);
  const per = Math.ceil(rows.length / shards);
  for (let s = 0; s < shards; s++) {
    const part = rows.slice(s * per, (s + 1) * per);
    await writeTFRecordFile(
      join(dir, `part-${s}.tfrec`),
      part.map(([c, id]) => encodeExample({ label: { int64List: [c] }, x: { floatList: [c, id] } })),
    );
  }
  return dir;
}

describe('TFRecordDatasetSampler', () => {
  let warn: jest.SpyInstance;
  beforeEach(() => (warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined)));
  afterEach(() => warn.mockRestore());

  it.each(['shuffled', 'blocks'] as const)('balances every batch over records in %s order', async (order) => {
    const rng = new Rng(4);
    const sizes = Array.from({ length: 12 }, () => 3 + rng.int(8));
    const dir = await writeShards(`balance-${order}`, sizes, 4, order);
    const sampler = new TFRecordDatasetSampler(dir, deserialize, {
      classesPerBatch: 4,
      examplesPerClassPerBatch: 3,
      bufferSize: 40,
      seed: 7,
    });
    const before = tf.memory().numTensors;
    const seen = new Set<number>();
    for (const { x, y } of await takeBatches(sampler, 250)) {
      expectBalanced(y, 4, 3).forEach((c) => seen.add(c));
      x.forEach((row, i) => expect(row[0]).toBe(y[i]));
      // Classes have >= 3 examples: a class block never repeats an example.
      for (let c = 0; c < 4; c++) expect(new Set(x.slice(c * 3, c * 3 + 3).map((r) => r[1])).size).toBe(3);
    }
    expect(seen.size).toBe(12);
    expect(warnings(warn)).toEqual([]);
    await sampler.dispose();
    expect(tf.memory().numTensors).toBeLessThanOrEqual(before);
  });

  it('gives the same batches for the same seed', async () => {
    const dir = await writeShards('seeded', [5, 6, 7, 5, 6], 3, 'shuffled');
    const run = async (seed: number) => {
      const sampler = new TFRecordDatasetSampler(dir, deserialize, {
        classesPerBatch: 2,
        examplesPerClassPerBatch: 2,
        bufferSize: 10,
        seed,
      });
      const ids = (await takeBatches(sampler, 30)).map(({ x }) => x.map((r) => r[1]));
      await sampler.dispose();
      return ids;
    };
    expect(await run(3)).toEqual(await run(3));
    expect(await run(3)).not.toEqual(await run(4));
  });

  it('samples a class with too few examples with replacement, with a warning', async () => {
    const dir = await writeShards('small', [6, 1, 6, 6], 2, 'shuffled');
    const sampler = new TFRecordDatasetSampler(dir, deserialize, {
      classesPerBatch: 3,
      examplesPerClassPerBatch: 2,
      bufferSize: 6,
      seed: 1,
    });
    let withSmall = 0;
    for (const { x, y } of await takeBatches(sampler, 60)) {
      expectBalanced(y, 3, 2);
      if (y.includes(1)) {
        withSmall++;
        expect(x.filter((_, i) => y[i] === 1).map((r) => r[1])).toEqual([6, 6]);
      }
    }
    expect(withSmall).toBeGreaterThan(0);
    expect(warnings(warn)).toEqual([
      'WARNING: Class 1 only has 1 unique examples, but examplesPerClassPerBatch is set to 2. Its batches will repeat its examples (sampling with replacement).',
    ]);
    await sampler.dispose();
  });

  it('ends a finite stream, balanced to the last batch', async () => {
    const dir = await writeShards('finite', [4, 4, 4, 4, 3], 2, 'shuffled');
    const sampler = new TFRecordDatasetSampler(dir, deserialize, {
      classesPerBatch: 2,
      examplesPerClassPerBatch: 2,
      numRepeat: 1,
      bufferSize: 8,
      stepsPerEpoch: 100,
      seed: 2,
    });
    const ids: number[] = [];
    let batches = 0;
    for await (const batch of sampler) {
      const y = Array.from(batch.ys.dataSync());
      expectBalanced(y, 2, 2);
      ids.push(...(batch.xs.arraySync() as number[][]).map((r) => r[1]!));
      tf.dispose([batch.xs, batch.ys]);
      batches++;
    }
    // 19 records, 4 per batch: 4 full batches without replacement, maybe a last one with it.
    expect(batches).toBeGreaterThanOrEqual(4);
    expect(batches).toBeLessThan(100);
    const repeated = [...counts(ids).values()].filter((n) => n > 1).length;
    if (batches === 4) expect(repeated).toBe(0);
    await expect(sampler.generateBatch()).rejects.toThrow('its finite stream has ended');
  });

  it('reads the shards Python TensorFlow wrote', async () => {
    const expected = new Map<number, { label: number; x: Float32Array }>();
    for (const name of ['labelled-00000-of-00002.tfrec', 'labelled-00001-of-00002.tfrec']) {
      for (const record of await readTFRecordFile(join(FIXTURES, name))) {
        const { features } = parseExample(record);
        expected.set(Number(features.id!.int64List![0]), { label: Number(features.label!.int64List![0]), x: features.x!.floatList! });
      }
    }
    expect(expected.size).toBe(30);
    const sampler = new TFRecordDatasetSampler(
      FIXTURES,
      (record) => {
        const { features } = parseExample(record);
        const id = Number(features.id!.int64List![0]);
        return { x: tf.tensor1d([id, ...features.x!.floatList!]), y: Number(features.label!.int64List![0]) };
      },
      { shardSuffix: 'labelled-*.tfrec', classesPerBatch: 3, examplesPerClassPerBatch: 2, bufferSize: 12, seed: 5 },
    );
    expect(sampler.shards.map((s) => s.slice(FIXTURES.length + 1))).toEqual([
      'labelled-00000-of-00002.tfrec',
      'labelled-00001-of-00002.tfrec',
    ]);
    for (const { x, y } of await takeBatches(sampler, 40)) {
      expectBalanced(y, 3, 2);
      x.forEach((row, i) => {
        const want = expected.get(row[0]!)!;
        expect(want.label).toBe(y[i]);
        expect(Float32Array.from(row.slice(1))).toEqual(want.x);
      });
    }
    await sampler.dispose();
  });

  it('feeds a tfjs-data dataset of stepsPerEpoch batches', async () => {
    const dir = await writeShards('dataset', [3, 3, 3], 1, 'blocks');
    const sampler = new TFRecordDatasetSampler(dir, deserialize, {
      classesPerBatch: 3,
      examplesPerClassPerBatch: 1,
      stepsPerEpoch: 4,
      seed: 1,
    });
    const batches = await sampler.toDataset().toArray();
    expect(batches.length).toBe(4);
    for (const b of batches) {
      expectBalanced(b.ys.dataSync(), 3, 1);
      tf.dispose([b.xs, b.ys]);
    }
    expect(sampler.epoch).toBe(1);
    await sampler.dispose();
  });

  it('reads GZIP shards', async () => {
    const dir = join(root, 'gzip');
    mkdirSync(dir);
    for (let s = 0; s < 2; s++) {
      await writeTFRecordFile(
        join(dir, `part-${s}.tfrec.gz`),
        Array.from({ length: 12 }, (_, i) => encodeExample({ label: { int64List: [i % 3] }, x: { floatList: [i % 3, s * 100 + i] } })),
        { compression: 'GZIP' },
      );
    }
    const sampler = new TFRecordDatasetSampler(dir, deserialize, {
      compression: 'GZIP',
      shardSuffix: '*.tfrec.gz',
      classesPerBatch: 3,
      examplesPerClassPerBatch: 2,
      bufferSize: 6,
      seed: 1,
    });
    for (const { x, y } of await takeBatches(sampler, 20)) {
      expectBalanced(y, 3, 2);
      x.forEach((row, i) => expect(row[0]).toBe(y[i]));
    }
    await sampler.dispose();
  });

  it('says so when the shard order keeps too few classes within reach', async () => {
    // One shard of three long class blocks, read one shard at a time with a tiny buffer.
    const dir = await writeShards('blocked', [50, 50, 50], 1, 'blocks');
    const sampler = new TFRecordDatasetSampler(dir, deserialize, {
      classesPerBatch: 3,
      examplesPerClassPerBatch: 2,
      bufferSize: 6,
      seed: 1,
    });
    await expect(sampler.generateBatch()).rejects.toThrow(
      /buffer holds 60 examples but only 2 class\(es\) with 2 examples: .*raise shardsPerCycle or bufferSize/,
    );
    await sampler.dispose();
  });

  it('rejects bad input with clear errors', async () => {
    const empty = join(root, 'empty');
    mkdirSync(empty);
    expect(() => new TFRecordDatasetSampler(empty, deserialize)).toThrow(`no shard matching "*.tfrec" in ${empty}`);
    expect(() => new TFRecordDatasetSampler(join(root, 'nowhere'), deserialize)).toThrow('does not exist');
    const dir = await writeShards('few', [2, 2], 1, 'blocks');
    const few = new TFRecordDatasetSampler(dir, deserialize, { classesPerBatch: 3, examplesPerClassPerBatch: 1, bufferSize: 3 });
    await expect(few.generateBatch()).rejects.toThrow('the shards hold 2 class(es), fewer than classesPerBatch (3)');
    await few.dispose();
    const failing = new TFRecordDatasetSampler(dir, () => {
      throw new Error('bad record');
    });
    await expect(failing.generateBatch()).rejects.toThrow(`${join(dir, 'part-0.tfrec')}: record 0: deserializationFn failed: bad record`);
    await failing.dispose();
    expect(() => new TFRecordDatasetSampler(dir, deserialize, { classesPerBatch: 4, examplesPerClassPerBatch: 2, bufferSize: 7 })).toThrow(
      'bufferSize (7) must hold at least one batch (8 examples)',
    );
    expect(() => new TFRecordDatasetSampler(dir, deserialize, { numRepeat: 0 })).toThrow('numRepeat must be -1');
  });
});

describe('TFRecordDatasetSampler options', () => {
  it('rejects an unknown key with a suggestion before reading anything', () => {
    const noRecords: DeserializationFn = () => ({ x: 0, y: 0 });
    expect(() => new TFRecordDatasetSampler('/nonexistent', noRecords, { shards_per_cycle: 2 } as never)).toThrow(
      "unknown option 'shards_per_cycle' for TFRecordDatasetSampler; did you mean 'shardsPerCycle'?",
    );
  });
});

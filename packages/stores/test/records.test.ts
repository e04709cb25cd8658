import * as path from 'node:path';

import { tempDir } from '@tfsim/test-utils';
import { redisUnavailable, startRedis, type TestRedis } from '@tfsim/test-utils/redis';
import { ValueError } from '@tfsim/utils';

import { LevelStore, MemoryStore, RedisStore, type Store } from '../src';

// Issue 18 item 2: every store takes its inputs at the call (prepareBatch copies),
// so one buffer reused for un-awaited batchAdd calls stores each value once.
const root = tempDir('tfsim-reuse-');
let counter = 0;
const redisMissing = redisUnavailable();
let server: TestRedis | undefined;
beforeAll(async () => {
  if (!redisMissing) server = await startRedis();
}, 30_000);
afterAll(async () => server?.stop());

const stores: Array<[string, () => Store]> = [
  ['MemoryStore', () => new MemoryStore()],
  ['LevelStore', () => new LevelStore({ path: path.join(root, `db-${counter++}`) })],
  ['RedisStore', () => new RedisStore({ url: server!.url, prefix: `reuse:${process.pid}:${Math.random()}` })],
];

describe.each(stores)('%s: inputs are taken at the call', (name, make) => {
  const skip = name === 'RedisStore' && redisMissing !== undefined;

  (skip ? it.skip : it)('one Float32Array reused for three un-awaited batchAdd calls stores three vectors', async () => {
    const store = make();
    try {
      const buffer = new Float32Array(2);
      const labels = [0];
      const pending: Array<Promise<number[]>> = [];
      for (const v of [1, 2, 3]) {
        buffer.set([v, v * 10]);
        labels[0] = v;
        pending.push(store.batchAdd({ data: buffer, rows: 1, cols: 2 }, labels));
      }
      buffer.fill(0);
      await Promise.all(pending);
      const records = await store.toRecords();
      expect(records.map((r) => [...r.embedding, r.label])).toEqual([
        [1, 10, 1],
        [2, 20, 2],
        [3, 30, 3],
      ]);
    } finally {
      await store.close();
    }
  });

  (skip ? it.skip : it)('labels are safe integers or null: 0.5 and "1" are refused whole', async () => {
    const store = make();
    try {
      await expect(
        store.batchAdd(
          [
            [1, 2],
            [3, 4],
          ],
          [1, 0.5],
        ),
      ).rejects.toThrow(new ValueError('labels[1] is 0.5; labels must be safe integers or null'));
      await expect(store.add([1, 2], '1' as never)).rejects.toThrow(ValueError);
      expect(await store.size()).toBe(0);
    } finally {
      await store.close();
    }
  });
});

import * as fs from 'node:fs';
import * as path from 'node:path';

import { LevelStore, MemoryStore, RedisStore } from '@tfsim/stores';
import { tempDir } from '@tfsim/test-utils';
import { redisUnavailable, startRedis, type TestRedis } from '@tfsim/test-utils/redis';
import { FormatError, StateError } from '@tfsim/utils';

import { Indexer } from '../src';
import { clusters } from './helpers';

// Issue 18 items 1, 3 and 8: a load writes only to a store it created (or an empty one it
// is given), and a saved index is read through one validator. The hostile files are made
// here from a good save, one test per file; every one of them loaded (or wrote) on main.
/** A manifest as parsed JSON, edited freely by the cases below. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;
const root = tempDir('tfsim-index-hostile-');
const { embeddings, labels, data } = clusters(3, 40, 4, 3, 0.3);
let n = 0;
const next = (): string => path.join(root, `case-${n++}`);

async function savedIndex(): Promise<string> {
  const index = new Indexer(4);
  await index.batchAdd(embeddings.slice(0, 20), labels.slice(0, 20), data.slice(0, 20));
  await index.calibrate(embeddings.slice(20), labels.slice(20), { '0.5': 0.5 }, { verbose: false });
  const dir = next();
  await index.save(dir);
  return dir;
}

function editManifest(dir: string, edit: (m: Json) => void): void {
  const file = path.join(dir, 'manifest.json');
  const manifest = JSON.parse(fs.readFileSync(file, 'utf8')) as Json;
  edit(manifest);
  fs.writeFileSync(file, JSON.stringify(manifest));
}

const levelSize = async (p: string): Promise<number> => {
  const store = new LevelStore({ path: p });
  try {
    return await store.size();
  } finally {
    await store.close();
  }
};

describe('Indexer.load writes only to a store it created', () => {
  it('a LevelStore saved at P keeps the records added after the save', async () => {
    const dbPath = next();
    const index = new Indexer(4, { kvStore: new LevelStore({ path: dbPath }) });
    await index.batchAdd(embeddings.slice(0, 10), labels.slice(0, 10));
    const saved = next();
    await index.save(saved);
    await index.batchAdd(embeddings.slice(10, 20), labels.slice(10, 20));
    await index.close();

    const loaded = await Indexer.load(saved);
    expect(await loaded.size()).toBe(10);
    expect((loaded.kvStore as LevelStore).path).not.toBe(dbPath);
    await loaded.close();
    expect(await levelSize(dbPath)).toBe(20);
  });

  it('a kvStoreConfig pointing outside the folder creates nothing there', async () => {
    const saved = await savedIndex();
    const outside = next();
    editManifest(saved, (m) => {
      m.kvStoreConfig = { type: 'level', name: 'x', path: outside };
    });
    const loaded = await Indexer.load(saved);
    expect(await loaded.size()).toBe(20);
    await loaded.close();
    expect(fs.existsSync(outside)).toBe(false);
  });

  it('a store given to load must be empty; it is left as it was', async () => {
    const saved = await savedIndex();
    const given = new MemoryStore();
    await given.batchAdd([[1, 0, 0, 0]], [9]);
    await expect(Indexer.load(saved, { kvStore: given })).rejects.toThrow(
      new StateError(
        `${saved}: the store to load into already holds 1 records; Indexer.load only fills an empty store (give an empty one as kvStore, or none)`,
      ),
    );
    expect((await given.toRecords()).map((r) => r.label)).toEqual([9]);
    const empty = new MemoryStore();
    const loaded = await Indexer.load(saved, { kvStore: empty });
    expect(loaded.kvStore).toBe(empty);
    expect(await empty.size()).toBe(20);
  });

  const redisMissing = redisUnavailable();
  (redisMissing ? it.skip : it)(
    'a Redis prefix named in the manifest is never replaced',
    async () => {
      const server: TestRedis = await startRedis();
      try {
        const victim = new RedisStore({ url: server.url, prefix: 'victim' });
        await victim.batchAdd(
          [
            [1, 2, 3, 4],
            [5, 6, 7, 8],
          ],
          [1, 2],
        );
        const saved = await savedIndex();
        editManifest(saved, (m) => {
          m.kvStoreConfig = { type: 'redis', name: 'r', url: server.url, prefix: 'victim' };
        });
        const loaded = await Indexer.load(saved);
        expect(await loaded.size()).toBe(20);
        expect((loaded.kvStore as RedisStore).prefix).toMatch(/^victim:loaded-[0-9a-f]{12}$/);
        await loaded.close();
        expect((await victim.toRecords()).map((r) => r.label)).toEqual([1, 2]);
        await victim.close();
      } finally {
        await server.stop();
      }
    },
    30_000,
  );
});

describe('Indexer.load validates every field of the manifest', () => {
  it.each([
    ['stats.numLookups of "lots"', (m: Json) => (m.stats.numLookups = 'lots'), /stats.numLookups must be a count/],
    [
      'a cutpoint distance of "abc"',
      (m: Json) => (m.cutpoints.optimal.distance = 'abc'),
      /cutpoints\["optimal"\].distance must be a number, got a string/,
    ],
    ['statBufferSize 1e9', (m: Json) => (m.statBufferSize = 1e9), /statBufferSize must be an integer from 1 to 1000000/],
    ['statBufferSize 1e10', (m: Json) => (m.statBufferSize = 1e10), /statBufferSize must be an integer from 1 to 1000000/],
    [
      'a missing calibrationMetricConfig',
      (m: Json) => delete m.calibrationMetricConfig,
      /calibrationMetricConfig must be \{name, canonicalName\} for a calibrated index/,
    ],
    ['an embeddingSize of "4"', (m: Json) => (m.embeddingSize = '4'), /embeddingSize must be an integer >= 1/],
    ['isCalibrated of "yes"', (m: Json) => (m.isCalibrated = 'yes'), /isCalibrated must be true or false/],
    ['a kvStoreConfig without a type', (m: Json) => (m.kvStoreConfig = { path: '/tmp' }), /kvStoreConfig must be a store config/],
  ])('%s is a FormatError naming the field', async (_what, edit, message) => {
    const saved = await savedIndex();
    editManifest(saved, edit);
    const err = await Indexer.load(saved).catch((e: Error) => e);
    expect(err).toBeInstanceOf(FormatError);
    expect((err as Error).message).toMatch(message);
  });

  it('a "__proto__" cutpoint is a cutpoint, not the prototype of the map', async () => {
    const saved = await savedIndex();
    fs.writeFileSync(
      path.join(saved, 'manifest.json'),
      fs.readFileSync(path.join(saved, 'manifest.json'), 'utf8').replace('"optimal":', '"__proto__":'),
    );
    const loaded = await Indexer.load(saved);
    expect(Object.keys(loaded.cutpoints).sort()).toEqual(['0.5', '__proto__']);
    expect(Object.getPrototypeOf(loaded.cutpoints)).toBeNull();
    expect(loaded.cutpoints['__proto__']!.name).toBe('optimal');
  });
});

describe('Indexer.load checks the folder and the search against the store', () => {
  it('a store folder that is a symbolic link to another save', async () => {
    const saved = await savedIndex();
    const other = await savedIndex();
    fs.rmSync(path.join(saved, 'store'), { recursive: true });
    fs.symlinkSync(path.join(other, 'store'), path.join(saved, 'store'));
    await expect(Indexer.load(saved)).rejects.toThrow(/the store folder must be a folder, found a symbolic link/);
  });

  const writeIds = (saved: string, ids: number[]): void =>
    fs.writeFileSync(path.join(saved, 'search', 'ids.i32'), Buffer.from(Int32Array.from(ids).buffer));

  it('search ids that are all 0 (every lookup would return record 0)', async () => {
    const saved = await savedIndex();
    writeIds(saved, new Array(20).fill(0));
    await expect(Indexer.load(saved)).rejects.toThrow(/the saved search does not match the store: looking up record 0 returned id 0 twice/);
  });

  it('search ids past the store (lookups would fail later)', async () => {
    const saved = await savedIndex();
    writeIds(
      saved,
      Array.from({ length: 20 }, (_, i) => i + 100),
    );
    await expect(Indexer.load(saved)).rejects.toThrow(/it returns ids the store does not hold \(id 1\d\d is not in the store/);
  });
});

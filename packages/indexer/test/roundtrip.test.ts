import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';

import { faissAvailable, faissUnavailableReason } from '@tfsim/search';
import { LevelStore, RedisStore } from '@tfsim/stores';
import { tempDir } from '@tfsim/test-utils';
import { redisUnavailable, startRedis, type TestRedis } from '@tfsim/test-utils/redis';

import { Indexer } from '../src';
import { describeIndex } from './fixtures/roundtrip-report';
import { clusters } from './helpers';

const run = promisify(execFile);
const tsxCjs = require.resolve('tsx/cjs');
const child = path.join(__dirname, 'fixtures', 'roundtrip-child.ts');

const N = 10_000;
const DIM = 16;
const CLASSES = 20;

interface Backend {
  name: string;
  /** What the Indexer takes. */
  make: (dir: string) => Promise<unknown>;
}

let redis: TestRedis | undefined;
const redisMissing = redisUnavailable();
if (redisMissing && process.env.TFSIM_REQUIRE_REDIS === '1') {
  throw new Error(`TFSIM_REQUIRE_REDIS=1 but ${redisMissing}`);
}
if (redisMissing) console.warn(`round trip without the redis store: ${redisMissing}`);

const stores: Backend[] = [
  { name: 'memory', make: async () => 'memory' },
  { name: 'level', make: async (dir) => new LevelStore({ path: path.join(dir, 'leveldb'), sync: false }) },
  ...(redisMissing
    ? []
    : [{ name: 'redis', make: async (dir: string) => new RedisStore({ url: redis!.url, prefix: `tfsim-test:${path.basename(dir)}` }) }]),
];
const faissMissing = faissAvailable() ? undefined : (faissUnavailableReason() ?? 'faiss-node does not load');
if (faissMissing && process.env.TFSIM_REQUIRE_FAISS === '1') throw new Error(`TFSIM_REQUIRE_FAISS=1 but ${faissMissing}`);
if (faissMissing) console.warn(`round trip without the faiss search: ${faissMissing}`);

const searches: Backend[] = [
  { name: 'linear', make: async () => 'linear' },
  ...(faissMissing ? [] : [{ name: 'faiss flat', make: async () => 'faiss' }]),
];

beforeAll(async () => {
  if (!redisMissing) redis = await startRedis();
});
afterAll(async () => {
  await redis?.stop();
});

describe(`save, then load in a fresh process: ${N} items`, () => {
  const dir = tempDir('tfsim-roundtrip-');
  // index, calibration queries and lookup queries from the same clusters
  const all = clusters(11, N + 800, DIM, CLASSES, 0.6);
  const embeddings = all.embeddings.slice(0, N);
  const labels = all.labels.slice(0, N);
  const data = all.data.slice(0, N);
  const calibration = all.embeddings.slice(N, N + 500);
  const calibrationLabels = all.labels.slice(N, N + 500);
  const queries = all.embeddings.slice(N + 500);
  const queriesFile = path.join(dir, 'queries.json');
  writeFileSync(queriesFile, JSON.stringify({ queries }));

  const combos = stores.flatMap((s) => searches.map((q) => [`${s.name} store x ${q.name} search`, s, q] as const));
  it.each(combos)('%s: identical lookups, calibration and stats', async (_name, store, search) => {
    const folder = path.join(dir, `${store.name}-${search.name}`.replace(/\W+/g, '-'));
    const kvStore = await store.make(folder);
    const searchSpec = await search.make(folder);
    const index = new Indexer(DIM, { kvStore: kvStore as never, search: searchSpec as never });
    await index.batchAdd(embeddings, labels, data, { verbose: false });
    await index.calibrate(calibration, calibrationLabels, { '0.9': 0.9, '0.95': 0.95 }, { verbose: false });
    await index.save(path.join(folder, 'saved'));
    const expected = await describeIndex(index, queries);
    expect(expected.size).toBe(N);
    expect(expected.stats.numLookups).toBe(500);
    expect(Object.keys(expected.calibration.cutpoints)).toContain('optimal');
    await index.close();

    const { stdout } = await run(
      process.execPath,
      ['--conditions=@tfsim/source', '--require', tsxCjs, child, path.join(folder, 'saved'), queriesFile],
      {
        maxBuffer: 256 * 1024 * 1024,
        env: { ...process.env, TFSIM_PROGRESS: '0' },
      },
    );
    const loaded = JSON.parse(stdout.trim().split('\n').pop()!);
    // JSON numbers carry doubles exactly: these comparisons are bit for bit
    expect(loaded.stats).toEqual(JSON.parse(JSON.stringify(expected.stats)));
    expect(loaded.calibration).toEqual(JSON.parse(JSON.stringify(expected.calibration)));
    expect(loaded.lookups).toEqual(expected.lookups);
    expect(loaded.matches).toEqual(expected.matches);
    expect(loaded.size).toBe(N);
  });
});

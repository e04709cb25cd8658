import { MemoryEvaluator } from '@tfsim/evaluators';
import { LinearSearch } from '@tfsim/search';
import { MemoryStore } from '@tfsim/stores';
import { EmptyIndexError, ShapeError, StateError, UnknownNameError, ValueError } from '@tfsim/utils';

import { Indexer } from '../src';
import { clusters, normalise } from './helpers';

describe('Indexer: add and lookup', () => {
  const embs = normalise([
    [1, 1, 3],
    [3, 1, 2],
  ]);
  const query = normalise([[1, 1, 2]])[0]!;

  it('returns Lookup records: rank from 1, distance, label, embedding, data (the Python basic flow)', async () => {
    const index = new Indexer(3);
    await index.batchAdd(embs, [0, 1], ['test', 'test2']);
    expect(await index.size()).toBe(2);
    const matches = await index.singleLookup(query);
    expect(matches.map((m) => m.rank)).toEqual([1, 2]);
    expect(matches[0]!.distance).toBeLessThan(0.016);
    expect(matches[0]!.distance).toBeCloseTo(1 - embs[0]!.reduce((s, v, i) => s + v * query[i]!, 0), 6);
    expect(matches[0]!.distance).toBeLessThan(matches[1]!.distance);
    expect(Array.from(matches[0]!.embedding!)).toEqual(Array.from(Float32Array.from(embs[0]!)));
    expect(matches[0]!.label).toBe(0);
    expect(matches[0]!.data).toBe('test');
    expect(matches[1]!.label).toBe(1);
    expect(matches[1]!.data).toBe('test2');
  });

  it('add takes one embedding (a vector or a one-row matrix), labels and data optional', async () => {
    const index = new Indexer(3);
    expect(await index.add([embs[0]!], 42)).toBe(0);
    expect(await index.add(embs[1]!)).toBe(1);
    expect(await index.add(Float32Array.from(embs[0]!), null, { any: ['json'] })).toBe(2);
    const m = await index.singleLookup([query], 3);
    expect(m.map((x) => x.label)).toEqual([42, null, null]);
    expect(m[1]!.data).toEqual({ any: ['json'] });
    await expect(index.add(embs)).rejects.toThrow(/one embedding, got 2 rows/);
  });

  it('returns min(k, size) neighbours; single and batch lookups agree', async () => {
    const { embeddings, labels } = clusters(1, 100, 10, 4);
    const index = new Indexer(10);
    await index.batchAdd(embeddings, labels);
    const batch = await index.batchLookup(embeddings, 3);
    expect(batch).toHaveLength(100);
    expect(batch[0]).toHaveLength(3);
    for (let i = 0; i < 100; i += 7) {
      const single = await index.singleLookup(embeddings[i]!, 3);
      expect(single.map((l) => [l.label, l.distance])).toEqual(batch[i]!.map((l) => [l.label, l.distance]));
    }
    // each point finds itself first
    expect(batch.every((row, i) => row[0]!.distance <= 1e-6 && row[0]!.data === null && row[0]!.label === labels[i])).toBe(true);
    expect(await index.singleLookup(embeddings[0]!, 500)).toHaveLength(100);
  });

  it('reset empties the index and its statistics', async () => {
    const index = new Indexer(3);
    await index.batchAdd(
      normalise([
        [1, 1, 3],
        [3, 1, 2],
        [3, 2, 3],
      ]),
      [0, 1, 2],
    );
    await index.singleLookup(query);
    expect((await index.stats()).numLookups).toBe(1);
    await index.reset();
    const stats = await index.stats();
    expect(stats.numLookups).toBe(0);
    expect(stats.size).toBe(0);
    await index.add([embs[0]!], 42);
    await index.add([embs[1]!], 43);
    const m = await index.singleLookup(query);
    expect(m.map((x) => x.label)).toEqual([42, 43]);
    expect((await index.stats()).numLookups).toBe(1);
  });

  it('takes search and store by name, config or instance, and the Python positional arguments', async () => {
    const store = new MemoryStore();
    const search = new LinearSearch('cosine', 3);
    const index = new Indexer(3, 'cosine', search, store, 'memory', null, 10);
    expect(index.search).toBe(search);
    expect(index.kvStore).toBe(store);
    expect(index.statBufferSize).toBe(10);
    const byOptions = new Indexer(3, { distance: 'l2', search: 'linear', kvStore: 'memory' });
    expect(byOptions.distance.name).toBe('euclidean');
    expect(byOptions.search.distance.name).toBe('euclidean');
    expect(() => new Indexer(3, 'cosine', 'annoy')).toThrow(UnknownNameError);
    expect(() => new Indexer(3, 'cosine', 'linear', 'sqlite')).toThrow(/unknown store "sqlite"/);
    expect(() => new Indexer(3, 'cosine', 'linear', 'memory', 'remote')).toThrow(/unknown evaluator "remote"/);
    expect(() => new Indexer(3, 'cosine', new LinearSearch('cosine', 4))).toThrow(ShapeError);
    expect(() => new Indexer(3, 'cosine', new LinearSearch('l2', 3))).toThrow(/distance "euclidean" but the index uses "cosine"/);
  });

  it('a level store by name lives in a new temporary folder; by config where the config says', async () => {
    const { LevelStore } = await import('@tfsim/stores');
    const byName = new Indexer(3, 'cosine', 'linear', 'level');
    expect(byName.kvStore).toBeInstanceOf(LevelStore);
    await byName.batchAdd(embs, [0, 1]);
    expect((await byName.singleLookup(query))[0]!.label).toBe(0);
    const config = byName.kvStore.getConfig();
    await byName.close();
    const again = new Indexer(3, 'cosine', 'linear', config);
    expect(await again.size()).toBe(2);
    expect((await again.singleLookup(query))[0]!.label).toBe(0);
    await again.close();
    const { rmSync } = await import('node:fs');
    rmSync(String(config.path), { recursive: true, force: true });
  });

  it('reads the embeddings of a multi-output prediction from embeddingOutput', async () => {
    const index = new Indexer(3, { embeddingOutput: 1 });
    const other = [
      [9, 9],
      [9, 9],
    ];
    await index.batchAdd([other, embs], [5, 6]);
    const m = await index.singleLookup([[[0, 0]], [query]]);
    expect(m[0]!.label).toBe(5);
    await expect(index.batchAdd(embs)).rejects.toThrow(/output 1 of a multi-output prediction/);
  });

  it('brings a pre-filled store into the search', async () => {
    const store = new MemoryStore();
    await store.batchAdd(embs, [7, 8]);
    const index = new Indexer(3, 'cosine', 'linear', store);
    expect((await index.singleLookup(query))[0]!.label).toBe(7);
    await index.add(embs[1]!, 9);
    expect(index.search.size()).toBe(3);
  });

  it('queues concurrent operations: adds and lookups interleave consistently', async () => {
    const { embeddings, labels } = clusters(2, 200, 8, 5);
    const index = new Indexer(8);
    const ops: Array<Promise<unknown>> = [];
    for (let i = 0; i < 200; i += 20) {
      ops.push(index.batchAdd(embeddings.slice(i, i + 20), labels.slice(i, i + 20)));
      ops.push(index.singleLookup(embeddings[i]!, 1));
    }
    const results = await Promise.all(ops);
    expect(await index.size()).toBe(200);
    // each lookup ran after its batch was added and found its own point
    for (let j = 1; j < results.length; j += 2) {
      const i = ((j - 1) / 2) * 20;
      expect((results[j] as Array<{ label: number }>)[0]!.label).toBe(labels[i]);
    }
    const ids = results.filter((_, j) => j % 2 === 0).flat();
    expect(ids).toEqual(Array.from({ length: 200 }, (_, i) => i));
  });

  it('exports its contents as rows and as columns', async () => {
    const index = new Indexer(3);
    await index.batchAdd(embs, [0, 1], ['a', { b: 2 }]);
    const rows = await index.toRecords();
    expect(rows.map((r) => [r.id, r.label, r.data])).toEqual([
      [0, 0, 'a'],
      [1, 1, { b: 2 }],
    ]);
    const df = await index.toDataFrame(1);
    expect(df.id).toEqual([0]);
    expect(df.label).toEqual([0]);
    expect(df.data).toEqual(['a']);
    expect(Array.from(df.embedding[0]!)).toEqual(Array.from(Float32Array.from(embs[0]!)));
  });
});

describe('Indexer: calibrate, match, evaluate', () => {
  const { embeddings, labels } = clusters(3, 300, 16, 6, 0.5);
  const index = new Indexer(16);
  const queries = clusters(4, 200, 16, 6, 0.5);
  // the same centres: draw the queries from the index's generator
  const q = clusters(3, 500, 16, 6, 0.5);
  const qEmb = q.embeddings.slice(300);
  const qLab = q.labels.slice(300);

  beforeAll(async () => {
    await index.batchAdd(embeddings, labels);
  });

  it('calibrate = evaluator.calibrate on the index lookups, and is kept by the index', async () => {
    const res = await index.calibrate(qEmb, qLab, { '0.9': 0.9 }, 'f1_score', 1, 'match_nearest', ['precision', 'recall'], 2, false);
    const lookups = await index.batchLookup(qEmb, 1, false);
    const direct = new MemoryEvaluator().calibrate(qLab, lookups, { '0.9': 0.9 }, 'f1_score', 'match_nearest', {
      extraMetrics: ['precision', 'recall'],
    });
    expect(res.cutpoints).toEqual(direct.cutpoints);
    expect(Object.keys(res.thresholds)).toEqual(['distance', 'precision', 'recall', 'f1_score', 'value']);
    expect(Array.from(res.thresholds.value!)).toEqual(Array.from(direct.thresholds.value!));
    expect(index.isCalibrated).toBe(true);
    expect(index.calibrationMetric.name).toBe('f1_score');
    expect(index.cutpoints).toBe(res.cutpoints);
    expect(res.cutpoints.optimal!.f1_score).toBeGreaterThan(0.5);
    // the options-object form gives the same
    const again = await index.calibrate(qEmb, qLab, { '0.9': 0.9 }, { verbose: false });
    expect(again.cutpoints).toEqual(res.cutpoints);
  });

  it('match: the nearest label within each cutpoint distance, the no-match label beyond', async () => {
    await index.calibrate(qEmb, qLab, { '0.9': 0.9 }, { verbose: false });
    const lookups = await index.batchLookup(qEmb, 1, false);
    const matches = await index.match(qEmb, -7, 1, 'match_nearest', false);
    expect(Object.keys(matches)).toEqual(Object.keys(index.cutpoints));
    for (const [name, cp] of Object.entries(index.cutpoints)) {
      const expected = lookups.map((l) => (l[0]!.distance <= cp.distance ? l[0]!.label : -7));
      expect(matches[name]).toEqual(expected);
    }
    // a far-away query gets no match at the optimal cutpoint
    const far = new Array(16).fill(0);
    far[0] = 1;
    const lk = await index.singleLookup(far, 1);
    const m = await index.match([far], { noMatchLabel: -1 });
    expect(m.optimal![0]).toBe(lk[0]!.distance <= index.cutpoints.optimal!.distance ? lk[0]!.label : -1);
  });

  it('evaluateClassification at given thresholds', async () => {
    const res = await index.evaluateClassification(qEmb, qLab, [0.1, 0.5, 2], ['f1', 'precision'], 'match_nearest', 1, false);
    expect(Object.keys(res)).toEqual(['distance', 'f1', 'precision']);
    const lookups = await index.batchLookup(qEmb, 1, false);
    const direct = new MemoryEvaluator().evaluateClassification(
      qLab,
      lookups.map((l) => [l[0]!.label!]),
      lookups.map((l) => [l[0]!.distance]),
      [0.1, 0.5, 2],
      ['f1', 'precision'],
      'match_nearest',
    );
    expect(res).toEqual(direct);
    // precision at distance 2 (every query matched) is the share of correct nearest labels
    const correct = lookups.filter((l, i) => l[0]!.label === qLab[i]).length / qLab.length;
    expect(res.precision![2]).toBeCloseTo(correct, 6);
    expect(Object.keys(await index.evaluateClassification(qEmb, qLab, [0.5]))).toEqual(['distance', 'f1']);
  });

  it('evaluateRetrieval looks up max k + 1 and gives R-based metrics the index class counts', async () => {
    const { RecallAtK, RPrecision, MapAtR } = await import('@tfsim/retrieval-metrics');
    const metrics = [new RecallAtK({ k: 1 }), new RecallAtK({ k: 5 }), new RPrecision(), new MapAtR()];
    const res = await index.evaluateRetrieval(qEmb, qLab, metrics, false);
    const counts = await index.classCounts();
    expect([...counts.values()].reduce((a, b) => a + b, 0)).toBe(300);
    const maxR = Math.max(...counts.values());
    const lookups = await index.batchLookup(qEmb, maxR + 1, false);
    const direct = new MemoryEvaluator().evaluateRetrieval(qLab, lookups, metrics, { classCounts: counts });
    expect(res).toEqual(direct);
    expect(res['recall@5']).toBeGreaterThanOrEqual(res['recall@1']!);
    expect(res.r_precision).toBeGreaterThan(0);
    expect(queries.labels.length).toBe(200);
  });
});

describe('Indexer: bad input gets clear errors', () => {
  const embs = normalise([
    [1, 1, 3],
    [3, 1, 2],
  ]);

  it('labels or data of the wrong length, non-integer labels, unserialisable data', async () => {
    const index = new Indexer(3);
    await expect(index.batchAdd(embs, [0])).rejects.toThrow(
      new ShapeError('labels (Indexer.batchAdd) has 1 entries but there are 2 embeddings'),
    );
    await expect(index.batchAdd(embs, [0, 1], ['x'])).rejects.toThrow(ShapeError);
    await expect(index.batchAdd(embs, [0, 1.5])).rejects.toThrow(
      /labels\[1\] \(Indexer.batchAdd\) is 1.5; labels must be safe integers or null/,
    );
    await expect(index.batchAdd(embs, [0, 1], [1n, 2n] as never)).rejects.toThrow(/data\[0\] is not JSON-serialisable/);
    expect(await index.size()).toBe(0);
    expect(index.search.size()).toBe(0);
  });

  it('embeddings and queries of the wrong dimension, or not finite', async () => {
    const index = new Indexer(3);
    await expect(index.batchAdd([[1, 2]])).rejects.toThrow(/predictions \(Indexer.batchAdd\) has dimension 2, expected 3/);
    await expect(index.batchAdd([[1, 2, NaN]])).rejects.toThrow(ValueError);
    await index.batchAdd(embs, [0, 1]);
    await expect(index.singleLookup([1, 2, 3, 4])).rejects.toThrow(/prediction \(Indexer.singleLookup\) has dimension 4, expected 3/);
    await expect(index.batchLookup([[1, 2]])).rejects.toThrow(ShapeError);
    await expect(index.batchLookup(embs, 0)).rejects.toThrow(/k must be an integer >= 1/);
    await expect(index.calibrate([[1, 0, 0]], [0, 1])).rejects.toThrow(
      /targetLabels \(Indexer.calibrate\) has 2 entries but there are 1 queries/,
    );
  });

  it('lookup, calibrate or match before anything is indexed; match before calibrate', async () => {
    const index = new Indexer(3);
    await expect(index.singleLookup([1, 0, 0])).rejects.toThrow(EmptyIndexError);
    await expect(index.calibrate([[1, 0, 0]], [0])).rejects.toThrow(EmptyIndexError);
    await expect(index.calibrate([[1, 0, 0]], [0])).rejects.toThrow(/the index is empty/);
    await expect(index.match([[1, 0, 0]])).rejects.toThrow(EmptyIndexError);
    await index.batchAdd(embs, [0, 1]);
    await expect(index.match([[1, 0, 0]])).rejects.toThrow(StateError);
    await expect(index.match([[1, 0, 0]])).rejects.toThrow('the index is not calibrated: call calibrate() before match()');
  });

  it('unknown metric or matcher names', async () => {
    const index = new Indexer(3);
    await index.batchAdd(embs, [0, 1]);
    await expect(index.calibrate([[1, 0, 0]], [0], {}, 'f2')).rejects.toThrow(UnknownNameError);
    await expect(index.calibrate([[1, 0, 0]], [0], {}, 'f1', 1, 'match_best')).rejects.toThrow(/unknown matcher "match_best"/);
    await expect(index.calibrate([[1, 0, 0]], [0], {}, 'f1', 1, 'match_nearest', ['precison'])).rejects.toThrow(
      /unknown classification metric "precison"/,
    );
    await expect(index.evaluateClassification([[1, 0, 0]], [0], [0.5], ['acc'])).rejects.toThrow(UnknownNameError);
    await index.calibrate([[1, 0, 0]], [0], {}, { verbose: false });
    await expect(index.match([[1, 0, 0]], -1, 1, 'match_any')).rejects.toThrow(UnknownNameError);
    await expect(index.evaluateRetrieval([[1, 0, 0]], [0], [{ name: 'x' } as never])).rejects.toThrow(
      /retrievalMetrics\[0\] is object, not a RetrievalMetric/,
    );
  });
});

describe('Indexer options', () => {
  it('rejects an unknown key with a suggestion (a Python keyword is the usual cause)', () => {
    expect(() => new Indexer(3, { kv_store: 'memory' } as never)).toThrow("unknown option 'kv_store' for Indexer; did you mean 'kvStore'?");
    expect(() => new Indexer(3, { distance: 'l2', stat_buffer_size: 10 } as never)).toThrow("did you mean 'statBufferSize'?");
    const index = new Indexer(3, { distance: 'l2', statBufferSize: 10 });
    expect([index.distance.name, index.statBufferSize]).toEqual(['euclidean', 10]);
  });
});

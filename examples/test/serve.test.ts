/**
 * The HTTP lookup server over a saved index, on loopback: it starts on a
 * free port, answers lookups equal to Indexer.lookup's (neighbours,
 * distances bit for bit, labels, data) under concurrent requests, matches
 * at the saved calibration, and answers bad requests with the status and
 * the message that name the problem.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Indexer } from '@tfsim/indexer';
import { Rng } from '@tfsim/utils';

import { type LookupServer, startLookupServer } from '../src/serve/server';

const DIM = 8;

function rows(rng: Rng, n: number, centre: (i: number) => number): number[][] {
  return Array.from({ length: n }, (_, i) => Array.from({ length: DIM }, (_, j) => (j === centre(i) ? 3 : 0) + rng.normal(0, 0.5)));
}

describe('HTTP lookup server', () => {
  const rng = new Rng(159);
  const labels = Array.from({ length: 300 }, (_, i) => i % 6);
  const items = rows(rng, 300, (i) => labels[i]!);
  const queryLabels = Array.from({ length: 40 }, (_, i) => (i * 7) % 6);
  const queries = rows(rng, 40, (i) => queryLabels[i]!);
  const folder = mkdtempSync(join(tmpdir(), 'tfsim-serve-'));
  let index: Indexer;
  let served: LookupServer;

  const post = async (route: string, body: unknown) => {
    const res = await fetch(`${served.url}${route}`, { method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body) });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  };

  beforeAll(async () => {
    const built = new Indexer(DIM, { distance: 'l2' });
    await built.batchAdd(
      items,
      labels,
      labels.map((l, i) => `item ${i} of class ${l}`),
      { verbose: false },
    );
    await built.calibrate(queries, queryLabels, { precision_90: 0.9 }, { verbose: false });
    const dir = join(folder, 'index');
    await built.save(dir);
    await built.close();
    index = await Indexer.load(dir, { verbose: false });
    served = await startLookupServer(index);
  });

  afterAll(async () => {
    await served?.close();
    await index?.close();
    rmSync(folder, { recursive: true, force: true });
  });

  it('listens on loopback and reports the index', async () => {
    expect(served.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const res = await fetch(`${served.url}/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok', size: 300, embeddingSize: DIM, distance: 'euclidean', calibrated: true });
  });

  it("answers 20 concurrent lookups with Indexer.lookup's neighbours, distances, labels and data", async () => {
    const expected = await index.batchLookup(queries, 4, false);
    const batches = Array.from({ length: 20 }, (_, b) => [b * 2, b * 2 + 1]);
    const answers = await Promise.all(batches.map((ids) => post('/lookup', { embeddings: ids.map((i) => queries[i]), k: 4 })));
    answers.forEach(({ status, json }, b) => {
      expect(status).toBe(200);
      const neighbours = json.neighbors as Array<Array<{ rank: number; distance: number; label: number; data: string }>>;
      expect(neighbours).toHaveLength(2);
      neighbours.forEach((row, r) => {
        const want = expected[batches[b]![r]!]!;
        expect(row.map((n) => n.rank)).toEqual(want.map((l) => l.rank));
        expect(row.map((n) => n.label)).toEqual(want.map((l) => l.label));
        expect(row.map((n) => n.data)).toEqual(want.map((l) => l.data));
        // float32 distances survive JSON exactly.
        expect(row.map((n) => n.distance)).toEqual(want.map((l) => l.distance));
      });
    });
    // ... and the neighbours are the right ones: mostly of the query's class.
    const hits = expected.filter((row, i) => row[0]!.label === queryLabels[i]).length;
    expect(hits).toBeGreaterThanOrEqual(36);
  });

  it('returns the embeddings when asked', async () => {
    const { json } = await post('/lookup', { embeddings: [queries[0]], k: 1, includeEmbeddings: true });
    const [want] = await index.singleLookup(queries[0]!, 1);
    const [[got]] = json.neighbors as Array<Array<{ embedding: number[] }>>;
    expect(got!.embedding).toEqual(Array.from(want!.embedding!));
  });

  it('matches at the saved calibration as Indexer.match does', async () => {
    const { status, json } = await post('/match', { embeddings: queries.slice(0, 10), noMatchLabel: -7 });
    expect(status).toBe(200);
    expect(json.matches).toEqual(await index.match(queries.slice(0, 10), { noMatchLabel: -7, verbose: false }));
    expect(Object.keys(json.matches as object).sort()).toEqual(['optimal', 'precision_90']);
  });

  it('names bad requests', async () => {
    expect(await post('/lookup', { embeddings: [[1, 2, 3]] })).toMatchObject({
      status: 400,
      json: { error: { type: 'ShapeError', message: 'predictions (Indexer.batchLookup) has dimension 3, expected 8' } },
    });
    // JSON has no NaN: null stands for it, and the index names it.
    expect(await post('/lookup', { embeddings: [[0, 0, null, 0, 0, 0, 0, 0]] })).toMatchObject({
      status: 400,
      json: { error: { type: 'ValueError', message: expect.stringMatching(/NaN at row 0, column 2/) } },
    });
    expect(await post('/lookup', { embeddings: [queries[0]], k: 0 })).toMatchObject({
      status: 400,
      json: { error: { message: 'k must be an integer >= 1, got 0' } },
    });
    expect(await post('/lookup', '{"embeddings": [')).toMatchObject({ status: 400, json: { error: { type: 'BadJson' } } });
    expect(await post('/lookup', { k: 3 })).toMatchObject({ status: 400, json: { error: { message: 'the request needs "embeddings"' } } });
    expect(await post('/lookup', { embeddings: [['a']] })).toMatchObject({
      status: 400,
      json: { error: { message: 'embeddings[0][0] is not a number: "a"' } },
    });
    expect(await post('/nope', {})).toMatchObject({ status: 404 });
    const get = await fetch(`${served.url}/lookup`);
    expect(get.status).toBe(405);
  });

  it('refuses bodies over the limit, and an empty index with 409', async () => {
    const empty = new Indexer(DIM);
    const small = await startLookupServer(empty, { maxBodyBytes: 1000 });
    try {
      const big = await fetch(`${small.url}/lookup`, { method: 'POST', body: JSON.stringify({ embeddings: queries }) });
      expect(big.status).toBe(413);
      expect(((await big.json()) as { error: { message: string } }).error.message).toMatch(/over the limit of 1000/);
      const res = await fetch(`${small.url}/lookup`, { method: 'POST', body: JSON.stringify({ embeddings: [queries[0]] }) });
      expect(res.status).toBe(409);
      expect(((await res.json()) as { error: { type: string } }).error.type).toBe('EmptyIndexError');
    } finally {
      await small.close();
      await empty.close();
    }
  });
});

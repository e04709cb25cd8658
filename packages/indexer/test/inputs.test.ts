import { ValueError } from '@tfsim/utils';

import { Indexer } from '../src';

// Issue 18 item 2: inputs are copied at the call, not read when the queued operation runs.
describe('Indexer: inputs are taken at the call', () => {
  it('one Float32Array reused for three un-awaited batchAdd calls stores three different vectors', async () => {
    const index = new Indexer(2, { distance: 'l2' });
    const buffer = new Float32Array(2);
    const pending: Array<Promise<number[]>> = [];
    for (const v of [1, 2, 3]) {
      buffer.set([v, -v]);
      pending.push(index.batchAdd({ data: buffer, rows: 1, cols: 2 }, [v], [{ v }]));
    }
    buffer.fill(99);
    expect((await Promise.all(pending)).flat()).toEqual([0, 1, 2]);
    const records = await index.toRecords();
    expect(records.map((r) => Array.from(r.embedding))).toEqual([
      [1, -1],
      [2, -2],
      [3, -3],
    ]);
    expect(records.map((r) => r.data)).toEqual([{ v: 1 }, { v: 2 }, { v: 3 }]);
    // the search holds the same three vectors: each finds itself at distance 0
    const found = await index.batchLookup(
      [
        [1, -1],
        [2, -2],
        [3, -3],
      ],
      1,
    );
    expect(found.map((l) => [l[0]!.label, l[0]!.distance])).toEqual([
      [1, 0],
      [2, 0],
      [3, 0],
    ]);
  });

  it('rows and data changed after add, and a query changed after batchLookup, are not seen', async () => {
    const index = new Indexer(2, { distance: 'l2' });
    const row = [1, 0];
    const datum = { name: 'a' };
    const added = index.add(row, 7, datum);
    row[0] = 50;
    datum.name = 'changed';
    await added;
    const query = new Float32Array([1, 0]);
    const lookup = index.batchLookup({ data: query, rows: 1, cols: 2 }, 1);
    query[0] = -50;
    const nearest = (await lookup)[0]![0];
    expect(nearest).toMatchObject({ distance: 0, label: 7, data: { name: 'a' } });
  });
});

// Issue 18 item 9: numeric labels are safe integers, numbers are numbers, bad metrics get our error.
// (Strings and other JSON values are labels of their own, kept in the label table: labels.test.ts.)
describe('Indexer: strict inputs', () => {
  it.each([
    ['0.5', 0.5],
    ['NaN', NaN],
    ['Infinity', Infinity],
  ])('rejects a label of %s', async (_what, label) => {
    const index = new Indexer(2);
    await expect(index.batchAdd([[1, 0]], [label as number])).rejects.toThrow(ValueError);
    await expect(index.add([1, 0], label as number)).rejects.toThrow(/label \(Indexer.add\) is .*; labels must be safe integers or null/);
    expect(await index.size()).toBe(0);
  });

  it('rejects null, "1" and booleans as embedding values', async () => {
    const index = new Indexer(2);
    for (const bad of [null, '1', true, '']) {
      await expect(index.batchAdd([[1, bad as never]])).rejects.toThrow(
        /predictions \(Indexer.batchAdd\) contains .* at row 0, column 1; values must be finite/,
      );
    }
  });

  it('evaluateRetrieval([null]) and calibrate with label 0.5 give our ValueError', async () => {
    const index = new Indexer(2);
    await index.batchAdd(
      [
        [1, 0],
        [0, 1],
      ],
      [0, 1],
    );
    await expect(index.evaluateRetrieval([[1, 0]], [0], [null] as never)).rejects.toThrow(
      /retrievalMetrics\[0\] is null, not a RetrievalMetric/,
    );
    await expect(index.calibrate([[1, 0]], [0.5])).rejects.toThrow(/targetLabels\[0\] \(Indexer.calibrate\) is 0.5/);
  });
});

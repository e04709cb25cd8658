import * as fs from 'node:fs';
import * as path from 'node:path';

import { MemoryStore } from '@tfsim/stores';
import { tempDir } from '@tfsim/test-utils';
import { FormatError, ValueError } from '@tfsim/utils';

import { Indexer } from '../src';
import { canonicalJson, LabelTable } from '../src/labels';
import { clusters } from './helpers';

// Issue 22: string (and any JSON) labels, kept in a label table beside the index.
const NAMES = ['cat', 'dog', 'ému ✓'];
const { embeddings, labels, data } = clusters(11, 60, 4, 3, 0.35);
const named = labels.map((l) => NAMES[l]!);
const root = tempDir('tfsim-index-labels-');
let n = 0;
const next = (): string => path.join(root, `case-${n++}`);

/** The same items indexed twice: with integer labels and with names. */
async function twins(): Promise<{ ints: Indexer; strings: Indexer<string> }> {
  const ints = new Indexer(4);
  const strings = new Indexer<string>(4);
  await ints.batchAdd(embeddings.slice(0, 40), labels.slice(0, 40), data.slice(0, 40));
  await strings.batchAdd(embeddings.slice(0, 40), named.slice(0, 40), data.slice(0, 40));
  return { ints, strings };
}

describe('string labels', () => {
  it('are stored as table rows in order of first appearance and restored in lookups, records and counts', async () => {
    const index = new Indexer<string>(2);
    await index.batchAdd(
      [
        [1, 0],
        [0, 1],
        [1, 0.1],
        [0.1, 1],
      ],
      ['dog', 'cat', 'dog', null],
    );
    await index.add([-1, 0], 'ému');
    // what the store holds: the rows of the table (dog 0, cat 1, ému 2)
    expect((await index.kvStore.toRecords()).map((r) => r.label)).toEqual([0, 1, 0, null, 2]);
    expect((await index.toRecords()).map((r) => r.label)).toEqual(['dog', 'cat', 'dog', null, 'ému']);
    expect((await index.toDataFrame()).label).toEqual(['dog', 'cat', 'dog', null, 'ému']);
    const [nearest] = await index.batchLookup([[1, 0.05]], 3, false);
    expect(nearest!.map((l) => l.label)).toEqual(['dog', 'dog', null]);
    expect((await index.singleLookup([-1, 0.01], 1))[0]!.label).toBe('ému');
    expect(await index.classCounts()).toEqual(
      new Map([
        ['dog', 2],
        ['cat', 1],
        ['ému', 1],
      ]),
    );
  });

  it('calibrate, evaluateClassification, evaluateRetrieval and match give what integer labels give, with names', async () => {
    const { ints, strings } = await twins();
    const queries = embeddings.slice(40);
    const q = { ints: labels.slice(40), names: named.slice(40) };
    const c1 = await ints.calibrate(queries, q.ints, { '0.8': 0.8 }, { verbose: false });
    const c2 = await strings.calibrate(queries, q.names, { '0.8': 0.8 }, { verbose: false });
    expect(c2.cutpoints).toEqual(c1.cutpoints);
    const e1 = await ints.evaluateClassification(queries, q.ints, [0.1, 0.3], { metrics: ['f1', 'precision'], verbose: false });
    const e2 = await strings.evaluateClassification(queries, q.names, [0.1, 0.3], { metrics: ['f1', 'precision'], verbose: false });
    expect(e2).toEqual(e1);
    const { RecallAtK } = await import('@tfsim/retrieval-metrics');
    const r1 = await ints.evaluateRetrieval(queries, q.ints, [new RecallAtK({ k: 3 })], false);
    const r2 = await strings.evaluateRetrieval(queries, q.names, [new RecallAtK({ k: 3 })], false);
    expect(r2).toEqual(r1);
    const m1 = await ints.match(queries, { verbose: false });
    const m2 = await strings.match(queries, { noMatchLabel: -1, verbose: false });
    for (const name of Object.keys(m1)) expect(m2[name]).toEqual(m1[name]!.map((l) => (l === -1 ? -1 : NAMES[l as number])));
    expect(m1.optimal!.some((l) => l !== -1)).toBe(true);
  });

  it('a query label the index does not hold matches nothing', async () => {
    const index = new Indexer<string>(2);
    await index.batchAdd(
      [
        [1, 0],
        [0, 1],
      ],
      ['a', 'b'],
    );
    // nearest of both queries is 'a'; the second query's label 'zebra' is not indexed: one true positive of two
    const results = await index.evaluateClassification(
      [
        [1, 0],
        [1, 0.01],
      ],
      ['a', 'zebra'],
      [1],
      { metrics: ['precision'], verbose: false },
    );
    expect(Array.from(results.precision!)).toEqual([0.5]);
  });

  it('JSON values are labels too: equal values (whatever their key order) are one label', async () => {
    const index = new Indexer<unknown>(2);
    await index.batchAdd(
      [
        [1, 0],
        [0, 1],
        [1, 1],
      ],
      [{ kind: 'x', n: 1 }, ['a', 2], { n: 1, kind: 'x' }],
    );
    expect((await index.kvStore.toRecords()).map((r) => r.label)).toEqual([0, 1, 0]);
    expect((await index.toRecords()).map((r) => r.label)).toEqual([{ kind: 'x', n: 1 }, ['a', 2], { kind: 'x', n: 1 }]);
    // a restored label is a copy: changing it changes nothing indexed
    const [first] = await index.toRecords(1);
    (first!.label as { n: number }).n = 99;
    expect((await index.toRecords(1))[0]!.label).toEqual({ kind: 'x', n: 1 });
    expect(canonicalJson({ b: [1, { d: 1, c: 2 }], a: 'x' }, 'v')).toBe('{"a":"x","b":[1,{"c":2,"d":1}]}');
  });

  it('one kind per index: mixing integers and other labels is a ValueError and writes nothing', async () => {
    const index = new Indexer<string | number>(2);
    await expect(
      index.batchAdd(
        [
          [1, 0],
          [0, 1],
        ],
        ['a', 3],
      ),
    ).rejects.toMatchObject({ code: 'ERR_VALUE', message: expect.stringMatching(/labels\[1\].*one kind per index/) });
    expect(await index.size()).toBe(0);
    await index.batchAdd([[1, 0]], ['a']);
    await expect(index.add([0, 1], 3)).rejects.toThrow(/label\[0\]|labels\[0\].*3.*string or JSON labels/);
    await expect(index.calibrate([[1, 0]], [1], {}, { verbose: false })).rejects.toThrow(ValueError);
    expect(await index.size()).toBe(1);

    const ints = new Indexer<string | number>(2);
    await ints.batchAdd([[1, 0]], [1]);
    await expect(ints.add([0, 1], 'a')).rejects.toThrow(/item 0 has label 1.*one kind per index/);
    expect(await ints.size()).toBe(1);
  });

  it('rejects what JSON cannot hold', async () => {
    const index = new Indexer<unknown>(2);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    for (const bad of [{ x: Number.NaN }, { f: () => 1 }, [1n], cyclic, new Date(0)]) {
      await expect(index.batchAdd([[1, 0]], [bad])).rejects.toMatchObject({ code: 'ERR_VALUE' });
    }
    expect(await index.size()).toBe(0);
  });

  it('a batch the store refuses adds no row to the table', async () => {
    class FailingStore extends MemoryStore {
      fail = false;
      override async batchAdd(...args: Parameters<MemoryStore['batchAdd']>): Promise<number[]> {
        if (this.fail) throw new Error('store unavailable');
        return super.batchAdd(...args);
      }
    }
    const store = new FailingStore();
    const index = new Indexer<string>(2, { kvStore: store });
    await index.batchAdd([[1, 0]], ['a']);
    store.fail = true;
    await expect(index.batchAdd([[0, 1]], ['b'])).rejects.toThrow('store unavailable');
    store.fail = false;
    await index.batchAdd([[0, 1]], ['c']);
    // 'c' took row 1: the failed 'b' left no row behind
    expect((await index.kvStore.toRecords()).map((r) => r.label)).toEqual([0, 1]);
    expect((await index.toRecords()).map((r) => r.label)).toEqual(['a', 'c']);
  });

  it('reset forgets the table: the index then takes integer labels', async () => {
    const index = new Indexer<string | number>(2);
    await index.batchAdd([[1, 0]], ['a']);
    await index.reset();
    await index.batchAdd([[1, 0]], [5]);
    expect((await index.toRecords())[0]!.label).toBe(5);
  });
});

describe('saving string labels', () => {
  it('round-trips bit for bit: the loaded index answers the same and saves the same files', async () => {
    const { strings } = await twins();
    await strings.calibrate(embeddings.slice(40), named.slice(40), {}, { verbose: false });
    const dir = next();
    await strings.save(dir);
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
    expect(manifest.version).toBe(2);
    // the table: each name once, in order of first appearance
    expect(fs.readFileSync(path.join(dir, manifest.labelTable.file), 'utf8')).toBe(JSON.stringify([...new Set(named.slice(0, 40))]));
    const loaded = await Indexer.load<string>(dir);
    const queries = embeddings.slice(40);
    expect(await loaded.batchLookup(queries, 3, false)).toEqual(await strings.batchLookup(queries, 3, false));
    expect(await loaded.match(queries, { verbose: false })).toEqual(await strings.match(queries, { verbose: false }));
    const again = next();
    await loaded.save(again);
    for (const file of ['manifest.json', manifest.labelTable.file]) {
      const a = fs.readFileSync(path.join(dir, file), 'utf8');
      const b = fs.readFileSync(path.join(again, file), 'utf8');
      // the manifest differs only in the lookup statistics the comparisons above added
      if (file === 'manifest.json') expect({ ...JSON.parse(b), stats: null }).toEqual({ ...JSON.parse(a), stats: null });
      else expect(b).toBe(a);
    }
    // new labels continue the loaded table
    await loaded.add([0.5, 0.5, 0.5, 0.5], 'newt');
    expect((await loaded.kvStore.toRecords()).at(-1)!.label).toBe(3);
  });

  it('an index of integer labels is saved as version 1, without a table', async () => {
    const { ints } = await twins();
    const dir = next();
    await ints.save(dir);
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
    expect(manifest.version).toBe(1);
    expect(manifest.labelTable).toBeUndefined();
  });
});

describe('hostile label tables', () => {
  async function saved(): Promise<string> {
    const index = new Indexer<string>(2);
    await index.batchAdd(
      [
        [1, 0],
        [0, 1],
        [1, 1],
      ],
      ['a', 'b', 'a'],
    );
    const dir = next();
    await index.save(dir);
    return dir;
  }
  function writeTable(dir: string, bytes: Uint8Array | string): void {
    const file = path.join(dir, 'manifest.json');
    const manifest = JSON.parse(fs.readFileSync(file, 'utf8'));
    const data = typeof bytes === 'string' ? new TextEncoder().encode(bytes) : bytes;
    fs.writeFileSync(path.join(dir, manifest.labelTable.file), data);
    manifest.labelTable.length = data.length;
    fs.writeFileSync(file, JSON.stringify(manifest));
  }

  it.each([
    ['not an array', '{"a":1}', /JSON array/],
    ['a null entry', '["a",null]', /entry 1 is null/],
    ['an integer entry', '["a",3]', /entry 1 is a number/],
    ['two entries of one label', '[{"x":1,"y":2},{"y":2,"x":1}]', /entries 0 and 1 hold the same label/],
    ['an empty table', '[]', /empty/],
    ['a table shorter than the labels stored', '["a"]', /item 1 has label 1.*rows 0 to 0/],
    ['invalid UTF-8', new Uint8Array([0x5b, 0x22, 0xff, 0x22, 0x5d]), /UTF-8/],
    ['a table nested too deep', `[${'['.repeat(200)}${']'.repeat(200)}]`, /./],
  ])('refuses %s', async (_what, table, message) => {
    const dir = await saved();
    writeTable(dir, table);
    const err = await Indexer.load(dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FormatError);
    expect((err as Error).message).toMatch(message);
  });

  it('refuses a version 2 manifest without a table and a version 1 manifest with one', async () => {
    const dir = await saved();
    const file = path.join(dir, 'manifest.json');
    const manifest = JSON.parse(fs.readFileSync(file, 'utf8'));
    fs.writeFileSync(file, JSON.stringify({ ...manifest, version: 1 }));
    await expect(Indexer.load(dir)).rejects.toThrow(/labelTable must be absent in version 1/);
    const { labelTable: _t, ...rest } = manifest;
    fs.writeFileSync(file, JSON.stringify(rest));
    await expect(Indexer.load(dir)).rejects.toThrow(/labelTable must be an array descriptor/);
  });

  it('LabelTable.fromJson keeps the saved order', () => {
    const table = LabelTable.fromJson('["b",{"k":1},"a"]', 't');
    expect(table.decodeAll([2, 0, 1, null])).toEqual(['a', 'b', { k: 1 }, null]);
  });
});

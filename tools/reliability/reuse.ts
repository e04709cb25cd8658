/**
 * Buffer reuse: a caller fills one Float32Array, calls, refills it and calls
 * again without awaiting. Each call must see the values it was given.
 */
import * as path from 'node:path';

import { Indexer } from '@tfsim/indexer';
import { LevelStore, MemoryStore, RedisStore, type Store } from '@tfsim/stores';
import { startRedis } from '@tfsim/test-utils/redis';
import type { Label } from '@tfsim/utils';

import type { Case, Outcome } from './common';

const DIM = 4;

/** What a reuse case writes to: a store (one-row batchAdd) or an Indexer (add). */
interface Target {
  add(row: Float32Array, label: number): Promise<unknown>;
  toRecords(): Promise<Array<{ label?: Label | null; embedding?: Float32Array }>>;
  close(): Promise<void>;
}

const storeTarget = (store: Store): Target => ({
  add: (row, label) => store.batchAdd([row], [label]),
  toRecords: () => store.toRecords(),
  close: () => store.close(),
});

/** Three un-awaited adds from one reused buffer; the target must hold the three distinct rows. */
async function reuseOn(target: Target): Promise<Outcome> {
  try {
    const buffer = new Float32Array(DIM);
    const calls: Array<Promise<unknown>> = [];
    for (let k = 1; k <= 3; k++) {
      buffer.fill(k);
      calls.push(target.add(buffer, k));
    }
    await Promise.all(calls);
    const records = await target.toRecords();
    const right = records.length === 3 && records.every((r) => r.embedding!.every((v) => v === r.label));
    return right
      ? { verdict: 'ok', detail: 'each call stored its own values' }
      : { verdict: 'data-lost', detail: `stored first values ${records.map((r) => r.embedding![0]).join(', ')} for labels 1, 2, 3` };
  } finally {
    await target.close();
  }
}

export const REUSE_CASES: Case[] = [
  {
    name: 'MemoryStore.batchAdd with a reused buffer',
    group: 'buffer-reuse',
    expect: ['ok'],
    run: () => reuseOn(storeTarget(new MemoryStore())),
  },
  {
    name: 'LevelStore.batchAdd with a reused buffer',
    group: 'buffer-reuse',

    expect: ['ok'],
    run: (scratch) => reuseOn(storeTarget(new LevelStore({ path: path.join(scratch, 'level') }))),
  },
  {
    name: 'RedisStore.batchAdd with a reused buffer',
    group: 'buffer-reuse',
    expect: ['ok'],
    async run() {
      const server = await startRedis();
      try {
        return await reuseOn(storeTarget(new RedisStore({ url: server.url, prefix: 'reuse' })));
      } finally {
        await server.stop();
      }
    },
  },
  {
    name: 'Indexer.add with a reused buffer',
    group: 'buffer-reuse',

    expect: ['ok'],
    run: () => reuseOn(new Indexer(DIM, { distance: 'l2' })),
  },
  {
    name: 'Indexer.batchLookup with a query changed after the call',
    group: 'buffer-reuse',

    expect: ['ok'],
    async run() {
      const index = new Indexer(DIM, { distance: 'l2' });
      try {
        await index.batchAdd([new Float32Array(DIM).fill(1), new Float32Array(DIM).fill(9)], [1, 9]);
        const query = new Float32Array(DIM).fill(1);
        const pending = index.batchLookup([query], 1);
        query.fill(9);
        const [neighbours] = await pending;
        const label = neighbours?.[0]?.label;
        return label === 1
          ? { verdict: 'ok', detail: 'the lookup answered the query as it was at the call' }
          : { verdict: 'data-lost', detail: `the lookup answered the changed query (label ${String(label)})` };
      } finally {
        await index.close();
      }
    },
  },
];

/**
 * Buffer reuse: a caller fills one Float32Array, calls, refills it and calls
 * again without awaiting. Each call must see the values it was given.
 */
import * as path from 'node:path';
import { Indexer } from '@tfsim/indexer';
import { LevelStore, MemoryStore, RedisStore, type Store } from '@tfsim/stores';
import { startRedis } from '@tfsim/test-utils/redis';
import type { Case, Outcome } from './common';

const DIM = 4;

/** Three un-awaited batchAdds from one reused buffer; the store must hold the three distinct rows. */
async function reuseOn(store: Store): Promise<Outcome> {
  const buffer = new Float32Array(DIM);
  const calls: Array<Promise<number[]>> = [];
  for (let k = 1; k <= 3; k++) {
    buffer.fill(k);
    calls.push(store.batchAdd([buffer], [k]));
  }
  await Promise.all(calls);
  const records = await store.toRecords();
  const firsts = records.map((r) => r.embedding[0]);
  const right = records.length === 3 && records.every((r) => r.embedding.every((v) => v === r.label));
  return right
    ? { verdict: 'ok', detail: 'each call stored its own values' }
    : { verdict: 'data-lost', detail: `stored first values ${firsts.join(', ')} for labels 1, 2, 3` };
}

async function closing(store: Store, fn: (s: Store) => Promise<Outcome>): Promise<Outcome> {
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

export const REUSE_CASES: Case[] = [
  { name: 'MemoryStore.batchAdd with a reused buffer', group: 'buffer-reuse', expect: ['ok'], run: () => closing(new MemoryStore(), reuseOn) },
  {
    name: 'LevelStore.batchAdd with a reused buffer',
    group: 'buffer-reuse',
    pendingOn: 'oneway',
    expect: ['ok'],
    run: (scratch) => closing(new LevelStore({ path: path.join(scratch, 'level') }), reuseOn),
  },
  {
    name: 'RedisStore.batchAdd with a reused buffer',
    group: 'buffer-reuse',
    pendingOn: 'oneway',
    expect: ['ok'],
    async run() {
      const server = await startRedis();
      try {
        return await closing(new RedisStore({ url: server.url, prefix: 'reuse' }), reuseOn);
      } finally {
        await server.stop();
      }
    },
  },
  {
    name: 'Indexer.add with a reused buffer',
    group: 'buffer-reuse',
    pendingOn: 'oneway',
    expect: ['ok'],
    async run() {
      const index = new Indexer(DIM, { distance: 'l2' });
      try {
        const buffer = new Float32Array(DIM);
        const calls: Array<Promise<number>> = [];
        for (let k = 1; k <= 3; k++) {
          buffer.fill(k);
          calls.push(index.add(buffer, k));
        }
        await Promise.all(calls);
        const records = await index.toRecords();
        const right = records.length === 3 && records.every((r) => r.embedding!.every((v) => v === r.label));
        return right
          ? { verdict: 'ok', detail: 'each add stored its own values' }
          : { verdict: 'data-lost', detail: `stored ${records.map((r) => r.embedding![0]).join(', ')} for labels 1, 2, 3` };
      } finally {
        await index.close();
      }
    },
  },
  {
    name: 'Indexer.batchLookup with a query changed after the call',
    group: 'buffer-reuse',
    pendingOn: 'oneway',
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

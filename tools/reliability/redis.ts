/**
 * Redis outages and sizes: a server restart, a stalled server (SIGSTOP) under
 * a RedisStore and under an Indexer's queue of calls, and batches and loads
 * of 200k rows.
 */
import * as path from 'node:path';

import { Indexer } from '@tfsim/indexer';
import { MemoryStore, RedisStore } from '@tfsim/stores';
import { startRedis, type TestRedis } from '@tfsim/test-utils/redis';
import { UnavailableError } from '@tfsim/utils';

import { batchOf, type Case, type Outcome, rowOf } from './common';

const DIM = 4;
const BIG = 200_000;

async function withServer<T>(persistent: boolean, fn: (server: TestRedis) => Promise<T>): Promise<T> {
  const server = await startRedis({ persistent });
  try {
    return await fn(server);
  } finally {
    server.resume();
    await server.stop();
  }
}

function sameRow(actual: Float32Array, batch: number, i: number): boolean {
  const expected = rowOf(batch, i, DIM);
  return expected.every((v, j) => v === actual[j]);
}

export const REDIS_CASES: Case[] = [
  {
    name: 'RedisStore across a 1.5 s server restart',
    group: 'redis',
    expect: ['ok'],
    run: () =>
      withServer(true, async (server) => {
        const store = new RedisStore({ url: server.url, prefix: 'restart' });
        try {
          await store.batchAdd(batchOf(0, 100, DIM), new Array(100).fill(0));
          const restarted = server.restart(1500);
          await new Promise((r) => setTimeout(r, 200));
          const during = store.batchAdd(batchOf(1, 100, DIM), new Array(100).fill(1));
          await restarted;
          const ids = await during;
          await store.batchAdd(batchOf(2, 100, DIM), new Array(100).fill(2));
          const all = await store.toRecords();
          const whole = all.length === 300 && all.every((r, id) => sameRow(r.embedding, Math.floor(id / 100), id % 100));
          if (!whole || ids[0] !== 100) return { verdict: 'data-lost', detail: `${all.length} records after the restart` };
          return { verdict: 'ok', detail: 'a call made during the outage completed after it; 300 records whole' };
        } finally {
          await store.close();
        }
      }),
  },
  {
    name: 'RedisStore on a stalled server (SIGSTOP): batchAdd times out',
    group: 'redis',
    expect: ['clear-error'],
    run: () =>
      withServer(false, async (server) => {
        const store = new RedisStore({ url: server.url, prefix: 'stall', commandTimeout: 1000 });
        try {
          await store.add(rowOf(0, 0, DIM), 0);
          server.pause();
          let outcome: Outcome = { verdict: 'accepted', detail: 'batchAdd answered on a stalled server' };
          try {
            await store.batchAdd(batchOf(1, 10, DIM));
          } catch (err) {
            outcome = {
              verdict: err instanceof UnavailableError ? 'clear-error' : 'raw-error',
              detail: (err as Error).message,
            };
          }
          server.resume();
          const size = await store.size();
          if (size !== 1 && size !== 11) return { verdict: 'data-lost', detail: `size ${size} after the timed-out batch` };
          return outcome;
        } finally {
          await store.close();
        }
      }),
  },
  {
    name: 'Indexer on a stalled Redis: every queued call fails in time',
    group: 'redis',
    expect: ['clear-error'],
    run: () =>
      withServer(false, async (server) => {
        const index = new Indexer(DIM, { kvStore: new RedisStore({ url: server.url, prefix: 'stall-index', commandTimeout: 1000 }) });
        try {
          await index.batchAdd(batchOf(0, 20, DIM), new Array(20).fill(0));
          server.pause();
          const started = Date.now();
          const calls = await Promise.allSettled([
            index.batchAdd(batchOf(1, 5, DIM), new Array(5).fill(1)),
            index.batchLookup(batchOf(0, 2, DIM), 3),
            index.size(),
            index.add(rowOf(2, 0, DIM), 2),
          ]);
          server.resume();
          const seconds = (Date.now() - started) / 1000;
          const errors = calls.map((c) => (c.status === 'rejected' ? (c.reason as Error) : undefined));
          const unclear = errors.find((e) => e && !(e instanceof UnavailableError));
          if (unclear) return { verdict: 'raw-error', detail: `${unclear.name}: ${unclear.message}` };
          const failed = errors.filter(Boolean).length;
          return {
            verdict: failed > 0 ? 'clear-error' : 'accepted',
            detail: `${failed} of 4 queued calls failed with UnavailableError within ${seconds.toFixed(1)} s`,
          };
        } finally {
          server.resume();
          await index.close();
        }
      }),
  },
  {
    name: `RedisStore: ${BIG} rows in one batchAdd`,
    group: 'redis',
    expect: ['ok'],
    run: () =>
      withServer(false, async (server) => {
        const store = new RedisStore({ url: server.url, prefix: 'big' });
        try {
          const ids = await store.batchAdd(batchOf(0, BIG, DIM), new Array(BIG).fill(0));
          const sample = await store.batchGet([0, 4095, 4096, 123_457, BIG - 1]);
          const whole = ids.length === BIG && [0, 4095, 4096, 123_457, BIG - 1].every((i, j) => sameRow(sample.embeddings[j]!, 0, i));
          return whole ? { verdict: 'ok', detail: `${BIG} ids, rows checked` } : { verdict: 'data-lost', detail: 'rows differ' };
        } finally {
          await store.close();
        }
      }),
  },
  {
    name: `Indexer: a ${BIG}-item saved index loaded into Redis`,
    group: 'redis',
    expect: ['ok'],
    run: (scratch) =>
      withServer(false, async (server) => {
        const saved = path.join(scratch, 'big-index');
        const source = new Indexer(DIM, { kvStore: new MemoryStore() });
        await source.batchAdd(batchOf(0, BIG, DIM), new Array(BIG).fill(3));
        await source.save(saved);
        await source.close();
        const index = await Indexer.load(saved, { kvStore: new RedisStore({ url: server.url, prefix: 'big-load' }) });
        try {
          const size = await index.size();
          const [first] = await index.batchLookup([rowOf(0, 4242, DIM)], 1);
          if (size !== BIG || !first?.[0] || first[0].label !== 3) {
            return { verdict: 'data-lost', detail: `size ${size} after loading ${BIG} records` };
          }
          return { verdict: 'ok', detail: `${BIG} records in Redis, lookups answer` };
        } finally {
          await index.close();
        }
      }),
  },
];

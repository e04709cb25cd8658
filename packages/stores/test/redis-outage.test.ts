/**
 * RedisStore against a real redis-server that restarts, stalls (SIGSTOP) and
 * receives batches too large for one command: the connection policy and the
 * chunked, all-or-nothing writes.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { redisUnavailable, startRedis, type TestRedis } from '@tfsim/test-utils/redis';
import { Redis } from 'ioredis';

import { MemoryStore, RedisStore } from '../src';
import { encodeRecord } from '../src/codec';

const unavailable = redisUnavailable() ?? (process.env.TFSIM_REDIS_URL ? 'outages need a server of our own' : undefined);
const required = process.env.TFSIM_REQUIRE_REDIS === '1';

/** Row i of a batch: [i, -i, i / 7, base] (exact in float32 for the sizes used here). */
function rowsFrom(base: number, n: number, dim = 4): Float32Array {
  const out = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) out.set([i, -i, i / 7, base].slice(0, dim), i * dim);
  return out;
}

function asRows(flat: Float32Array, dim: number): Float32Array[] {
  return Array.from({ length: flat.length / dim }, (_, i) => flat.subarray(i * dim, (i + 1) * dim));
}

if (unavailable && !required) {
  console.warn(`RedisStore outage tests SKIPPED: ${unavailable}`);
  describe.skip('RedisStore outages (no Redis server)', () => {
    it('needs a Redis server', () => undefined);
  });
} else {
  let server: TestRedis;
  let counter = 0;
  const prefix = () => `outage:${process.pid}:${counter++}`;
  beforeAll(async () => {
    server = await startRedis({ persistent: true });
  }, 30_000);
  afterAll(async () => server?.stop());

  describe('RedisStore connection policy', () => {
    it('reconnects after a server restart: calls made during the outage wait for it, nothing acknowledged is lost', async () => {
      const store = new RedisStore({ url: server.url, prefix: prefix(), commandTimeout: 8000 });
      try {
        expect(await store.batchAdd(asRows(rowsFrom(1, 3), 4), [1, 1, 1])).toEqual([0, 1, 2]);
        const restarted = server.restart(1500);
        await new Promise((resolve) => setTimeout(resolve, 200));
        // Issued while the server is down: queued, sent after the reconnect.
        const during = store.batchAdd(asRows(rowsFrom(2, 2), 4), [2, 2]);
        await restarted;
        expect(await during).toEqual([3, 4]);
        expect(await store.add([9, 9, 9, 9], 3)).toBe(5);
        const all = await store.batchGet([0, 1, 2, 3, 4, 5]);
        expect(all.labels).toEqual([1, 1, 1, 2, 2, 3]);
        expect(Array.from(all.embeddings[4]!)).toEqual([1, -1, 1 / 7, 2].map(Math.fround));
      } finally {
        await store.close();
      }
    }, 30_000);

    it('fails a call with a clear error when the server stays down past commandTimeout, and recovers after', async () => {
      const store = new RedisStore({ url: server.url, prefix: prefix(), commandTimeout: 600 });
      try {
        await store.add([1, 2], 0);
        const restarted = server.restart(2000);
        await new Promise((resolve) => setTimeout(resolve, 200));
        await expect(store.size()).rejects.toThrow(/no reply within 600 ms \(server stalled or unreachable\)/);
        await restarted;
        await new Promise((resolve) => setTimeout(resolve, 1200));
        expect(await store.size()).toBe(1);
      } finally {
        await store.close();
      }
    }, 30_000);

    it('times out on a stalled server (SIGSTOP): batchAdd and queued calls fail, a timed-out batch is all or nothing', async () => {
      const store = new RedisStore({ url: server.url, prefix: prefix(), commandTimeout: 500 });
      try {
        await store.batchAdd(asRows(rowsFrom(1, 5), 4));
        server.pause();
        const started = Date.now();
        const calls = [store.batchAdd(asRows(rowsFrom(2, 3), 4), [7, 7, 7]), store.size(), store.get(0)];
        const results = await Promise.allSettled(calls);
        server.resume();
        expect(Date.now() - started).toBeLessThan(5000);
        for (const r of results) {
          expect(r.status).toBe('rejected');
          expect((r as PromiseRejectedResult).reason).toMatchObject({ name: 'UnavailableError' });
        }
        expect((results[0] as PromiseRejectedResult).reason.message).toMatch(/applied completely or not at all/);
        // After SIGCONT the server runs what it had received: the batch lands whole or not at all.
        const size = await store.size();
        expect([5, 8]).toContain(size);
        if (size === 8) expect((await store.batchGet([5, 6, 7])).labels).toEqual([7, 7, 7]);
        expect(await store.add([0, 0, 0, 0])).toBe(size);
      } finally {
        server.resume();
        await store.close();
      }
    }, 30_000);

    it('fails the first connection to a stalled server within commandTimeout', async () => {
      server.pause();
      const store = new RedisStore({ url: server.url, prefix: prefix(), commandTimeout: 400 });
      try {
        await expect(store.size()).rejects.toThrow(/cannot reach the Redis server .*no answer within 400 ms/);
        server.resume();
        expect(await store.size()).toBe(0);
      } finally {
        server.resume();
        await store.close();
      }
    }, 30_000);
  });

  describe('RedisStore re-sent commits', () => {
    it('applies a commit re-sent with the same batch token once (inline and staged)', async () => {
      const store = new RedisStore({ url: server.url, prefix: prefix() });
      // White box: what ioredis re-sends after a reconnect is the same script with the same token.
      const commit = (
        store as unknown as { commit(mode: string, dim: string, records: Buffer[], token: string): Promise<number> }
      ).commit.bind(store);
      const record = (v: number) => Buffer.from(encodeRecord(Float32Array.of(v), null, 'null'));
      try {
        expect(await commit('add', '1', [record(1), record(2)], 'token-a')).toBe(0);
        expect(await commit('add', '1', [record(1), record(2)], 'token-a')).toBe(0);
        expect(await store.size()).toBe(2);
        const staged = Array.from({ length: 5000 }, (_, i) => record(i));
        expect(await commit('add', '1', staged, 'token-b')).toBe(2);
        expect(await commit('add', '1', staged, 'token-b')).toBe(2);
        expect(await store.size()).toBe(5002);
        expect(Array.from((await store.get(5001)).embedding)).toEqual([4999]);
      } finally {
        await store.close();
      }
    }, 30_000);
  });

  describe('RedisStore batches of any size', () => {
    // Five chunks: enough to prove the staging; the reliability suite (tools) runs 200k.
    const N = 20_000;
    // No append-only file here: fsync per script would make these slow and prove nothing more.
    let server: TestRedis;
    beforeAll(async () => {
      server = await startRedis();
    }, 30_000);
    afterAll(async () => server?.stop());

    it(`adds ${N} rows in one batch atomically, with consecutive ids, and leaves no staged keys`, async () => {
      const p = prefix();
      const store = new RedisStore({ url: server.url, prefix: p });
      const raw = new Redis(server.url);
      try {
        await store.add([5, 5, 5, 5], 1);
        const labels = Array.from({ length: N }, (_, i) => i % 10);
        const ids = await store.batchAdd(asRows(rowsFrom(0, N), 4), labels);
        expect(ids.length).toBe(N);
        expect(ids[0]).toBe(1);
        expect(ids[N - 1]).toBe(N);
        expect(await store.size()).toBe(N + 1);
        const picked = [1, 2, 4096, 4097, 4098, 15_001, N];
        const got = await store.batchGet(picked);
        picked.forEach((id, j) => {
          expect(got.labels[j]).toBe((id - 1) % 10);
          expect(Array.from(got.embeddings[j]!)).toEqual([id - 1, -(id - 1), (id - 1) / 7, 0].map(Math.fround));
        });
        expect(await raw.keys(`${p}:stage:*`)).toEqual([]);
      } finally {
        raw.disconnect();
        await store.close();
      }
    }, 60_000);

    it('rejects a staged batch of another dimension whole and removes its staged keys', async () => {
      const p = prefix();
      const store = new RedisStore({ url: server.url, prefix: p });
      const raw = new Redis(server.url);
      try {
        await store.add([1, 2, 3], 0);
        const flat = rowsFrom(0, 10_000, 4);
        await expect(store.batchAdd(asRows(flat, 4))).rejects.toThrow(/embeddings have dimension 4, expected 3/);
        expect(await store.size()).toBe(1);
        expect(await raw.keys(`${p}:stage:*`)).toEqual([]);
        expect(await raw.exists(`${p}:r:1`)).toBe(0);
      } finally {
        raw.disconnect();
        await store.close();
      }
    }, 60_000);

    it(`loads a ${N}-record saved store into Redis, replacing what was there`, async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tfsim-redis-load-'));
      const store = new RedisStore({ url: server.url, prefix: prefix() });
      try {
        const memory = new MemoryStore();
        await memory.batchAdd(
          asRows(rowsFrom(3, N), 4),
          Array.from({ length: N }, (_, i) => i % 3),
        );
        await memory.save(path.join(dir, 'saved'));
        await store.batchAdd(asRows(rowsFrom(9, 5, 2), 2));
        expect(await store.load(path.join(dir, 'saved'))).toBe(N);
        expect(await store.size()).toBe(N);
        const got = await store.batchGet([0, 12_345, N - 1]);
        expect(got.labels).toEqual([0, 12_345 % 3, (N - 1) % 3]);
        expect(Array.from(got.embeddings[2]!)).toEqual([N - 1, -(N - 1), (N - 1) / 7, 3].map(Math.fround));
        // A new batch must match the loaded dimension (4), not the replaced one (2).
        expect(await store.add([0, 0, 0, 0])).toBe(N);
      } finally {
        await store.close();
        fs.rmSync(dir, { recursive: true, force: true });
      }
    }, 60_000);
  });
}

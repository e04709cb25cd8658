import { redisUnavailable, startRedis, type TestRedis } from '@tfsim/test-utils/redis';

import { RedisStore } from '../src';
import { testStore } from '../src/conformance';

const unavailable = redisUnavailable();
const required = process.env.TFSIM_REQUIRE_REDIS === '1';

if (unavailable && !required) {
  console.warn(`RedisStore tests SKIPPED: ${unavailable}`);
  describe.skip('RedisStore (no Redis server)', () => {
    it('needs a Redis server', () => undefined);
  });
} else {
  let server: TestRedis;
  let counter = 0;
  beforeAll(async () => {
    if (unavailable) throw new Error(`TFSIM_REQUIRE_REDIS=1 but no Redis server can be started: ${unavailable}`);
    server = await startRedis();
  }, 30_000);
  afterAll(async () => server?.stop());

  testStore(
    { describe, it },
    {
      name: 'RedisStore',
      create: async () => new RedisStore({ url: server.url, prefix: `test:${process.pid}:${counter++}` }),
      reopen: async (store) => {
        await store.close();
        return new RedisStore({ url: server.url, prefix: (store as RedisStore).prefix });
      },
    },
  );

  describe('RedisStore', () => {
    it('gives concurrent clients on one prefix distinct ids', async () => {
      const prefix = `test:${process.pid}:shared`;
      const a = new RedisStore({ url: server.url, prefix });
      const b = new RedisStore({ url: server.url, prefix });
      try {
        const ids = await Promise.all([
          a.batchAdd(
            [
              [1, 1],
              [1, 2],
            ],
            [1, 1],
          ),
          b.batchAdd(
            [
              [2, 1],
              [2, 2],
              [2, 3],
            ],
            [2, 2, 2],
          ),
          a.add([1, 3], 1),
        ]);
        expect(ids.flat().sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5]);
        const all = await b.batchGet([0, 1, 2, 3, 4, 5]);
        for (const [i, id] of ids.flat().entries()) {
          expect(all.labels[id]).toBe([1, 1, 2, 2, 2, 1][i]);
        }
        await expect(b.add([1, 2, 3])).rejects.toThrow(/dimension 3, expected 2/);
      } finally {
        await a.close();
        await b.close();
      }
    });

    it('reports an unreachable server as an error, not a hang', async () => {
      const store = new RedisStore({ host: '127.0.0.1', port: 1 });
      await expect(store.size()).rejects.toThrow(/cannot reach the Redis server \(127\.0\.0\.1:1\/0\)/);
      await store.close();
    });

    it('reports its settings', async () => {
      const store = new RedisStore({ url: server.url, name: 'train' });
      expect(store.getConfig()).toEqual({ type: 'redis', name: 'train', prefix: 'tfsim:train', url: server.url });
      await store.close();
    });
  });
}

describe('RedisStore options', () => {
  it('rejects an unknown key with a suggestion, before connecting', () => {
    expect(() => new RedisStore({ hots: 'localhost' } as never)).toThrow("unknown option 'hots' for RedisStore; did you mean 'host'?");
  });
});

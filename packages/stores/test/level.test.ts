import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { tempDir } from '@tfsim/test-utils';

import { LevelStore } from '../src';
import { testStore } from '../src/conformance';

const root = tempDir('tfsim-level-');
let counter = 0;
const freshPath = () => path.join(root, `db-${counter++}`);

testStore(
  { describe, it },
  {
    name: 'LevelStore',
    create: async () => new LevelStore({ path: freshPath() }),
    reopen: async (store) => {
      await store.close();
      return new LevelStore({ path: (store as LevelStore).path });
    },
  },
);

describe('LevelStore', () => {
  it('refuses a LevelDB folder that is not a tfsim store', async () => {
    const { Level } = await import('level');
    const dbPath = freshPath();
    const db = new Level(dbPath);
    await db.put('someone', 'else');
    await db.close();
    const store = new LevelStore({ path: dbPath });
    await expect(store.size()).rejects.toThrow(/not a tfsim store/);
    await store.close();
  });

  it('needs a path and reports its settings', async () => {
    expect(() => new LevelStore({ path: '' })).toThrow(/path/);
    const store = new LevelStore({ path: freshPath(), sync: false, name: 'train' });
    expect(store.getConfig()).toEqual({ type: 'level', name: 'train', path: store.path, sync: false });
    await store.close();
  });

  // A child process writes batches and reports each acknowledged one; it is
  // killed with SIGKILL in the middle of writing, and the store must reopen
  // with every acknowledged batch whole and no partial batch.
  it('keeps every acknowledged batch whole, and no partial one, after SIGKILL mid-write', async () => {
    const dbPath = freshPath();
    const batchSize = 64;
    const dim = 16;
    // tsx's require hook runs the TypeScript writer in this very process (its CLI would add a grandchild).
    const tsx = require.resolve('tsx/cjs', { paths: [path.join(__dirname, '..', '..', '..')] });
    const child = spawn(
      process.execPath,
      [
        '--require',
        tsx,
        '--conditions=@tfsim/source',
        path.join(__dirname, 'fixtures', 'level-writer.ts'),
        dbPath,
        String(batchSize),
        String(dim),
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let acknowledged = -1;
    let buffered = '';
    const killed = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    await new Promise<void>((resolve, reject) => {
      child.on('error', reject);
      child.stdout!.on('data', (chunk: Buffer) => {
        buffered += chunk.toString();
        const lines = buffered.split('\n');
        buffered = lines.pop()!;
        for (const line of lines) {
          const m = /^ack (\d+)$/.exec(line);
          if (m) acknowledged = Math.max(acknowledged, Number(m[1]));
        }
        // Kill while it keeps writing: it starts the next batch as soon as one is acknowledged.
        if (acknowledged >= 40 && !child.killed) {
          child.kill('SIGKILL');
          resolve();
        }
      });
      setTimeout(() => reject(new Error('the writer did not acknowledge 40 batches in time')), 60_000);
    });
    expect(await killed).toBe('SIGKILL');
    expect(acknowledged).toBeGreaterThanOrEqual(40);

    const store = new LevelStore({ path: dbPath });
    try {
      const size = await store.size();
      expect(size % batchSize).toBe(0);
      const batches = size / batchSize;
      expect(batches).toBeGreaterThanOrEqual(acknowledged + 1);
      // At most the batch in flight (committed, not yet reported) beyond the acknowledged ones.
      expect(batches).toBeLessThanOrEqual(acknowledged + 2);
      const all = await store.batchGet(Array.from({ length: size }, (_, i) => i));
      for (let id = 0; id < size; id++) {
        const b = Math.floor(id / batchSize);
        const r = id % batchSize;
        expect(all.labels[id]).toBe(b);
        expect(all.data[id]).toEqual({ batch: b, row: r });
        expect(Array.from(all.embeddings[id]!)).toEqual(Array.from({ length: dim }, (_, j) => b * 1000 + r + j / 16));
      }
      // The store goes on working after the crash.
      expect(await store.add(new Float32Array(dim), 7)).toBe(size);
    } finally {
      await store.close();
    }
    expect(fs.existsSync(dbPath)).toBe(true);
  });
});

describe('LevelStore options', () => {
  it('rejects an unknown key with a suggestion, before opening anything', () => {
    expect(() => new LevelStore({ path: '/nonexistent/never-created', shard_size: 10 } as never)).toThrow(
      "unknown option 'shard_size' for LevelStore; known options: path, name, sync",
    );
    expect(() => new LevelStore({ path: '/nonexistent/never-created', snyc: true } as never)).toThrow("did you mean 'sync'?");
  });
});

/**
 * The hostile-file corpus: a valid saved index, altered the way a careless
 * or hostile hand would (links out of the folder, devices, FIFOs, a huge
 * faiss header, tampered manifests, '..' paths), then loaded and used. Each
 * must be refused with our error before anything outside the folder is read
 * or written, in bounded time and memory.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { Indexer } from '@tfsim/indexer';
import { LevelStore } from '@tfsim/stores';

import { type Case, editJson, type Outcome, outcomeOf, rowOf, savedIndex } from './common';

const DIM = 4;

/**
 * Loads `dir`, then uses it (size, a lookup, a match). A hostile folder must
 * be refused by the load itself: one that loads was trusted, even when a
 * later call happens to fail.
 */
async function loadAndUse(dir: string): Promise<Outcome> {
  return outcomeOf(
    () => Indexer.load(dir),
    async (index) => {
      try {
        await index.size();
        await index.batchLookup([rowOf(0, 1, DIM)], 3);
        await index.match([rowOf(0, 1, DIM)]);
        return { verdict: 'accepted', detail: 'loaded and answered as if the folder were valid' };
      } catch (err) {
        const e = err as Error;
        return { verdict: 'accepted', detail: `loaded; failed only when used: ${e.name}: ${e.message.slice(0, 160)}` };
      } finally {
        await index.close().catch(() => undefined);
      }
    },
  );
}

interface Tamper {
  name: string;
  pendingOn?: 'oneway' | 'search';
  search?: 'linear' | 'faiss';
  /** Alters the saved index in `dir`; `outside` is a folder beside it that nothing may touch. */
  alter(dir: string, outside: string): void;
  /** An extra check after the load (side effects outside the folder, leaked contents). */
  after?(outcome: Outcome, outside: string): Outcome;
  /** Where a harmless load is as good as a refusal (its `after` proves it harmless). Default: a clear error. */
  harmlessLoadOk?: boolean;
}

const link = (target: string, file: string) => {
  fs.rmSync(file, { recursive: true, force: true });
  fs.symlinkSync(target, file);
};

const manifest = (dir: string) => path.join(dir, 'manifest.json');

const TAMPERS: Tamper[] = [
  { name: 'store/data.json is a symlink to /dev/zero', alter: (d) => link('/dev/zero', path.join(d, 'store', 'data.json')) },
  {
    name: 'store/data.json is a FIFO',

    alter: (d) => {
      fs.rmSync(path.join(d, 'store', 'data.json'));
      spawnSync('mkfifo', [path.join(d, 'store', 'data.json')]);
    },
  },
  {
    name: 'store/ is a symlink to a store outside the folder',

    alter: (d, outside) => {
      fs.cpSync(path.join(d, 'store'), path.join(outside, 'store'), { recursive: true });
      link(path.join(outside, 'store'), path.join(d, 'store'));
    },
  },
  {
    name: 'store/embeddings.f32 is a symlink to a file outside',

    alter: (d, outside) => {
      fs.copyFileSync(path.join(d, 'store', 'embeddings.f32'), path.join(outside, 'e.f32'));
      link(path.join(outside, 'e.f32'), path.join(d, 'store', 'embeddings.f32'));
    },
  },
  {
    name: 'manifest.json is a symlink to /etc/passwd (and no line of it may be printed)',

    alter: (d) => link('/etc/passwd', manifest(d)),
    after: (o) => (/root:/.test(o.detail) ? { verdict: 'accepted', detail: `the error quotes /etc/passwd: ${o.detail}` } : o),
  },
  {
    name: "an array file named '../../x' in the manifest",
    alter: (d) =>
      editJson(manifest(d), (m) => {
        (m.stats as { timings: { file: string } }).timings.file = '../../x';
      }),
  },
  {
    name: 'kvStoreConfig points a LevelDB outside the folder',

    alter: (d, outside) => editJson(manifest(d), (m) => (m.kvStoreConfig = { type: 'level', name: 'x', path: path.join(outside, 'db') })),
    harmlessLoadOk: true,
    // Load puts the records in a store of its own (never the one a manifest names), so the
    // tampered path is harmless as long as nothing appears there.
    after: (o, outside) =>
      fs.existsSync(path.join(outside, 'db'))
        ? { verdict: 'accepted', detail: `created ${path.join(outside, 'db')}; ${o.detail}` }
        : o.verdict === 'accepted' && o.detail.startsWith('loaded and answered')
          ? { verdict: 'ok', detail: 'the path was not used: loaded into a store of its own, nothing created outside the folder' }
          : o,
  },
  {
    name: 'a cutpoint named "__proto__" beside the real one',

    alter: (d) =>
      editJson(manifest(d), (m) => {
        const cutpoints = m.cutpoints as Record<string, unknown>;
        // Written as text: JSON.parse makes "__proto__" an own key, as a crafted file would.
        m.cutpoints = JSON.parse(`{"__proto__":${JSON.stringify(cutpoints.optimal)},${JSON.stringify(cutpoints).slice(1)}`);
      }),
    harmlessLoadOk: true,
    // Cutpoints are a null-prototype map: "__proto__" is one more name, nothing inherits from it.
    after: (o) =>
      o.verdict === 'accepted' &&
      o.detail.startsWith('loaded and answered') &&
      (Object.prototype as Record<string, unknown>).distance === undefined
        ? {
            verdict: 'ok',
            detail: 'an ordinary cutpoint name (null-prototype map); Object.prototype untouched, match answered with "optimal"',
          }
        : o,
  },
  {
    name: 'stats.numLookups is "lots"',
    alter: (d) => editJson(manifest(d), (m) => ((m.stats as Record<string, unknown>).numLookups = 'lots')),
  },
  {
    name: 'a cutpoint distance of "abc"',

    alter: (d) =>
      editJson(manifest(d), (m) => {
        for (const cp of Object.values(m.cutpoints as Record<string, Record<string, unknown>>)) cp.distance = 'abc';
      }),
  },
  { name: 'statBufferSize of 1e10', alter: (d) => editJson(manifest(d), (m) => (m.statBufferSize = 1e10)) },
  { name: 'no calibrationMetricConfig', alter: (d) => editJson(manifest(d), (m) => delete m.calibrationMetricConfig) },
  {
    name: 'a manifest nested 20,000 deep',

    alter: (d) => {
      const text = fs.readFileSync(manifest(d), 'utf8');
      fs.writeFileSync(manifest(d), text.replace(/\}\s*$/, `, "extra": ${'['.repeat(20_000)}${']'.repeat(20_000)} }`));
    },
  },
  { name: 'search ids all 0', alter: (d) => fs.writeFileSync(path.join(d, 'search', 'ids.i32'), new Uint8Array(40 * 4)) },
  {
    name: 'search ids past the store',

    alter: (d) =>
      fs.writeFileSync(path.join(d, 'search', 'ids.i32'), new Uint8Array(Int32Array.from({ length: 40 }, (_, i) => 1000 + i).buffer)),
  },
  {
    name: 'a truncated store/embeddings.f32',
    alter: (d) => fs.truncateSync(path.join(d, 'store', 'embeddings.f32'), 10),
  },
  {
    name: 'index.faiss whose codes vector claims 2^30 entries',

    search: 'faiss',
    alter: (d) => {
      const file = path.join(d, 'search', 'index.faiss');
      const bytes = fs.readFileSync(file);
      // IndexFlat: fourcc, d (int32), ntotal, two dummies (int64), is_trained (1), metric (int32), then the codes size.
      bytes.writeBigUInt64LE(1n << 30n, 37);
      fs.writeFileSync(file, bytes);
    },
  },
];

function hostileCase(t: Tamper): Case {
  return {
    name: `hostile file: ${t.name}`,
    group: 'hostile-file',
    ...(t.pendingOn ? { pendingOn: t.pendingOn } : {}),
    expect: t.harmlessLoadOk ? ['ok', 'clear-error'] : ['clear-error'],
    async run(scratch) {
      const dir = path.join(scratch, 'index');
      const outside = path.join(scratch, 'outside');
      fs.mkdirSync(outside);
      await savedIndex(dir, t.search ?? 'linear');
      t.alter(dir, outside);
      const outcome = await loadAndUse(dir);
      return t.after ? t.after(outcome, outside) : outcome;
    },
  };
}

/** Issue 18 item 1: a load must not overwrite the store that its saved config names. */
const LOAD_OVER_STORE: Case = {
  name: 'loading an index does not overwrite the LevelDB its manifest names',
  group: 'hostile-file',

  expect: ['ok', 'clear-error'],
  async run(scratch) {
    const db = path.join(scratch, 'db');
    const saved = path.join(scratch, 'saved');
    const index = new Indexer(DIM, { kvStore: new LevelStore({ path: db }) });
    await index.batchAdd(
      Array.from({ length: 20 }, (_, i) => rowOf(0, i, DIM)),
      new Array(20).fill(0),
    );
    await index.save(saved);
    await index.batchAdd(
      Array.from({ length: 10 }, (_, i) => rowOf(1, i, DIM)),
      new Array(10).fill(1),
    );
    await index.close();
    const outcome = await outcomeOf(
      async () => (await Indexer.load(saved)).close(),
      () => ({ verdict: 'ok' as const, detail: 'loaded' }),
    );
    const store = new LevelStore({ path: db });
    const size = await store.size();
    await store.close();
    if (size !== 30) return { verdict: 'data-lost', detail: `the LevelDB went from 30 records to ${size}` };
    return { ...outcome, detail: `${outcome.detail}; the LevelDB kept its 30 records` };
  },
};

export const HOSTILE_CASES: Case[] = [...TAMPERS.map(hostileCase), LOAD_OVER_STORE];

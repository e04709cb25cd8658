/**
 * SIGKILL trials: a writer process is killed while it saves an index or adds
 * batches to a LevelStore / RedisStore; what it acknowledged before dying
 * must all be there, and nothing may be there in part.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import { Indexer } from '@tfsim/indexer';
import { LevelStore, RedisStore, type Store } from '@tfsim/stores';
import { startRedis } from '@tfsim/test-utils/redis';
import { type SaveStep, setSaveStepHook } from '@tfsim/utils';

import { batchOf, type Case, type Outcome, rowOf } from './common';
import { exited, onLines, spawnChild } from './spawn';

const DIM = 4;
const LEVEL_BATCH = 50;
/** Larger than one Redis write chunk (4096): the staged path is what a kill interrupts. */
const REDIS_BATCH = 6000;

// ---- the writers (run in the killed process) ----

/** An index of 10 * version records labelled `version`. */
async function indexOfVersion(version: number): Promise<Indexer> {
  const index = new Indexer(DIM, { kvStore: 'memory' });
  const rows = batchOf(version, 10 * version, DIM);
  await index.batchAdd(
    rows,
    rows.map(() => version),
  );
  return index;
}

/** Saves versions 1, 2, ... of an index to `dir` forever, printing `acked v` after each. */
async function saveForever(dir: string): Promise<void> {
  for (let version = 1; ; version++) {
    const index = await indexOfVersion(version);
    await index.save(dir);
    process.stdout.write(`acked ${version}\n`);
  }
}

/** Saves version 2 of an index to `dir`, SIGKILLing itself at `step` of the save. */
async function saveKilledAt(dir: string, step: SaveStep): Promise<void> {
  setSaveStepHook((at, target) => {
    if (at === step && target === path.resolve(dir)) process.kill(process.pid, 'SIGKILL');
  });
  const index = await indexOfVersion(2);
  await index.save(dir);
  process.stdout.write('acked 2\n');
}

/** Adds batches 0, 1, ... of `rows` rows (label = batch) forever, printing `acked b` after each. */
async function addForever(store: Store, rows: number): Promise<void> {
  for (let batch = 0; ; batch++) {
    await store.batchAdd(
      batchOf(batch, rows, DIM),
      Array.from({ length: rows }, () => batch),
    );
    process.stdout.write(`acked ${batch}\n`);
  }
}

export const WORKERS: Record<string, (args: string[]) => Promise<void>> = {
  'save-forever': ([dir]) => saveForever(dir!),
  'save-killed-at': ([dir, step]) => saveKilledAt(dir!, step as SaveStep),
  'level-forever': ([dir]) => addForever(new LevelStore({ path: dir! }), LEVEL_BATCH),
  'redis-forever': ([url, prefix]) => addForever(new RedisStore({ url: url!, prefix: prefix! }), REDIS_BATCH),
};

// ---- the trials (run in the case process) ----

/**
 * Runs a worker and kills it `delayMs` after its first acknowledgement (so
 * the kill lands among writes, whatever the machine's speed); returns the
 * last acknowledged number. Workers that kill themselves print nothing.
 */
async function killedWorker(args: string[], delayMs: number): Promise<{ lastAcked: number; killed: boolean }> {
  const child = spawnChild('worker', ...args);
  let lastAcked = -1;
  let timer: NodeJS.Timeout | undefined;
  onLines(child, (line) => {
    const acked = /^acked (\d+)$/.exec(line);
    if (!acked) return;
    lastAcked = Number(acked[1]);
    timer ??= setTimeout(() => child.kill('SIGKILL'), delayMs);
  });
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  await exited(child);
  clearTimeout(timer);
  if (child.signalCode !== 'SIGKILL') throw new Error(`worker ${args[0]} ended without being killed: ${stderr.slice(0, 300)}`);
  return { lastAcked, killed: true };
}

/** Checks a store written by addForever: every acknowledged batch whole, no batch in part, ids consecutive. */
async function checkBatches(store: Store, lastAcked: number, rowsPerBatch: number): Promise<Outcome> {
  const records = await store.toRecords();
  const counts = new Map<number, number>();
  for (const [id, r] of records.entries()) {
    const batch = r.label ?? -1;
    const i = counts.get(batch) ?? 0;
    const expected = rowOf(batch, i, DIM);
    if (r.id !== id || !expected.every((v, j) => v === r.embedding[j])) {
      return { verdict: 'data-lost', detail: `record ${id} is not row ${i} of batch ${batch}` };
    }
    counts.set(batch, i + 1);
  }
  for (const [batch, n] of counts) {
    if (n !== rowsPerBatch) return { verdict: 'data-lost', detail: `batch ${batch} holds ${n} of ${rowsPerBatch} rows` };
  }
  for (let b = 0; b <= lastAcked; b++) {
    if (!counts.has(b)) return { verdict: 'data-lost', detail: `acknowledged batch ${b} is missing` };
  }
  return { verdict: 'ok', detail: `${counts.size} whole batches (${lastAcked + 1} acknowledged)` };
}

const STEPS: SaveStep[] = ['started', 'written', 'synced', 'ready', 'moved-old', 'installed', 'done'];

function saveStepCase(step: SaveStep): Case {
  return {
    name: `save killed at step "${step}"`,
    group: 'sigkill',
    expect: ['ok'],
    async run(scratch) {
      const dir = path.join(scratch, 'index');
      await (await indexOfVersion(1)).save(dir);
      await killedWorker(['save-killed-at', dir, step], 0);
      const index = await Indexer.load(dir);
      const size = await index.size();
      const labels = new Set((await index.toRecords()).map((r) => r.label));
      await index.close();
      if ((size !== 10 && size !== 20) || labels.size !== 1 || [...labels][0] !== size / 10) {
        return { verdict: 'data-lost', detail: `loaded ${size} records with labels ${[...labels].join(',')}` };
      }
      await (await indexOfVersion(3)).save(dir);
      const left = fs.readdirSync(scratch).filter((f) => f !== 'index');
      if (left.length > 0) return { verdict: 'data-lost', detail: `leftovers after the next save: ${left.join(', ')}` };
      return { verdict: 'ok', detail: `load found version ${size / 10} whole; next save left nothing behind` };
    },
  };
}

function saveLoopCase(trial: number): Case {
  return {
    name: `save loop killed at a random time (trial ${trial})`,
    group: 'sigkill',
    expect: ['ok'],
    async run(scratch) {
      const dir = path.join(scratch, 'index');
      const { lastAcked } = await killedWorker(['save-forever', dir], 150 + ((trial * 337) % 900));
      if (lastAcked < 1 && !fs.readdirSync(scratch).some((f) => f.startsWith('index'))) {
        return { verdict: 'ok', detail: 'killed before its first save began' };
      }
      let index: Indexer;
      try {
        index = await Indexer.load(dir);
      } catch (err) {
        if (lastAcked < 1) return { verdict: 'ok', detail: 'killed during the first save: nothing was acknowledged' };
        return { verdict: 'data-lost', detail: `acknowledged version ${lastAcked}, load fails: ${(err as Error).message}` };
      }
      const size = await index.size();
      await index.close();
      const version = size / 10;
      if (!Number.isInteger(version) || version < lastAcked || version > lastAcked + 1) {
        return { verdict: 'data-lost', detail: `acknowledged version ${lastAcked}, loaded ${size} records` };
      }
      return { verdict: 'ok', detail: `acknowledged ${lastAcked}, loaded version ${version}` };
    },
  };
}

function levelCase(trial: number): Case {
  return {
    name: `LevelStore batchAdd loop killed (trial ${trial})`,
    group: 'sigkill',
    expect: ['ok'],
    async run(scratch) {
      const dir = path.join(scratch, 'level');
      const { lastAcked } = await killedWorker(['level-forever', dir], 100 + ((trial * 211) % 700));
      const store = new LevelStore({ path: dir });
      try {
        return await checkBatches(store, lastAcked, LEVEL_BATCH);
      } finally {
        await store.close();
      }
    },
  };
}

function redisCase(trial: number): Case {
  return {
    name: `RedisStore batchAdd loop (${REDIS_BATCH}-row staged batches) killed (trial ${trial})`,
    group: 'sigkill',
    expect: ['ok'],
    async run() {
      const server = await startRedis();
      const prefix = `kill:${trial}`;
      try {
        const { lastAcked } = await killedWorker(['redis-forever', server.url, prefix], 100 + ((trial * 173) % 900));
        const store = new RedisStore({ url: server.url, prefix });
        try {
          return await checkBatches(store, lastAcked, REDIS_BATCH);
        } finally {
          await store.close();
        }
      } finally {
        await server.stop();
      }
    },
  };
}

export const SIGKILL_CASES: Case[] = [
  ...STEPS.map(saveStepCase),
  ...[1, 2, 3, 4, 5].map(saveLoopCase),
  ...[1, 2, 3, 4].map(levelCase),
  ...[1, 2, 3, 4].map(redisCase),
];

import { checkOptions, FormatError, type IndexedItem, type Label, type MatrixLike, type OptionKeys } from '@tfsim/utils/core';
import type { Level } from 'level';

import { dataJsonOf, decodeRecord, encodeRecord } from './codec';
import { readStore, writeStore } from './format';
import { importOptional } from './optional';
import type { PreparedBatch } from './records';
import {
  checkBatchDim,
  checkDistinctIds,
  checkId,
  checkIds,
  liveIds,
  prepareBatch,
  prepareOne,
  prepareUpdate,
  recordCount,
} from './records';
import type { BatchData, BatchLabels, Store, StoreConfig, StoredRecord, StoredRecords } from './store';

export interface LevelStoreOptions {
  /** Folder of the LevelDB database (created when missing). */
  path: string;
  name?: string;
  /**
   * Flush every write to disk before acknowledging it (default true), so that
   * acknowledged writes survive an operating-system crash or power loss, not
   * only a crash of the process. False is faster for many small writes.
   */
  sync?: boolean;
}

const META_KEY = 'meta';
const META_FORMAT = 'tfsim.store.level';
const META_VERSION = 1;
const RECORD_PREFIX = 'r:';
/** A removed id: its record is deleted and this key marks it, so that the id is never given again. */
const REMOVED_PREFIX = 'd:';
const READ_CHUNK = 4096;

interface Meta {
  format: string;
  version: number;
  size: number;
  dim: number | null;
}

const recordKey = (id: number) => `${RECORD_PREFIX}${id}`;
const removedKey = (id: number) => `${REMOVED_PREFIX}${id}`;
const EMPTY = new Uint8Array(0);

type Op = { type: 'put'; key: string; value: Uint8Array } | { type: 'del'; key: string };

/**
 * A store persisted in LevelDB (the `level` package). Each batchAdd is one
 * LevelDB write batch holding the records and the new size, so after a crash
 * the store reopens with every acknowledged batch whole and no partial one.
 * The size kept in the database is authoritative: records past it (left by a
 * reset or load interrupted before its cleanup) are invisible.
 *
 * Writes are applied one at a time in call order; ids are 0, 1, 2, ... in
 * that order. A remove deletes the records and marks their ids (`d:<id>`)
 * in the same write batch; the size kept is the next id, and the marks say
 * which ids below it are gone.
 */
export class LevelStore implements Store {
  static readonly optionKeys: OptionKeys<LevelStoreOptions> = { path: true, name: true, sync: true };
  readonly name: string;
  readonly path: string;
  private readonly sync: boolean;
  private db: Level<string, Uint8Array> | undefined;
  private opening: Promise<Level<string, Uint8Array>> | undefined;
  /** The next id (records and removed ids below it). */
  private count = 0;
  private removed = new Set<number>();
  private dim: number | undefined;
  /** Tail of the write queue. */
  private writes: Promise<unknown> = Promise.resolve();

  constructor(options: LevelStoreOptions) {
    checkOptions(options, new.target.optionKeys, new.target.name);
    if (!options || typeof options.path !== 'string' || options.path === '') {
      throw new FormatError('LevelStore needs a `path` for its database folder');
    }
    this.path = options.path;
    this.name = options.name ?? 'level';
    this.sync = options.sync ?? true;
  }

  /** Opens the database (done by every method on first use) and reads the size. */
  async open(): Promise<void> {
    await this.handle();
  }

  private handle(): Promise<Level<string, Uint8Array>> {
    if (this.db) return Promise.resolve(this.db);
    this.opening ??= (async () => {
      const { Level } = await importOptional('level', 'LevelStore', () => import('level'));
      const db = new Level<string, Uint8Array>(this.path, { keyEncoding: 'utf8', valueEncoding: 'view' });
      await db.open();
      try {
        const raw = await db.get(META_KEY);
        if (raw === undefined) {
          for await (const key of db.keys({ limit: 1 })) {
            throw new FormatError(`${this.path} is a LevelDB database that is not a tfsim store (it has key "${key}")`);
          }
        } else {
          const meta = JSON.parse(new TextDecoder().decode(raw)) as Meta;
          if (meta.format !== META_FORMAT || meta.version !== META_VERSION) {
            throw new FormatError(
              `${this.path} holds ${String(meta.format)} version ${String(meta.version)}; expected ${META_FORMAT} version ${META_VERSION}`,
            );
          }
          this.count = meta.size;
          this.dim = meta.dim ?? undefined;
          for await (const key of db.keys({ gte: REMOVED_PREFIX, lt: `${REMOVED_PREFIX.slice(0, -1)};` })) {
            const id = Number(key.slice(REMOVED_PREFIX.length));
            if (id < this.count) this.removed.add(id);
          }
        }
      } catch (err) {
        await db.close();
        this.opening = undefined;
        throw err instanceof FormatError ? err : new FormatError(`${this.path}: unreadable store metadata: ${(err as Error).message}`);
      }
      this.db = db;
      return db;
    })();
    return this.opening;
  }

  /** Runs `op` after every earlier write. */
  private enqueue<T>(op: () => Promise<T>): Promise<T> {
    const result = this.writes.then(op);
    this.writes = result.catch(() => undefined);
    return result;
  }

  private metaOp(size: number, dim: number | undefined): Op {
    const meta: Meta = { format: META_FORMAT, version: META_VERSION, size, dim: dim ?? null };
    return { type: 'put', key: META_KEY, value: new TextEncoder().encode(JSON.stringify(meta)) };
  }

  async add(embedding: ArrayLike<number>, label?: Label | null, data?: unknown): Promise<number> {
    const batch = prepareOne(embedding, label, data, undefined);
    const ids = await this.enqueue(async () => {
      await this.handle();
      checkBatchDim(batch.embeddings, this.dim);
      return this.write(batch);
    });
    return ids[0]!;
  }

  async batchAdd(embeddings: MatrixLike, labels?: BatchLabels, data?: BatchData): Promise<number[]> {
    // checked and copied at the call; the dimension once earlier writes are done
    const batch = prepareBatch(embeddings, labels, data, undefined);
    return this.enqueue(async () => {
      await this.handle();
      checkBatchDim(batch.embeddings, this.dim);
      return this.write(batch);
    });
  }

  private async write(batch: PreparedBatch): Promise<number[]> {
    const db = this.db!;
    const { rows, cols, data } = batch.embeddings;
    if (rows === 0) return [];
    const first = this.count;
    const dim = this.dim ?? cols;
    const ops: Op[] = [];
    for (let i = 0; i < rows; i++) {
      ops.push({
        type: 'put',
        key: recordKey(first + i),
        value: encodeRecord(data.subarray(i * cols, (i + 1) * cols), batch.labels[i]!, batch.data[i]!),
      });
    }
    ops.push(this.metaOp(first + rows, dim));
    await db.batch(ops, { sync: this.sync });
    this.count = first + rows;
    this.dim = dim;
    return Array.from({ length: rows }, (_, i) => first + i);
  }

  async remove(ids: ArrayLike<number>): Promise<void> {
    // integers, each once, checked at the call; held, when the queued write runs
    const given = checkDistinctIds(ids, Number.MAX_SAFE_INTEGER);
    await this.enqueue(async () => {
      const db = await this.handle();
      const checked = checkDistinctIds(given, this.count, this.removed);
      if (checked.length === 0) return;
      const ops: Op[] = checked.flatMap((id): Op[] => [
        { type: 'del', key: recordKey(id) },
        { type: 'put', key: removedKey(id), value: EMPTY },
      ]);
      await db.batch(ops, { sync: this.sync });
      for (const id of checked) this.removed.add(id);
    });
  }

  async update(ids: ArrayLike<number>, embeddings: MatrixLike, labels?: BatchLabels, data?: BatchData): Promise<void> {
    const batch = prepareUpdate(ids, embeddings, labels, data, undefined);
    const given = checkDistinctIds(ids, Number.MAX_SAFE_INTEGER);
    await this.enqueue(async () => {
      const db = await this.handle();
      const checked = checkDistinctIds(given, this.count, this.removed);
      checkBatchDim(batch.embeddings, this.dim);
      const { cols, data: values } = batch.embeddings;
      const ops: Op[] = checked.map((id, i) => ({
        type: 'put',
        key: recordKey(id),
        value: encodeRecord(values.subarray(i * cols, (i + 1) * cols), batch.labels[i]!, batch.data[i]!),
      }));
      if (ops.length > 0) await db.batch(ops, { sync: this.sync });
    });
  }

  async get(id: number): Promise<StoredRecord> {
    await this.handle();
    checkId(id, this.count, this.removed);
    return (await this.read([id]))[0]!;
  }

  async batchGet(ids: ArrayLike<number>): Promise<StoredRecords> {
    await this.handle();
    const records = await this.read(checkIds(ids, this.count, this.removed));
    return {
      embeddings: records.map((r) => r.embedding),
      labels: records.map((r) => r.label),
      data: records.map((r) => r.data),
    };
  }

  private async read(ids: number[]): Promise<StoredRecord[]> {
    const db = this.db!;
    const out: StoredRecord[] = [];
    for (let start = 0; start < ids.length; start += READ_CHUNK) {
      const chunk = ids.slice(start, start + READ_CHUNK);
      const values = await db.getMany(chunk.map(recordKey));
      values.forEach((bytes, i) => {
        if (bytes === undefined) throw new FormatError(`${this.path}: record ${chunk[i]} is missing`);
        out.push(decodeRecord(bytes, this.dim!, `${this.path} record ${chunk[i]}`));
      });
    }
    return out;
  }

  async size(): Promise<number> {
    await this.handle();
    return this.count - this.removed.size;
  }

  async save(dir: string): Promise<void> {
    // Queued: a snapshot between writes.
    const snapshot = await this.enqueue(async () => {
      await this.handle();
      const ids = liveIds(this.count, this.removed);
      const records = await this.read(ids);
      const dim = this.dim ?? 0;
      const embeddings = new Float32Array(records.length * dim);
      records.forEach((r, i) => embeddings.set(r.embedding, i * dim));
      return {
        size: records.length,
        dim,
        embeddings,
        labels: records.map((r) => r.label),
        data: records.map(dataJsonOf),
        ids,
        nextId: this.count,
      };
    });
    await writeStore(dir, 'level', this.name, snapshot);
  }

  async load(dir: string): Promise<number> {
    const snapshot = await readStore(dir);
    return this.enqueue(async () => {
      const db = await this.handle();
      const old = this.count;
      const dim = snapshot.size > 0 ? snapshot.dim : undefined;
      const nextId = snapshot.nextId ?? snapshot.size;
      const ids = snapshot.ids ?? Array.from({ length: snapshot.size }, (_, i) => i);
      const removed = new Set(Array.from({ length: nextId }, (_, id) => id));
      const ops: Op[] = [];
      ids.forEach((id, i) => {
        removed.delete(id);
        ops.push({
          type: 'put',
          key: recordKey(id),
          value: encodeRecord(
            snapshot.embeddings.subarray(i * snapshot.dim, (i + 1) * snapshot.dim),
            snapshot.labels[i]!,
            snapshot.data[i]!,
          ),
        });
      });
      // one batch: the loaded records, the marks of the ids the folder does not hold, old records and marks gone
      for (const id of this.removed) if (!removed.has(id)) ops.push({ type: 'del', key: removedKey(id) });
      for (const id of removed) {
        ops.push({ type: 'put', key: removedKey(id), value: EMPTY });
        if (id < old) ops.push({ type: 'del', key: recordKey(id) });
      }
      ops.push(this.metaOp(nextId, dim));
      await db.batch(ops, { sync: this.sync });
      this.count = nextId;
      this.removed = removed;
      this.dim = dim;
      await this.removeRecords(nextId, old);
      return snapshot.size;
    });
  }

  /** Deletes records [from, to), invisible already (past the size). */
  private async removeRecords(from: number, to: number): Promise<void> {
    for (let start = from; start < to; start += READ_CHUNK) {
      const end = Math.min(to, start + READ_CHUNK);
      await this.db!.batch(Array.from({ length: end - start }, (_, i) => ({ type: 'del' as const, key: recordKey(start + i) })));
    }
  }

  async toRecords(numRecords?: number): Promise<IndexedItem[]> {
    await this.handle();
    const ids = liveIds(this.count, this.removed, recordCount(numRecords, this.count - this.removed.size));
    const records = await this.read(ids);
    return records.map((r, i) => ({ id: ids[i]!, ...r }));
  }

  async reset(): Promise<void> {
    await this.enqueue(async () => {
      const db = await this.handle();
      const old = this.count;
      // The size goes to 0 atomically first, with the marks; the records then go.
      await db.batch([this.metaOp(0, undefined), ...Array.from(this.removed, (id): Op => ({ type: 'del', key: removedKey(id) }))], {
        sync: this.sync,
      });
      this.count = 0;
      this.removed = new Set();
      this.dim = undefined;
      await this.removeRecords(0, old);
    });
  }

  async close(): Promise<void> {
    await this.writes;
    const db = this.db ?? (this.opening ? await this.opening.catch(() => undefined) : undefined);
    this.db = undefined;
    this.opening = undefined;
    if (db) await db.close();
  }

  getConfig(): StoreConfig {
    return { type: 'level', name: this.name, path: this.path, sync: this.sync };
  }
}

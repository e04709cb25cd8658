import type { Level } from 'level';
import { FormatError, type IndexedItem, type Label, type MatrixLike, checkOptions, type OptionKeys } from '@tfsim/utils/core';
import { dataJsonOf, decodeRecord, encodeRecord } from './codec';
import { readStore, writeStore } from './format';
import { importOptional } from './optional';
import { checkBatchDim, checkId, checkIds, prepareBatch, prepareOne, recordCount, type PreparedBatch } from './records';
import type { Store, StoreConfig, StoredRecord, StoredRecords } from './store';

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
const READ_CHUNK = 4096;

interface Meta {
  format: string;
  version: number;
  size: number;
  dim: number | null;
}

const recordKey = (id: number) => `${RECORD_PREFIX}${id}`;

type Op = { type: 'put'; key: string; value: Uint8Array } | { type: 'del'; key: string };

/**
 * A store persisted in LevelDB (the `level` package). Each batchAdd is one
 * LevelDB write batch holding the records and the new size, so after a crash
 * the store reopens with every acknowledged batch whole and no partial one.
 * The size kept in the database is authoritative: records past it (left by a
 * reset or load interrupted before its cleanup) are invisible.
 *
 * Writes are applied one at a time in call order; ids are 0, 1, 2, ... in
 * that order.
 */
export class LevelStore implements Store {
  static readonly optionKeys: OptionKeys<LevelStoreOptions> = { path: true, name: true, sync: true };
  readonly name: string;
  readonly path: string;
  private readonly sync: boolean;
  private db: Level<string, Uint8Array> | undefined;
  private opening: Promise<Level<string, Uint8Array>> | undefined;
  private count = 0;
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

  async batchAdd(
    embeddings: MatrixLike,
    labels?: ReadonlyArray<Label | null> | null,
    data?: ReadonlyArray<unknown> | null,
  ): Promise<number[]> {
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

  async get(id: number): Promise<StoredRecord> {
    await this.handle();
    checkId(id, this.count);
    return (await this.read([id]))[0]!;
  }

  async batchGet(ids: ArrayLike<number>): Promise<StoredRecords> {
    await this.handle();
    const records = await this.read(checkIds(ids, this.count));
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
    return this.count;
  }

  async save(dir: string): Promise<void> {
    // Queued: a snapshot between writes.
    const snapshot = await this.enqueue(async () => {
      await this.handle();
      const records = await this.read(Array.from({ length: this.count }, (_, i) => i));
      const dim = this.dim ?? 0;
      const embeddings = new Float32Array(records.length * dim);
      records.forEach((r, i) => embeddings.set(r.embedding, i * dim));
      return { size: records.length, dim, embeddings, labels: records.map((r) => r.label), data: records.map(dataJsonOf) };
    });
    await writeStore(dir, 'level', this.name, snapshot);
  }

  async load(dir: string): Promise<number> {
    const snapshot = await readStore(dir);
    return this.enqueue(async () => {
      const db = await this.handle();
      const old = this.count;
      const dim = snapshot.size > 0 ? snapshot.dim : undefined;
      const ops: Op[] = [];
      for (let i = 0; i < snapshot.size; i++) {
        ops.push({
          type: 'put',
          key: recordKey(i),
          value: encodeRecord(snapshot.embeddings.subarray(i * snapshot.dim, (i + 1) * snapshot.dim), snapshot.labels[i]!, snapshot.data[i]!),
        });
      }
      ops.push(this.metaOp(snapshot.size, dim));
      await db.batch(ops, { sync: this.sync });
      this.count = snapshot.size;
      this.dim = dim;
      await this.removeRecords(snapshot.size, old);
      return this.count;
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
    const n = recordCount(numRecords, this.count);
    const records = await this.read(Array.from({ length: n }, (_, i) => i));
    return records.map((r, id) => ({ id, ...r }));
  }

  async reset(): Promise<void> {
    await this.enqueue(async () => {
      const db = await this.handle();
      const old = this.count;
      // The size goes to 0 atomically first; the records then go.
      await db.batch([this.metaOp(0, undefined)], { sync: this.sync });
      this.count = 0;
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

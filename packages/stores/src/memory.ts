import { checkOptions, type IndexedItem, type Label, type MatrixLike, type OptionKeys } from '@tfsim/utils/core';

import { readStore, writeStore } from './format';
import type { PreparedBatch } from './records';
import { checkDistinctIds, checkId, checkIds, liveIds, prepareBatch, prepareOne, prepareUpdate, recordCount } from './records';
import type { BatchData, BatchLabels, Store, StoreConfig, StoredRecord, StoredRecords } from './store';

export interface MemoryStoreOptions {
  name?: string;
}

/**
 * A store in process memory: embeddings in one growing Float32Array, data kept
 * as JSON text (so it reads back exactly as the persistent stores return it).
 * Every read returns copies: callers cannot change what is stored. A removed
 * record's slot stays (ids are stable) until a load or reset.
 */
export class MemoryStore implements Store {
  static readonly optionKeys: OptionKeys<MemoryStoreOptions> = { name: true };
  readonly name: string;
  private dim: number | undefined;
  /** Ids given so far (slots); `removed` of them are gone. */
  private count = 0;
  private removed = new Set<number>();
  private embeddings: Float32Array = new Float32Array(0);
  private labels: Array<Label | null> = [];
  private data: string[] = [];

  constructor(options: MemoryStoreOptions = {}) {
    checkOptions(options, new.target.optionKeys, new.target.name);
    this.name = options.name ?? 'memory';
  }

  async add(embedding: ArrayLike<number>, label?: Label | null, data?: unknown): Promise<number> {
    return this.write(prepareOne(embedding, label, data, this.dim))[0]!;
  }

  async batchAdd(embeddings: MatrixLike, labels?: BatchLabels, data?: BatchData): Promise<number[]> {
    return this.write(prepareBatch(embeddings, labels, data, this.dim));
  }

  private write(batch: PreparedBatch): number[] {
    const { rows, cols } = batch.embeddings;
    if (rows === 0) return [];
    const dim = this.dim ?? cols;
    const needed = (this.count + rows) * dim;
    if (needed > this.embeddings.length) {
      const grown = new Float32Array(Math.max(needed, this.embeddings.length * 2));
      grown.set(this.embeddings.subarray(0, this.count * dim));
      this.embeddings = grown;
    }
    this.embeddings.set(batch.embeddings.data, this.count * dim);
    this.dim = dim;
    const first = this.count;
    for (let i = 0; i < rows; i++) {
      this.labels.push(batch.labels[i]!);
      this.data.push(batch.data[i]!);
    }
    this.count += rows;
    return Array.from({ length: rows }, (_, i) => first + i);
  }

  async remove(ids: ArrayLike<number>): Promise<void> {
    for (const id of checkDistinctIds(ids, this.count, this.removed)) {
      this.removed.add(id);
      this.data[id] = 'null';
    }
  }

  async update(ids: ArrayLike<number>, embeddings: MatrixLike, labels?: BatchLabels, data?: BatchData): Promise<void> {
    const batch = prepareUpdate(ids, embeddings, labels, data, this.dim);
    const checked = checkDistinctIds(ids, this.count, this.removed);
    const dim = this.dim!;
    checked.forEach((id, i) => {
      this.embeddings.set(batch.embeddings.data.subarray(i * dim, (i + 1) * dim), id * dim);
      this.labels[id] = batch.labels[i]!;
      this.data[id] = batch.data[i]!;
    });
  }

  async get(id: number): Promise<StoredRecord> {
    checkId(id, this.count, this.removed);
    return this.record(id);
  }

  async batchGet(ids: ArrayLike<number>): Promise<StoredRecords> {
    const checked = checkIds(ids, this.count, this.removed);
    const out: StoredRecords = { embeddings: [], labels: [], data: [] };
    for (const id of checked) {
      const r = this.record(id);
      out.embeddings.push(r.embedding);
      out.labels.push(r.label);
      out.data.push(r.data);
    }
    return out;
  }

  private record(id: number): StoredRecord {
    const dim = this.dim!;
    return {
      embedding: this.embeddings.slice(id * dim, (id + 1) * dim),
      label: this.labels[id]!,
      data: JSON.parse(this.data[id]!) as unknown,
    };
  }

  async size(): Promise<number> {
    return this.count - this.removed.size;
  }

  async save(dir: string): Promise<void> {
    const dim = this.dim ?? 0;
    if (this.removed.size === 0) {
      await writeStore(dir, 'memory', this.name, {
        size: this.count,
        dim,
        embeddings: this.embeddings.subarray(0, this.count * dim),
        labels: this.labels,
        data: this.data,
      });
      return;
    }
    const ids = liveIds(this.count, this.removed);
    const embeddings = new Float32Array(ids.length * dim);
    ids.forEach((id, i) => embeddings.set(this.embeddings.subarray(id * dim, (id + 1) * dim), i * dim));
    await writeStore(dir, 'memory', this.name, {
      size: ids.length,
      dim,
      embeddings,
      labels: ids.map((id) => this.labels[id]!),
      data: ids.map((id) => this.data[id]!),
      ids,
      nextId: this.count,
    });
  }

  async load(dir: string): Promise<number> {
    const snapshot = await readStore(dir);
    const nextId = snapshot.nextId ?? snapshot.size;
    this.dim = snapshot.size > 0 ? snapshot.dim : undefined;
    if (snapshot.ids === undefined) {
      this.embeddings = snapshot.embeddings;
      this.labels = snapshot.labels;
      this.data = snapshot.data;
      this.removed = new Set();
    } else {
      // records back in their slots; the slots between them are removed ones
      const dim = snapshot.dim;
      this.embeddings = new Float32Array(nextId * dim);
      this.labels = new Array<Label | null>(nextId).fill(null);
      this.data = new Array<string>(nextId).fill('null');
      this.removed = new Set(Array.from({ length: nextId }, (_, id) => id));
      snapshot.ids.forEach((id, i) => {
        this.embeddings.set(snapshot.embeddings.subarray(i * dim, (i + 1) * dim), id * dim);
        this.labels[id] = snapshot.labels[i]!;
        this.data[id] = snapshot.data[i]!;
        this.removed.delete(id);
      });
    }
    this.count = nextId;
    return snapshot.size;
  }

  async toRecords(numRecords?: number): Promise<IndexedItem[]> {
    const n = recordCount(numRecords, this.count - this.removed.size);
    return liveIds(this.count, this.removed, n).map((id) => ({ id, ...this.record(id) }));
  }

  async reset(): Promise<void> {
    this.dim = undefined;
    this.count = 0;
    this.removed = new Set();
    this.embeddings = new Float32Array(0);
    this.labels = [];
    this.data = [];
  }

  async close(): Promise<void> {}

  getConfig(): StoreConfig {
    return { type: 'memory', name: this.name };
  }
}

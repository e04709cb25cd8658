import { type IndexedItem, type Label, type MatrixLike, checkOptions, type OptionKeys } from '@tfsim/utils/core';
import { readStore, writeStore } from './format';
import { checkId, checkIds, prepareBatch, prepareOne, recordCount, type PreparedBatch } from './records';
import type { Store, StoreConfig, StoredRecord, StoredRecords } from './store';

export interface MemoryStoreOptions {
  name?: string;
}

/**
 * A store in process memory: embeddings in one growing Float32Array, data kept
 * as JSON text (so it reads back exactly as the persistent stores return it).
 * Every read returns copies: callers cannot change what is stored.
 */
export class MemoryStore implements Store {
  static readonly optionKeys: OptionKeys<MemoryStoreOptions> = { name: true };
  readonly name: string;
  private dim: number | undefined;
  private count = 0;
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

  async batchAdd(
    embeddings: MatrixLike,
    labels?: ReadonlyArray<Label | null> | null,
    data?: ReadonlyArray<unknown> | null,
  ): Promise<number[]> {
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

  async get(id: number): Promise<StoredRecord> {
    checkId(id, this.count);
    return this.record(id);
  }

  async batchGet(ids: ArrayLike<number>): Promise<StoredRecords> {
    const checked = checkIds(ids, this.count);
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
    return this.count;
  }

  async save(dir: string): Promise<void> {
    const dim = this.dim ?? 0;
    await writeStore(dir, 'memory', this.name, {
      size: this.count,
      dim,
      embeddings: this.embeddings.subarray(0, this.count * dim),
      labels: this.labels,
      data: this.data,
    });
  }

  async load(dir: string): Promise<number> {
    const snapshot = await readStore(dir);
    this.embeddings = snapshot.embeddings;
    this.dim = snapshot.size > 0 ? snapshot.dim : undefined;
    this.labels = snapshot.labels;
    this.data = snapshot.data;
    this.count = snapshot.size;
    return this.count;
  }

  async toRecords(numRecords?: number): Promise<IndexedItem[]> {
    const n = recordCount(numRecords, this.count);
    return Array.from({ length: n }, (_, id) => ({ id, ...this.record(id) }));
  }

  async reset(): Promise<void> {
    this.dim = undefined;
    this.count = 0;
    this.embeddings = new Float32Array(0);
    this.labels = [];
    this.data = [];
  }

  async close(): Promise<void> {}

  getConfig(): StoreConfig {
    return { type: 'memory', name: this.name };
  }
}

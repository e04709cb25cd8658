/**
 * Validation shared by every store: a batch is checked whole before anything
 * is written, so a bad record never leaves a store half-updated.
 */
import {
  assertInteger,
  assertSameLength,
  type Label,
  type Matrix,
  type MatrixLike,
  ShapeError,
  toLabel,
  toLabels,
  toMatrix,
  ValueError,
} from '@tfsim/utils/core';

import type { BatchData, BatchLabels } from './store';

/** A batch ready to write: embeddings as one matrix, labels, and data as JSON text. */
export interface PreparedBatch {
  embeddings: Matrix;
  labels: Array<Label | null>;
  /** One JSON text per record (`null` for absent data). */
  data: string[];
}

/**
 * JSON text of a record's data. Data is stored as JSON by every store, so it
 * reads back as `JSON.parse(JSON.stringify(data))`; `undefined` is stored as
 * null, and what JSON cannot hold (a BigInt, a cycle, a function) is an error.
 */
export function dataToJson(data: unknown, what: string): string {
  if (data === undefined) return 'null';
  let text: string | undefined;
  try {
    text = JSON.stringify(data);
  } catch (err) {
    throw new ValueError(`${what} is not JSON-serialisable: ${(err as Error).message}`);
  }
  if (text === undefined) throw new ValueError(`${what} is not JSON-serialisable (${typeof data})`);
  return text;
}

/**
 * Checks a batch against the store's dimension (`dim`, or undefined while the
 * store is empty): same dimension for every row, finite values, one label
 * (a safe integer or null) and one data entry per row when given. The batch
 * is a copy taken now: call it when the store's method is called, not when a
 * queued write runs, so a caller may reuse its buffers at once.
 */
export function prepareBatch(
  embeddings: MatrixLike,
  labels: BatchLabels | undefined,
  data: BatchData | undefined,
  dim: number | undefined,
): PreparedBatch {
  const m = toMatrix(embeddings, { name: 'embeddings', allowEmpty: true, copy: true });
  if (m.rows > 0 && m.cols === 0) throw new ShapeError('embeddings have dimension 0');
  checkBatchDim(m, dim);
  if (data != null) assertSameLength(data, { length: m.rows }, 'data', 'embeddings');
  const outLabels =
    labels == null
      ? new Array<Label | null>(m.rows).fill(null)
      : toLabels(labels, { nullable: true, expected: { length: m.rows, of: 'embeddings' } });
  const outData: string[] = new Array(m.rows);
  for (let i = 0; i < m.rows; i++) outData[i] = data == null ? 'null' : dataToJson(data[i], `data[${i}]`);
  return { embeddings: m, labels: outLabels, data: outData };
}

/** Checks a prepared batch against the store's dimension (undefined while the store is empty). */
export function checkBatchDim(embeddings: Matrix, dim: number | undefined): void {
  if (dim !== undefined && embeddings.rows > 0 && embeddings.cols !== dim) {
    throw new ShapeError(`embeddings has dimension ${embeddings.cols}, expected ${dim}`);
  }
}

/** Checks one embedding (a row) against the store's dimension. */
export function prepareOne(
  embedding: ArrayLike<number>,
  label: Label | null | undefined,
  data: unknown,
  dim: number | undefined,
): PreparedBatch {
  if (embedding == null || typeof (embedding as ArrayLike<number>).length !== 'number') {
    throw new ShapeError('embedding must be an array of numbers');
  }
  return prepareBatch([embedding], [toLabel(label, { name: 'label', nullable: true })], [data], dim);
}

/**
 * Checks that `ids` are integers of records present in a store that gave ids
 * 0 to `nextId - 1` and has since removed those in `removed`.
 */
export function checkIds(ids: ArrayLike<number>, nextId: number, removed?: ReadonlySet<number>): number[] {
  if (ids == null || typeof ids.length !== 'number') throw new ValueError('ids must be an array of integers');
  const out: number[] = new Array(ids.length);
  for (let i = 0; i < ids.length; i++) out[i] = checkId(ids[i]!, nextId, removed);
  return out;
}

export function checkId(id: number, nextId: number, removed?: ReadonlySet<number>): number {
  if (!Number.isInteger(id) || id < 0 || id >= nextId) {
    throw new ValueError(`id ${String(id)} is not in the store: ids are integers from 0 to ${nextId - 1} (${nextId} given)`);
  }
  if (removed?.has(id)) throw new ValueError(`id ${id} is not in the store: it was removed`);
  return id;
}

/**
 * The ids of a remove or update: present (as checkIds) and each once, so that
 * the whole call can be checked before anything changes.
 */
export function checkDistinctIds(ids: ArrayLike<number>, nextId: number, removed?: ReadonlySet<number>): number[] {
  const out = checkIds(ids, nextId, removed);
  const seen = new Set<number>();
  for (const id of out) {
    if (seen.has(id)) throw new ValueError(`ids lists ${id} twice`);
    seen.add(id);
  }
  return out;
}

/** An update's records, checked whole: one embedding (and label and data, when given) per id. */
export function prepareUpdate(
  ids: ArrayLike<number>,
  embeddings: MatrixLike,
  labels: BatchLabels | undefined,
  data: BatchData | undefined,
  dim: number | undefined,
): PreparedBatch {
  const batch = prepareBatch(embeddings, labels, data, dim);
  if (ids == null || typeof ids.length !== 'number') throw new ValueError('ids must be an array of integers');
  assertSameLength(ids, { length: batch.embeddings.rows }, 'ids', 'embeddings');
  return batch;
}

/** The live ids of a store, ascending: 0 to `nextId - 1` without those removed; the first `limit`. */
export function liveIds(nextId: number, removed: ReadonlySet<number>, limit = nextId): number[] {
  const out: number[] = [];
  for (let id = 0; id < nextId && out.length < limit; id++) if (!removed.has(id)) out.push(id);
  return out;
}

/** The `numRecords` argument of toRecords: 0 (or absent) means all. */
export function recordCount(numRecords: number | undefined, size: number): number {
  if (numRecords === undefined || numRecords === 0) return size;
  assertInteger(numRecords, 'numRecords', 0);
  return Math.min(numRecords, size);
}

/**
 * One record as bytes, for the key-value stores (LevelDB, Redis):
 * label as float64 (NaN for none), the embedding as float32, then the data as
 * UTF-8 JSON, all little-endian.
 */
import { FormatError, type Label } from '@tfsim/utils/core';

import type { StoredRecord } from './store';

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

export function encodeRecord(embedding: Float32Array, label: Label | null, dataJson: string): Uint8Array {
  const json = encoder.encode(dataJson);
  const bytes = new Uint8Array(8 + embedding.length * 4 + json.length);
  const view = new DataView(bytes.buffer);
  view.setFloat64(0, label ?? Number.NaN, true);
  for (let j = 0; j < embedding.length; j++) view.setFloat32(8 + j * 4, embedding[j]!, true);
  bytes.set(json, 8 + embedding.length * 4);
  return bytes;
}

export function decodeRecord(bytes: Uint8Array, dim: number, where: string): StoredRecord {
  if (bytes.length < 8 + dim * 4) throw new FormatError(`${where}: record of ${bytes.length} bytes is too short for dimension ${dim}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const labelValue = view.getFloat64(0, true);
  const embedding = new Float32Array(dim);
  for (let j = 0; j < dim; j++) embedding[j] = view.getFloat32(8 + j * 4, true);
  let data: unknown;
  try {
    data = JSON.parse(decoder.decode(bytes.subarray(8 + dim * 4)));
  } catch (err) {
    throw new FormatError(`${where}: record data is not UTF-8 JSON: ${(err as Error).message}`);
  }
  return { embedding, label: Number.isNaN(labelValue) ? null : labelValue, data };
}

/** The JSON text of a decoded record's data, for saving. */
export function dataJsonOf(record: StoredRecord): string {
  return JSON.stringify(record.data ?? null);
}

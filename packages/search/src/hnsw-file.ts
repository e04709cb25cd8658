/**
 * Checks of a saved HNSW graph (hnsw-kernel.c's file) before the addon reads
 * it: a regular file of the size the manifest records, whose 64-byte header
 * names the expected dimension, M, metric and node count, and whose length is
 * exactly what that header implies. The addon then checks the rest as it reads
 * (every link below the count, levels bounded, finite vectors).
 *
 *   header: "TFSHNSW1", u32 version, u32 dim, u32 M, u32 metric,
 *     i32 entry, i32 top level, u64 count, u64 upper-level ints, u64 seed,
 *     u32 efConstruction, zero padding to 64 bytes;
 *   u8 level per node; u8 deleted flag per node;
 *   per node: i32 link count, 2M i32 links, dim f32 (the level-0 record);
 *   per node of level L > 0: L lists of (i32 count, M i32 links).
 */
import { promises as fsp } from 'node:fs';

import { FormatError } from '@tfsim/utils/core';

import { checkRegularFile } from './files';

export const HNSW_FILE_MAGIC = 'TFSHNSW1';
export const HNSW_FILE_VERSION = 1;
export const HNSW_HEADER_BYTES = 64;
/** Highest level a node may have (hnsw-kernel.c's MAX_LEVEL). */
export const HNSW_MAX_LEVEL = 32;

export interface HnswFileExpectation {
  dim: number;
  m: number;
  metric: number;
  /** Nodes: the saved ids, one per key. */
  count: number;
  bytes: number;
}

/** The byte length a graph file of `count` nodes with `upperInts` upper-level ints has. */
export function hnswFileBytes(dim: number, m: number, count: number, upperInts: number): number {
  return HNSW_HEADER_BYTES + 2 * count + count * 4 * (1 + 2 * m + dim) + 4 * upperInts;
}

export async function checkHnswFile(file: string, expected: HnswFileExpectation): Promise<void> {
  await checkRegularFile(file, expected.bytes);
  if (expected.bytes < HNSW_HEADER_BYTES) throw new FormatError(`${file}: too short for an HNSW header`);
  const head = Buffer.alloc(HNSW_HEADER_BYTES);
  const handle = await fsp.open(file, 'r');
  try {
    await handle.read(head, 0, HNSW_HEADER_BYTES, 0);
  } finally {
    await handle.close();
  }
  if (head.toString('latin1', 0, 8) !== HNSW_FILE_MAGIC) throw new FormatError(`${file}: not an HNSW graph (bad magic)`);
  const version = head.readUInt32LE(8);
  if (version !== HNSW_FILE_VERSION) throw new FormatError(`${file}: graph version ${version}, this reader knows ${HNSW_FILE_VERSION}`);
  const dim = head.readUInt32LE(12);
  const m = head.readUInt32LE(16);
  const metric = head.readUInt32LE(20);
  if (dim !== expected.dim || m !== expected.m || metric !== expected.metric) {
    throw new FormatError(
      `${file}: a graph of dimension ${dim}, M ${m}, metric ${metric}; the manifest says ${expected.dim}, ${expected.m}, ${expected.metric}`,
    );
  }
  const topLevel = head.readInt32LE(28);
  const count = head.readBigUInt64LE(32);
  const upperInts = head.readBigUInt64LE(40);
  if (count !== BigInt(expected.count)) throw new FormatError(`${file}: holds ${count} nodes, the manifest ${expected.count} ids`);
  if (topLevel < -1 || topLevel > HNSW_MAX_LEVEL) throw new FormatError(`${file}: top level ${topLevel} out of range`);
  if (upperInts > BigInt(expected.count) * BigInt(HNSW_MAX_LEVEL * (1 + m))) {
    throw new FormatError(`${file}: ${upperInts} upper-level links for ${expected.count} nodes`);
  }
  const implied = hnswFileBytes(dim, m, expected.count, Number(upperInts));
  if (implied !== expected.bytes) throw new FormatError(`${file}: has ${expected.bytes} bytes, its header implies ${implied}`);
}

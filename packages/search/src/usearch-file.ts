/**
 * Checks of a usearch index file before usearch reads it: a hostile or
 * truncated file must fail here with a FormatError, not inside native code.
 * The layout (usearch 2.x, `index_dense_t::save_to_stream`):
 *
 *   u32 rows, u32 bytes per vector; rows * bytes of vectors;
 *   64-byte head: "usearch", u16 version x3, u8 metric, scalar, key and slot
 *     kinds, u64 present, u64 deleted (rows = present + deleted), u64
 *     dimensions, u8 multi;
 *   graph header: u64 size, connectivity, connectivity_base, max_level, entry;
 *   i16 level per node; then per node: u64 key, i16 level, and
 *     (level + 1) neighbour lists (u32 count + slots; connectivity_base slots at
 *     level 0, connectivity above).
 */
import { promises as fsp } from 'node:fs';

import { FormatError } from '@tfsim/utils/core';

import { checkRegularFile } from './files';

/** usearch's codes for what this package writes (index_plugins.hpp). */
export const USEARCH_METRIC_CODES = { ip: 'i'.charCodeAt(0), l2sq: 'e'.charCodeAt(0) } as const;
export const USEARCH_SCALAR_CODES = { f32: 11, f16: 12, i8: 23 } as const;
const SCALAR_BYTES: Record<number, number> = { 11: 4, 12: 2, 23: 1 };
const KEY_U64 = 14;
const SLOT_BYTES: Record<number, number> = { 15: 4, 2: 5 };
const HEAD_BYTES = 64;
const GRAPH_HEADER_BYTES = 40;

export interface UsearchFileExpectation {
  metric: keyof typeof USEARCH_METRIC_CODES;
  scalar: keyof typeof USEARCH_SCALAR_CODES;
  dim: number;
  size: number;
  bytes: number;
}

async function readAt(handle: fsp.FileHandle, position: number, length: number, file: string): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  const { bytesRead } = await handle.read(buffer, 0, length, position);
  if (bytesRead !== length) throw new FormatError(`${file}: truncated at byte ${position + bytesRead}`);
  return buffer;
}

/**
 * Verifies that `file` is a regular file of `expected.bytes` bytes holding a
 * usearch index of the expected metric, precision, dimension and size, and
 * that its length is exactly what its header and node levels imply.
 */
export async function checkUsearchFile(file: string, expected: UsearchFileExpectation): Promise<void> {
  await checkRegularFile(file, expected.bytes);
  const handle = await fsp.open(file, 'r');
  try {
    const matrix = await readAt(handle, 0, 8, file);
    const rows = matrix.readUInt32LE(0);
    const rowBytes = matrix.readUInt32LE(4);
    const scalarBytes = SCALAR_BYTES[USEARCH_SCALAR_CODES[expected.scalar]]!;
    // Rows taken back after a failed add stay in the file as deleted slots.
    if (rows < expected.size || rowBytes !== expected.dim * scalarBytes) {
      throw new FormatError(
        `${file}: holds ${rows} vectors of ${rowBytes} bytes, expected ${expected.size} of ${expected.dim * scalarBytes}`,
      );
    }
    let offset = 8 + rows * rowBytes;
    if (offset + HEAD_BYTES + GRAPH_HEADER_BYTES > expected.bytes) throw new FormatError(`${file}: too short for its ${rows} vectors`);
    const head = await readAt(handle, offset, HEAD_BYTES, file);
    offset += HEAD_BYTES;
    if (head.toString('latin1', 0, 7) !== 'usearch') throw new FormatError(`${file}: not a usearch index (bad magic)`);
    const metric = head.readUInt8(13);
    const scalar = head.readUInt8(14);
    const key = head.readUInt8(15);
    const slot = head.readUInt8(16);
    const present = head.readBigUInt64LE(17);
    const deleted = head.readBigUInt64LE(25);
    const dims = head.readBigUInt64LE(33);
    if (metric !== USEARCH_METRIC_CODES[expected.metric] || scalar !== USEARCH_SCALAR_CODES[expected.scalar]) {
      throw new FormatError(`${file}: metric or precision differs from the manifest (${expected.metric}, ${expected.scalar})`);
    }
    const slotBytes = SLOT_BYTES[slot];
    if (key !== KEY_U64 || slotBytes === undefined) throw new FormatError(`${file}: unsupported key or slot type (${key}, ${slot})`);
    if (dims !== BigInt(expected.dim) || present !== BigInt(expected.size) || present + deleted !== BigInt(rows)) {
      throw new FormatError(`${file}: header says ${present} vectors (${deleted} deleted) of dimension ${dims}`);
    }
    const graph = await readAt(handle, offset, GRAPH_HEADER_BYTES, file);
    offset += GRAPH_HEADER_BYTES;
    const nodes = graph.readBigUInt64LE(0);
    const connectivity = graph.readBigUInt64LE(8);
    const base = graph.readBigUInt64LE(16);
    if (nodes !== BigInt(rows) || connectivity < 2n || connectivity > 4096n || base < connectivity || base > 8192n) {
      throw new FormatError(`${file}: implausible graph header (${nodes} nodes, connectivity ${connectivity}/${base})`);
    }
    const listBytes = 4 + Number(connectivity) * slotBytes;
    const baseBytes = 4 + Number(base) * slotBytes;
    if (offset + 2 * rows > expected.bytes) throw new FormatError(`${file}: too short for ${rows} node levels`);
    const levels = await readAt(handle, offset, 2 * rows, file);
    offset += 2 * rows;
    for (let i = 0; i < rows; i++) {
      const level = levels.readInt16LE(2 * i);
      if (level < 0 || level > 64) throw new FormatError(`${file}: node ${i} has level ${level}`);
      offset += 10 + baseBytes + level * listBytes;
    }
    if (offset !== expected.bytes) throw new FormatError(`${file}: has ${expected.bytes} bytes, its header implies ${offset}`);
  } finally {
    await handle.close();
  }
}

/**
 * Reading a saved search: its manifest, checked against the search loading
 * it, and files checked before anything (a native library above all) reads
 * them (issue 18): only regular files (a symlink or device is refused, not
 * followed), of exactly the size the manifest records.
 */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import type { RowDistance as Distance } from '@tfsim/distances/rows';
import { type ArrayDescriptor, type ArrayDtype, FormatError, readArray, readManifest, type TypedArrayOf } from '@tfsim/utils/core';

export async function checkRegularFile(file: string, bytes: number): Promise<void> {
  if (!Number.isSafeInteger(bytes) || bytes < 0) throw new FormatError(`${file}: the manifest records an invalid size ${String(bytes)}`);
  const stat = await fsp.lstat(file).catch((err: NodeJS.ErrnoException) => {
    throw new FormatError(`${file} is missing or unreadable: ${err.message}`);
  });
  if (!stat.isFile()) throw new FormatError(`${file} is not a regular file`);
  if (stat.size !== bytes) throw new FormatError(`${file} has ${stat.size} bytes, the manifest records ${bytes}`);
}

const ELEMENT_BYTES: Record<ArrayDtype, number> = { float32: 4, float64: 8, int32: 4, uint8: 1 };

/** readArray of @tfsim/utils, for a regular file only (a symlink or device is refused, not followed). */
export async function readRegularArray<D extends ArrayDtype>(dir: string, descriptor: ArrayDescriptor | undefined, dtype: D): Promise<TypedArrayOf<D>> {
  if (descriptor && typeof descriptor.file === 'string' && path.basename(descriptor.file) === descriptor.file && descriptor.dtype === dtype) {
    await checkRegularFile(path.join(dir, descriptor.file), Number(descriptor.length) * ELEMENT_BYTES[dtype]);
  }
  return readArray(dir, descriptor as ArrayDescriptor, dtype);
}

/**
 * The manifest of a saved search in `dir`, of `format` and one of `versions`, for the
 * same distance and dimension as `search`, with a valid size.
 */
export async function readSearchManifest<M extends { distance: string; dim: number; size: number }>(
  dir: string,
  format: string,
  versions: number | readonly number[],
  search: { distance: Distance; dim: number },
): Promise<M> {
  const manifest = (await readManifest(dir, format, typeof versions === 'number' ? [versions] : [...versions])) as unknown as M;
  if (manifest.distance !== search.distance.name || manifest.dim !== search.dim) {
    throw new FormatError(
      `${dir} holds a ${String(manifest.distance)} index of dimension ${String(manifest.dim)}; ` +
        `this search is ${search.distance.name} of dimension ${search.dim}`,
    );
  }
  if (!Number.isInteger(manifest.size) || manifest.size < 0) throw new FormatError(`${dir}: invalid size ${String(manifest.size)}`);
  return manifest;
}

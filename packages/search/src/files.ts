/**
 * The saved form every search shares: a folder written atomically with a
 * manifest (format, version, name, distance, dimension, size, arrays) and the
 * ids as int32, plus what each search adds. Read back through the manifest,
 * checked against the search loading it, and files checked before anything
 * (a native library above all) reads them (issue 18): only regular files (a
 * symlink or device is refused, not followed), of exactly the size the
 * manifest records.
 */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';

import type { RowDistance as Distance } from '@tfsim/distances/rows';
import {
  type ArrayDescriptor,
  type ArrayDtype,
  FormatError,
  readArray,
  readManifest,
  type TypedArrayOf,
  writeArray,
  writeFolderAtomically,
  writeManifest,
} from '@tfsim/utils/core';

/** The manifest fields every saved search has. */
export interface SearchManifestHead {
  format: string;
  version: number;
  name: string;
  distance: string;
  dim: number;
  size: number;
  arrays: { ids: ArrayDescriptor };
}

/** What a search writes into its folder besides the ids: its own arrays and manifest fields. */
export interface SearchFolderBody {
  arrays?: Record<string, ArrayDescriptor>;
  fields?: Record<string, unknown>;
}

/**
 * Writes a search's folder atomically (replaced whole or not at all): the
 * ids as `ids.i32`, what `body` writes into the new folder, and the manifest.
 */
export async function writeSearchFolder(
  dir: string,
  search: { name: string; distance: Distance; dim: number },
  head: { format: string; version: number; size: number; ids: Int32Array },
  body: (tmp: string) => Promise<SearchFolderBody>,
): Promise<void> {
  await writeFolderAtomically(dir, async (tmp) => {
    const ids = await writeArray(tmp, 'ids.i32', head.ids);
    const { arrays = {}, fields = {} } = await body(tmp);
    await writeManifest(tmp, {
      format: head.format,
      version: head.version,
      name: search.name,
      distance: search.distance.name,
      dim: search.dim,
      ...fields,
      size: head.size,
      arrays: { ...arrays, ids },
    });
  });
}

/** A saved search's manifest (as readSearchManifest) and its ids. */
export async function readSearchFolder<M extends SearchManifestHead>(
  dir: string,
  format: string,
  versions: number | readonly number[],
  search: { distance: Distance; dim: number },
): Promise<{ manifest: M; ids: Int32Array }> {
  const manifest = await readSearchManifest<M>(dir, format, versions, search);
  const ids = await readRegularArray(dir, manifest.arrays?.ids, 'int32');
  return { manifest, ids };
}

/** Saved embedding values must be finite (NaN or Infinity would poison every distance). */
export function checkFiniteValues(values: Float32Array, dir: string): void {
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i]!)) throw new FormatError(`${dir}: embedding value ${i} is ${values[i]}`);
  }
}

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
export async function readRegularArray<D extends ArrayDtype>(
  dir: string,
  descriptor: ArrayDescriptor | undefined,
  dtype: D,
): Promise<TypedArrayOf<D>> {
  if (
    descriptor &&
    typeof descriptor.file === 'string' &&
    path.basename(descriptor.file) === descriptor.file &&
    descriptor.dtype === dtype
  ) {
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

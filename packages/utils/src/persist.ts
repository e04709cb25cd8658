/**
 * The project's save format: a folder with a versioned JSON manifest and raw
 * little-endian binary arrays. Nothing in it is code; loading checks the
 * format name, the version and every array's byte length before use.
 */
import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { FormatError } from './errors';
import { parseSavedJson, readSavedFile } from './saved-files';

export const MANIFEST_FILE = 'manifest.json';
/** A manifest is small: its arrays live in their own files. */
export const MAX_MANIFEST_BYTES = 16 * 1024 * 1024;

export type ArrayDtype = 'float32' | 'float64' | 'int32' | 'uint8';
export type TypedArrayOf<D extends ArrayDtype> = D extends 'float32'
  ? Float32Array
  : D extends 'float64'
    ? Float64Array
    : D extends 'int32'
      ? Int32Array
      : Uint8Array;

export interface ArrayDescriptor {
  file: string;
  dtype: ArrayDtype;
  length: number;
}

export interface Manifest {
  /** What wrote the folder: "tfsim.index", "tfsim.store.memory", ... */
  format: string;
  version: number;
  [key: string]: unknown;
}

const CTORS = {
  float32: Float32Array,
  float64: Float64Array,
  int32: Int32Array,
  uint8: Uint8Array,
} as const;

function dtypeOf(array: Float32Array | Float64Array | Int32Array | Uint8Array): ArrayDtype {
  if (array instanceof Float32Array) return 'float32';
  if (array instanceof Float64Array) return 'float64';
  if (array instanceof Int32Array) return 'int32';
  return 'uint8';
}

/** Writes `array` as raw bytes to `dir/file`; returns its descriptor for the manifest. */
export async function writeArray(
  dir: string,
  file: string,
  array: Float32Array | Float64Array | Int32Array | Uint8Array,
): Promise<ArrayDescriptor> {
  if (path.basename(file) !== file) throw new FormatError(`array file name "${file}" must not contain a path`);
  await fsp.writeFile(path.join(dir, file), new Uint8Array(array.buffer, array.byteOffset, array.byteLength));
  return { file, dtype: dtypeOf(array), length: array.length };
}

/** Reads an array written by writeArray, checking its dtype and byte length. */
export async function readArray<D extends ArrayDtype>(
  dir: string,
  descriptor: ArrayDescriptor,
  dtype: D,
): Promise<TypedArrayOf<D>> {
  if (!descriptor || typeof descriptor.file !== 'string' || path.basename(descriptor.file) !== descriptor.file) {
    throw new FormatError(`${dir}: manifest names an invalid array file`);
  }
  if (descriptor.dtype !== dtype) {
    throw new FormatError(`${path.join(dir, descriptor.file)} holds ${descriptor.dtype}, expected ${dtype}`);
  }
  if (!Number.isSafeInteger(descriptor.length) || descriptor.length < 0) {
    throw new FormatError(`${path.join(dir, descriptor.file)}: the manifest gives it an invalid length`);
  }
  const Ctor = CTORS[dtype];
  // a regular file of exactly the manifest's size, checked before reading
  const bytes = await readSavedFile(dir, descriptor.file, { expectedBytes: descriptor.length * Ctor.BYTES_PER_ELEMENT });
  // Copy into an aligned buffer of its own (Buffer pools are not aligned).
  const out = new Ctor(descriptor.length);
  new Uint8Array(out.buffer).set(bytes);
  return out as TypedArrayOf<D>;
}

export async function writeManifest(dir: string, manifest: Manifest): Promise<void> {
  await fsp.writeFile(path.join(dir, MANIFEST_FILE), JSON.stringify(manifest, null, 2) + '\n');
}

/**
 * Reads and checks `dir/manifest.json`: it must exist, parse, name `format` and
 * carry a version in `supportedVersions`.
 */
export async function readManifest(dir: string, format: string, supportedVersions: readonly number[]): Promise<Manifest> {
  const file = path.join(dir, MANIFEST_FILE);
  const exists = await fsp.lstat(file).then(() => true, () => false);
  if (!exists) throw new FormatError(`${dir} is not a saved ${format}: ${MANIFEST_FILE} is missing`);
  const bytes = await readSavedFile(dir, MANIFEST_FILE, { maxBytes: MAX_MANIFEST_BYTES });
  const manifest = parseSavedJson(bytes.toString('utf8'), file) as Manifest;
  if (typeof manifest !== 'object' || manifest === null || Array.isArray(manifest) || manifest.format !== format) {
    throw new FormatError(`${dir} holds format "${String(manifest?.format)}", expected "${format}"`);
  }
  if (!supportedVersions.includes(manifest.version)) {
    throw new FormatError(
      `${dir} is ${format} version ${String(manifest.version)}; this release reads version ${supportedVersions.join(', ')}`,
    );
  }
  return manifest;
}

/**
 * Writes a folder atomically: `write` fills a fresh sibling folder, which then
 * replaces `dir` by rename. A crash or error leaves the old folder (or none)
 * in place, never a half-written one.
 */
export async function writeFolderAtomically(dir: string, write: (tmpDir: string) => Promise<void>): Promise<void> {
  const target = path.resolve(dir);
  await fsp.mkdir(path.dirname(target), { recursive: true });
  const suffix = randomBytes(6).toString('hex');
  const tmpDir = `${target}.tmp-${suffix}`;
  const oldDir = `${target}.old-${suffix}`;
  await fsp.mkdir(tmpDir);
  try {
    await write(tmpDir);
  } catch (err) {
    await fsp.rm(tmpDir, { recursive: true, force: true });
    throw err;
  }
  let hadOld = false;
  try {
    await fsp.rename(target, oldDir);
    hadOld = true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      await fsp.rm(tmpDir, { recursive: true, force: true });
      throw err;
    }
  }
  await fsp.rename(tmpDir, target);
  if (hadOld) await fsp.rm(oldDir, { recursive: true, force: true });
}

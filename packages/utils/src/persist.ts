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
export async function readArray<D extends ArrayDtype>(dir: string, descriptor: ArrayDescriptor, dtype: D): Promise<TypedArrayOf<D>> {
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
 * carry a version in `supportedVersions`. A save of `dir` that was killed
 * half way is first finished or undone (recoverInterruptedSave).
 */
export async function readManifest(dir: string, format: string, supportedVersions: readonly number[]): Promise<Manifest> {
  const file = path.join(dir, MANIFEST_FILE);
  // A save killed between its two renames leaves `dir` missing and the complete folder beside it.
  await recoverInterruptedSave(dir).catch(() => false);
  const exists = await fsp.lstat(file).then(
    () => true,
    () => false,
  );
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

/** The points of a save at which a crash test may kill the process (see setSaveStepHook). */
export type SaveStep = 'started' | 'written' | 'synced' | 'ready' | 'moved-old' | 'installed' | 'done';

let saveStepHook: ((step: SaveStep, dir: string) => void) | undefined;

/** @internal For crash tests only: called synchronously at each step of every save. */
export function setSaveStepHook(hook: ((step: SaveStep, dir: string) => void) | undefined): void {
  saveStepHook = hook;
}

// Siblings of a saved folder `dir` while a save runs, named `<dir>.<stage>-<pid>-<hex>`:
//   tmp    being written: incomplete until renamed to ready;
//   ready  written and fsynced: a complete save waiting to replace dir;
//   old    the previous dir, moved aside for the moment between the two renames.
const LEFTOVER = /^\.(tmp|ready|old)-(\d+)-([0-9a-f]+)$/;
/** Suffixes (`<pid>-<hex>`) of the saves running in this process. */
const runningSaves = new Set<string>();

function isAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

interface Leftover {
  stage: 'tmp' | 'ready' | 'old';
  path: string;
  mtimeMs: number;
}

/** Siblings of `target` left by saves whose process is gone (or, in this process, that are over). */
async function deadLeftovers(target: string): Promise<Leftover[]> {
  const parent = path.dirname(target);
  const base = path.basename(target);
  const names = await fsp.readdir(parent).catch(() => [] as string[]);
  const out: Leftover[] = [];
  for (const name of names) {
    if (!name.startsWith(base)) continue;
    const match = LEFTOVER.exec(name.slice(base.length));
    if (!match) continue;
    const [, stage, pid, hex] = match;
    const own = Number(pid) === process.pid;
    if (own ? runningSaves.has(`${pid}-${hex}`) : isAlive(Number(pid))) continue;
    const stat = await fsp.lstat(path.join(parent, name)).catch(() => undefined);
    if (stat?.isDirectory()) out.push({ stage: stage as Leftover['stage'], path: path.join(parent, name), mtimeMs: stat.mtimeMs });
  }
  return out;
}

/** fsync of a file or folder (a folder's fsync makes the renames and new names in it durable). */
async function syncPath(p: string): Promise<void> {
  const handle = await fsp.open(p, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** fsync of every file and folder under `dir`, whoever wrote them (our arrays, faiss, tfjs, LevelDB). */
async function syncTree(dir: string): Promise<void> {
  for (const entry of await fsp.readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) await syncTree(p);
    else if (entry.isFile()) await syncPath(p);
  }
  await syncPath(dir);
}

/**
 * Finishes or undoes the save of `dir` that a killed process left half done:
 * when `dir` is missing, the newest complete save beside it (a `ready` one,
 * else the `old` one moved aside) is renamed into place. Returns whether it
 * restored one. With `clean`, every other leftover of a dead save is removed.
 * Loads call it through readManifest, saves before they start.
 */
export async function recoverInterruptedSave(dir: string, options: { clean?: boolean } = {}): Promise<boolean> {
  const target = path.resolve(dir);
  const exists = await fsp.lstat(target).then(
    () => true,
    () => false,
  );
  if (exists && !options.clean) return false;
  const leftovers = await deadLeftovers(target);
  let restored = false;
  if (!exists) {
    const newest = (stage: Leftover['stage']) => leftovers.filter((l) => l.stage === stage).sort((a, b) => b.mtimeMs - a.mtimeMs)[0];
    const candidate = newest('ready') ?? newest('old');
    if (candidate) {
      await fsp.rename(candidate.path, target);
      await syncPath(path.dirname(target));
      leftovers.splice(leftovers.indexOf(candidate), 1);
      restored = true;
    }
  }
  if (options.clean) {
    for (const leftover of leftovers) await fsp.rm(leftover.path, { recursive: true, force: true });
  }
  return restored;
}

/**
 * Writes a folder crash-safely: `write` fills a fresh sibling folder, which is
 * fsynced, marked complete by a rename, and then replaces `dir`. A crash at
 * any point leaves either the previous save or the new one whole: between the
 * two renames that swap them `dir` is briefly missing, and the next load or
 * save (recoverInterruptedSave) renames the complete one back into place. An
 * error in `write` leaves the previous folder untouched. Leftovers of killed
 * saves are removed by the next save of the same folder.
 */
export async function writeFolderAtomically(dir: string, write: (tmpDir: string) => Promise<void>): Promise<void> {
  const target = path.resolve(dir);
  const parent = path.dirname(target);
  await fsp.mkdir(parent, { recursive: true });
  await recoverInterruptedSave(target, { clean: true });
  const suffix = `${process.pid}-${randomBytes(6).toString('hex')}`;
  const tmpDir = `${target}.tmp-${suffix}`;
  const readyDir = `${target}.ready-${suffix}`;
  const oldDir = `${target}.old-${suffix}`;
  runningSaves.add(suffix);
  try {
    await fsp.mkdir(tmpDir);
    saveStepHook?.('started', target);
    try {
      await write(tmpDir);
      saveStepHook?.('written', target);
      await syncTree(tmpDir);
      saveStepHook?.('synced', target);
      await fsp.rename(tmpDir, readyDir);
      await syncPath(parent);
      saveStepHook?.('ready', target);
    } catch (err) {
      await fsp.rm(tmpDir, { recursive: true, force: true });
      await fsp.rm(readyDir, { recursive: true, force: true });
      throw err;
    }
    const hadOld = await fsp.rename(target, oldDir).then(
      () => true,
      async (err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') return false;
        await fsp.rm(readyDir, { recursive: true, force: true });
        throw err;
      },
    );
    if (hadOld) {
      await syncPath(parent);
      saveStepHook?.('moved-old', target);
    }
    await fsp.rename(readyDir, target);
    await syncPath(parent);
    saveStepHook?.('installed', target);
    if (hadOld) await fsp.rm(oldDir, { recursive: true, force: true });
    saveStepHook?.('done', target);
  } finally {
    runningSaves.delete(suffix);
  }
}

/**
 * Reading a saved folder without trusting it: files must be regular files
 * (no symlinks, FIFOs or devices: `lstat`, then opened with O_NOFOLLOW),
 * their sizes are checked before a byte is read, JSON is depth-checked before
 * it is parsed, and error messages name the file, never its contents.
 */
import { constants, promises as fsp } from 'node:fs';
import * as path from 'node:path';

import { FolderExistsError, FormatError } from './errors';

/** Deepest JSON nesting a saved file may hold (deeper input would overflow the stack downstream). */
export const MAX_JSON_DEPTH = 256;

export interface ReadFileLimits {
  /** The file must hold exactly this many bytes (from the manifest). */
  expectedBytes?: number;
  /** The file must hold at most this many bytes. */
  maxBytes?: number;
}

function kindOf(st: { isSymbolicLink(): boolean; isFIFO(): boolean; isDirectory(): boolean; isFile(): boolean }): string {
  if (st.isSymbolicLink()) return 'a symbolic link';
  if (st.isFIFO()) return 'a FIFO';
  if (st.isDirectory()) return 'a folder';
  return st.isFile() ? 'a regular file' : 'a device or socket';
}

/** Throws FormatError unless `dir` is a folder itself (not a symbolic link to one). */
export async function assertSavedFolder(dir: string, what = 'saved folder'): Promise<void> {
  const st = await fsp.lstat(dir).catch(() => null);
  if (!st) throw new FormatError(`${dir}: the ${what} is missing`);
  if (!st.isDirectory()) throw new FormatError(`${dir}: the ${what} must be a folder, found ${kindOf(st)}`);
}

/**
 * The bytes of `dir/file`, which must be a regular file inside `dir` of the
 * size the limits allow; checked before reading.
 */
export async function readSavedFile(dir: string, file: string, limits: ReadFileLimits = {}): Promise<Buffer> {
  if (typeof file !== 'string' || file === '' || path.basename(file) !== file || file === '.' || file === '..') {
    throw new FormatError(`${dir}: the manifest names an invalid file`);
  }
  const where = path.join(dir, file);
  const st = await fsp.lstat(where).catch(() => null);
  if (!st) throw new FormatError(`${where} is missing`);
  if (!st.isFile()) throw new FormatError(`${where} must be a regular file, found ${kindOf(st)}`);
  checkSize(where, st.size, limits);
  // O_NOFOLLOW and O_NONBLOCK: a file swapped for a link or a FIFO after lstat fails instead of following or hanging.
  const handle = await fsp.open(where, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK).catch(() => {
    throw new FormatError(`${where} cannot be opened as a regular file`);
  });
  try {
    const opened = await handle.stat();
    if (!opened.isFile()) throw new FormatError(`${where} must be a regular file, found ${kindOf(opened)}`);
    checkSize(where, opened.size, limits);
    const bytes = Buffer.alloc(opened.size);
    let read = 0;
    while (read < bytes.length) {
      const { bytesRead } = await handle.read(bytes, read, bytes.length - read, read);
      if (bytesRead === 0) throw new FormatError(`${where} shrank while it was read`);
      read += bytesRead;
    }
    return bytes;
  } finally {
    await handle.close();
  }
}

function checkSize(where: string, size: number, limits: ReadFileLimits): void {
  if (limits.expectedBytes !== undefined && size !== limits.expectedBytes) {
    throw new FormatError(`${where} has ${size} bytes, the manifest says ${limits.expectedBytes}`);
  }
  if (limits.maxBytes !== undefined && size > limits.maxBytes) {
    throw new FormatError(`${where} has ${size} bytes, more than the ${limits.maxBytes} allowed`);
  }
}

/**
 * JSON text parsed after checking that it nests at most `maxDepth` deep (a
 * scan that needs no stack). The error names `what`, never the text: a
 * parser's message can quote the file.
 */
export function parseSavedJson(text: string, what: string, maxDepth = MAX_JSON_DEPTH): unknown {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inString = false;
    } else if (c === 34) {
      inString = true;
    } else if (c === 91 /* [ */ || c === 123 /* { */) {
      if (++depth > maxDepth) throw new FormatError(`${what} nests deeper than ${maxDepth} levels`);
    } else if (c === 93 /* ] */ || c === 125 /* } */) {
      depth--;
    }
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new FormatError(`${what} is not valid JSON`);
  }
}

/**
 * The one overwrite check of every save: throws FolderExistsError when `dir`
 * exists (as anything, a link included) and `overwrite` is false.
 */
export async function checkOverwrite(dir: string, overwrite: boolean | undefined): Promise<void> {
  if (overwrite !== false) return;
  if (
    await fsp.lstat(dir).then(
      () => true,
      () => false,
    )
  )
    throw new FolderExistsError(dir);
}

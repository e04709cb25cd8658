/**
 * File checks before a native library reads a saved index (issue 18): only
 * regular files (a symlink or device is refused, not followed), of exactly the
 * size the manifest records.
 */
import { promises as fsp } from 'node:fs';
import { FormatError } from '@tfsim/utils';

export async function checkRegularFile(file: string, bytes: number): Promise<void> {
  if (!Number.isSafeInteger(bytes) || bytes < 0) throw new FormatError(`${file}: the manifest records an invalid size ${String(bytes)}`);
  const stat = await fsp.lstat(file).catch((err: NodeJS.ErrnoException) => {
    throw new FormatError(`${file} is missing or unreadable: ${err.message}`);
  });
  if (!stat.isFile()) throw new FormatError(`${file} is not a regular file`);
  if (stat.size !== bytes) throw new FormatError(`${file} has ${stat.size} bytes, the manifest records ${bytes}`);
}

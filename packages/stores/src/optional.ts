import { BackendError } from '@tfsim/utils/core';

/** True when `err` says that `pkg` itself (not something it requires) cannot be found. */
function isMissing(err: unknown, pkg: string): boolean {
  const { code, message } = (err ?? {}) as { code?: string; message?: string };
  if (code !== 'MODULE_NOT_FOUND' && code !== 'ERR_MODULE_NOT_FOUND') return false;
  return new RegExp(`['"]${pkg.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}['"/]`).test(message ?? '');
}

/**
 * Loads an optional peer dependency (`level`, `ioredis`): a user of the memory
 * store installs neither. When it is missing, the error names the package to
 * install and who needs it.
 */
export async function importOptional<T>(pkg: string, neededBy: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (err) {
    if (!isMissing(err, pkg)) throw err;
    throw new BackendError(
      `${neededBy} needs the package "${pkg}", an optional peer dependency of @tfsim/stores that is not installed: ` +
        `npm install ${pkg} (or pnpm add ${pkg})`,
      { cause: err },
    );
  }
}

/**
 * Optional native modules (faiss-node, usearch, the BLAS addon): loaded on
 * first use, once; what failed is kept to explain it in errors.
 */
import { BackendError } from '@tfsim/utils/core';

export interface Loaded<T> {
  module?: T;
  error?: string;
}

/** A loader that runs `load` on its first call and remembers the module or the first line of the error. */
export function optionalModule<T>(load: () => T, hint = ''): () => Loaded<T> {
  let loaded: Loaded<T> | undefined;
  return () => {
    if (!loaded) {
      try {
        loaded = { module: load() };
      } catch (err) {
        loaded = { error: `${(err as Error).message.split('\n')[0]}${hint}` };
      }
    }
    return loaded;
  };
}

/**
 * The loaded module, or a BackendError that says who needs it, why it does
 * not load here, and what to do instead.
 */
export function moduleOrThrow<T>(loaded: Loaded<T>, who: string, what: string, instead: string): T {
  if (loaded.module !== undefined) return loaded.module;
  throw new BackendError(`${who} needs ${what}, which does not load here (${loaded.error}); ${instead}`);
}

import * as stores from '@tfsim/stores';
import { LevelStore } from '@tfsim/stores/level';
import { RedisStore } from '@tfsim/stores/redis';
import { BackendError } from '@tfsim/utils';

import { importOptional } from '../src/optional';

describe('optional peer dependencies', () => {
  it('names the missing package, who needs it and how to install it', async () => {
    const load = () => import('tfsim-no-such-package' as string);
    const err = await importOptional('tfsim-no-such-package', 'LevelStore', load).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BackendError);
    expect((err as Error).message).toBe(
      'LevelStore needs the package "tfsim-no-such-package", an optional peer dependency of @tfsim/stores that is not installed: ' +
        'npm install tfsim-no-such-package (or pnpm add tfsim-no-such-package)',
    );
  });

  it('passes through a module that is missing inside an installed package', async () => {
    const inner = Object.assign(new Error("Cannot find module 'classic-level-binding'"), { code: 'MODULE_NOT_FOUND' });
    await expect(importOptional('level', 'LevelStore', () => Promise.reject(inner))).rejects.toBe(inner);
  });

  it('returns the package when it is installed', async () => {
    const level = await importOptional('level', 'LevelStore', () => import('level'));
    expect(typeof level.Level).toBe('function');
  });

  it('serves LevelStore and RedisStore from their own subpaths, the same classes as the main entry', () => {
    expect(LevelStore).toBe(stores.LevelStore);
    expect(RedisStore).toBe(stores.RedisStore);
  });
});

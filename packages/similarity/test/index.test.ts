import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import * as tfsim from '../src';
import { NAMESPACES, PACKAGE_NAME } from '../src';

const packagesDir = join(__dirname, '..', '..');
const manifest = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as {
  name: string;
  dependencies: Record<string, string>;
};

/**
 * Every library package of the workspace: all but this one, the test helpers and the native setup command.
 * Committed packages only: the scaffold's test creates a probe package in packages/ while other tests run.
 */
const libraryPackages = execFileSync('git', ['ls-files', '--', '*/package.json'], { cwd: packagesDir, encoding: 'utf8' })
  .split('\n')
  .filter((file) => /^[^/]+\/package\.json$/.test(file))
  .map((file) => (JSON.parse(readFileSync(join(packagesDir, file), 'utf8')) as { name: string }).name)
  .filter((name) => name !== PACKAGE_NAME && name !== '@tfsim/test-utils' && name !== '@tfsim/setup-native')
  .sort();

describe('@tfsim/similarity', () => {
  it('names itself', () => expect(PACKAGE_NAME).toBe(manifest.name));

  it('has one namespace per library package of the workspace, and depends on exactly those', () => {
    expect(Object.values(NAMESPACES).sort()).toEqual(libraryPackages);
    expect(Object.keys(manifest.dependencies).sort()).toEqual(libraryPackages);
    expect(libraryPackages).toHaveLength(17);
  });

  it('names each namespace after the Python module, in camelCase', () => {
    for (const [namespace, pkg] of Object.entries(NAMESPACES)) {
      const module = pkg.slice('@tfsim/'.length);
      expect(namespace).toBe(module.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase()));
    }
  });

  it.each(Object.entries(NAMESPACES))('tfsim.%s exposes every export of %s, the same objects', (namespace, pkg) => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const direct = require(pkg) as Record<string, unknown>;
    const viaNamespace = (tfsim as unknown as Record<string, Record<string, unknown>>)[namespace]!;
    const keys = Object.keys(direct)
      .filter((k) => k !== '__esModule')
      .sort();
    expect(keys.length).toBeGreaterThan(0);
    expect(
      Object.keys(viaNamespace)
        .filter((k) => k !== '__esModule')
        .sort(),
    ).toEqual(keys);
    for (const key of keys) expect(viaNamespace[key]).toBe(direct[key]);
  });

  it('reaches the classes users look for by their Python path', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const losses = require('@tfsim/losses') as Record<string, unknown>;
    expect(tfsim.losses.MultiSimilarityLoss).toBe(losses.MultiSimilarityLoss);
    expect(typeof tfsim.indexer.Indexer).toBe('function');
    expect(typeof tfsim.distances.getDistance).toBe('function');
  });
});

import * as tfsim from '@tfsim/similarity';

import { MIGRATION_ROWS } from './migration-table';

/**
 * docs/migration.md maps every Python name to a TypeScript name and package.
 * Each TypeScript name in it must be exported by that package, so the table
 * cannot drift from the code (type-only exports are marked "(type)" or
 * "(interface)" and have no runtime value to check).
 */

const namespaceOf = (pkg: string): Record<string, unknown> | undefined => {
  const entry = Object.entries(tfsim.NAMESPACES).find(([, name]) => name === `@tfsim/${pkg}`);
  return entry ? (tfsim as unknown as Record<string, Record<string, unknown>>)[entry[0]] : undefined;
};

describe('docs/migration.md', () => {
  it('lists the Python names, at least the ones every user meets', () => {
    const python = MIGRATION_ROWS.map((r) => r[0]).join(' ');
    for (const name of [
      'SimilarityModel',
      'MultiSimilarityLoss',
      'MultiShotMemorySampler',
      'Indexer',
      'EvalCallback',
      'select_examples',
      'viz_neigbors_imgs',
      'NMSLibSearch',
    ]) {
      expect(python).toMatch(new RegExp(`\`([\\w.]+\\.)?${name}\``));
    }
    expect(MIGRATION_ROWS.length).toBeGreaterThan(100);
  });

  it.each(MIGRATION_ROWS.filter((r) => r[2] !== '').map((r) => [r[0], r[1], r[2]] as const))(
    '%s -> %s is exported by @tfsim/%s',
    (_python, typescript, pkg) => {
      const namespace = namespaceOf(pkg!);
      expect(namespace).toBeDefined();
      const names = [...typescript!.matchAll(/`([A-Za-z_][\w]*)`( \((type|interface)\))?/g)]
        .filter((m) => m[2] === undefined)
        .map((m) => m[1]!);
      for (const name of names) expect({ name, exported: name in namespace! }).toEqual({ name, exported: true });
    },
  );

  it('gives a reason for every name it does not port', () => {
    for (const [python, typescript, pkg, , notes] of MIGRATION_ROWS) {
      if (typescript === 'not ported') {
        expect({ python, pkg, hasReason: (notes ?? '').length > 10 }).toEqual({ python, pkg: '', hasReason: true });
      }
    }
  });
});

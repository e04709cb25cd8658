import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { DOCS_DIR } from './doc-snippets';

const PACKAGES_DIR = join(DOCS_DIR, '..', 'packages');

/**
 * One canonical doc per package: its README is the reference; a guide under
 * docs/guides/ is a tutorial that links to it instead of repeating it.
 */
describe('one canonical doc per package', () => {
  const packages = readdirSync(PACKAGES_DIR).filter((p) => existsSync(join(PACKAGES_DIR, p, 'package.json')));

  it('every package has a README', () => {
    expect(packages.filter((p) => !existsSync(join(PACKAGES_DIR, p, 'README.md')))).toEqual([]);
  });

  it('every guide is of a package and links to its README', () => {
    const guides = readdirSync(join(DOCS_DIR, 'guides')).filter((f) => f.endsWith('.md'));
    expect(guides.length).toBeGreaterThan(10);
    const problems = guides.flatMap((file) => {
      const name = file.slice(0, -3);
      if (!packages.includes(name)) return [`docs/guides/${file} is not the guide of a package`];
      const text = readFileSync(join(DOCS_DIR, 'guides', file), 'utf8');
      return text.includes(`(../../packages/${name}/README.md)`) ? [] : [`docs/guides/${file} does not link to packages/${name}/README.md`];
    });
    expect(problems).toEqual([]);
  });
});

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { publishablePackages } from './manifests';
import { importedPackages, installLine, packageOf } from './readme-install';

function readme(text: string): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tfsim-readme-')), 'README.md');
  fs.writeFileSync(file, text);
  return file;
}

describe('README install lines', () => {
  it('reads the packages of the first install line and the commands before and after it', () => {
    const file = readme(
      'x\n```sh\n# first\nnpm pkg set a=b  # why\npnpm add @tfsim/a b -D   # comment\npnpm exec tool --flag\n```\n```sh\nnpm install c\n```\n',
    );
    expect(installLine(file)).toEqual({ before: ['npm pkg set a=b'], packages: ['@tfsim/a', 'b'], after: ['pnpm exec tool --flag'] });
  });

  it('names the package of a specifier, and none for node: and relative ones', () => {
    expect(['@tfsim/stores/level', 'level', 'umap-js/lib/x', 'node:fs', './a'].map(packageOf)).toEqual([
      '@tfsim/stores',
      'level',
      'umap-js',
      undefined,
      undefined,
    ]);
  });

  // Under pnpm only direct dependencies can be imported: what an example
  // imports must be on the line a user copies.
  it.each(publishablePackages().map((p) => [p.manifest.name, p.dir] as const))(
    '%s: the install line has every package its README examples import',
    (name, dir) => {
      const file = path.join(dir, 'README.md');
      const line = new Set(installLine(file).packages.map((p) => p.replace(/(.)@[^/]*$/, '$1')));
      expect(line.has(name)).toBe(true);
      expect(importedPackages(file).filter((p) => !line.has(p))).toEqual([]);
    },
  );
});

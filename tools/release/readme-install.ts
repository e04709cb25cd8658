/**
 * The install line of a package README (the first `pnpm add` or `npm install`
 * of its first shell block that has one), and the packages its examples
 * import: what users copy must be what the examples need.
 */
import * as fs from 'node:fs';

import { type ReadmeExample, readmeExamples } from '@tfsim/test-utils/readme';

export interface InstallLine {
  /** The commands before it in the same block (e.g. `npm pkg set pnpm.overrides...`), without comments. */
  before: string[];
  /** The packages it installs, in order, without flags. */
  packages: string[];
  /** The commands after it in the same block (e.g. `pnpm exec tfsim-setup-native`), without comments. */
  after: string[];
}

const COMMAND = /^(?:pnpm add|npm install|npm i)\s+/;

export function installLine(readmePath: string): InstallLine {
  const text = fs.readFileSync(readmePath, 'utf8');
  for (const block of text.matchAll(/```sh\n([\s\S]*?)```/g)) {
    const lines = block[1]!.split('\n').map((l) => l.replace(/#.*$/, '').trim());
    const at = lines.findIndex((l) => COMMAND.test(l));
    if (at < 0) continue;
    const packages = lines[at]!.replace(COMMAND, '')
      .split(/\s+/)
      .filter((t) => t !== '' && !t.startsWith('-'));
    return { before: lines.slice(0, at).filter((l) => l !== ''), packages, after: lines.slice(at + 1).filter((l) => l !== '') };
  }
  throw new Error(`${readmePath} has no install line (pnpm add ... or npm install ... in a sh block)`);
}

/** The package a bare import specifier names (`@tfsim/stores/level` is `@tfsim/stores`); undefined for node: and relative ones. */
export function packageOf(specifier: string): string | undefined {
  if (specifier.startsWith('.') || specifier.startsWith('node:') || specifier.startsWith('/')) return undefined;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/** Every package the README's ```ts blocks import or require. */
export function importedPackages(readmePath: string): string[] {
  const text = fs.readFileSync(readmePath, 'utf8');
  const found = new Set<string>();
  for (const block of text.matchAll(/```ts\n([\s\S]*?)```/g)) {
    for (const m of block[1]!.matchAll(/(?:from\s+|import\s+|require\()'([^']+)'/g)) {
      const pkg = packageOf(m[1]!);
      if (pkg) found.add(pkg);
    }
  }
  return [...found].sort();
}

/** The README's first example that states its output. */
export function readmeExample(readmePath: string): ReadmeExample {
  const [example] = readmeExamples(readmePath.replace(/[/\\]README\.md$/, ''));
  if (!example) throw new Error(`${readmePath} has no example with an Output block`);
  return example;
}
